package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/store"
)

// A password check takes its place under the per-IP limit as a failure before its hash runs
// (T02). A process killed during the hash never finishes that attempt; the next start must not
// count it, or a few crashes lock out right passwords from a shared address.
func TestT02_RestartForgetsAttemptsACrashCutShort(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.Limits.IPMaxFailures = 4 })
	ctx := context.Background()
	appLogin := func(password string) int {
		return env.NewDevice().Call(http.MethodPost, "/login", "",
			map[string]string{"id_number": "001085012345", "password": password}, nil)
	}
	if code := appLogin("Sai@1234"); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d, want 401", code)
	}
	// Three checks from this address that a kill cut short: reserved, never finished.
	st, now := env.App.Store(), env.Clock.Now()
	for range 3 {
		if _, err := st.ReserveAttempt(ctx, store.Attempt{At: now, IP: "127.0.0.1", IDNumber: "001085012345",
			Kind: "password"}, store.AttemptLimit{Max: 4, Window: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	if code := appLogin(app.DemoPassword); code != http.StatusTooManyRequests {
		t.Fatalf("right password with 1 failure and 3 unfinished attempts: %d, want 429 (the limit is 4)", code)
	}

	env.Restart()
	if code := appLogin(app.DemoPassword); code != http.StatusOK {
		t.Fatalf("right password after the restart: %d, want 200", code)
	}
	// The real failure still counts.
	n, err := env.App.Store().CountIPFailures(ctx, "127.0.0.1", "password", now.Add(-10*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("failures of 127.0.0.1 after the restart: %d (%v), want the 1 wrong password", n, err)
	}
}
