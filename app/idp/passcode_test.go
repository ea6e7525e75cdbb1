package idp_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// Parallel wrong passcodes cannot buy more than the limit's worth of checks: each guess is
// counted before its hash runs, so at most 10 are ever checked and the passcode ends locked.
func TestParallelPasscodeGuessesStopAtTheLimit(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			guess := "00000" + string(rune('0'+i%10))
			env.Phone().Call(http.MethodPut, "/settings/web-login", token,
				map[string]any{"enabled": true, "passcode": guess}, nil)
		}(i)
	}
	wg.Wait()
	checked := countAttempts(t, env, "passcode")
	if checked > 10 {
		t.Fatalf("%d passcode guesses were checked, want at most 10", checked)
	}
	cit, _ := env.App.Store().CitizenByIDNumber(context.Background(), an)
	if checked == 10 && !cit.PasscodeLocked {
		t.Fatal("10 wrong guesses did not lock the passcode")
	}
	// Whatever happened, the right passcode does not get through any more without the
	// operator when the 10 were used; with fewer checked, a cooldown holds.
	var out struct {
		Error struct{ Code string } `json:"error"`
	}
	tok := env.AppLogin(an, app.DemoPassword)
	st := env.Phone().Call(http.MethodPut, "/settings/web-login", tok,
		map[string]any{"enabled": true, "passcode": app.DemoPasscode}, &out)
	if st == http.StatusOK {
		t.Fatalf("right passcode accepted after %d parallel wrong guesses", checked)
	}
}

// T18: 20 parallel wrong passcodes cannot skip the cooldown: the 5th guess starts it when it
// is reserved, so no 6th is checked while the 5th is being hashed.
func TestT18_ParallelPasscodeGuessesStopAtTheCooldown(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			guess := fmt.Sprintf("00000%d", i%10)
			env.Phone().Call(http.MethodPut, "/settings/web-login", token,
				map[string]any{"enabled": true, "passcode": guess}, nil)
		}(i)
	}
	wg.Wait()
	if checked := countAttempts(t, env, "passcode"); checked > 5 {
		t.Fatalf("%d passcode guesses were checked before the cooldown, want at most 5", checked)
	}
	var out struct {
		Error struct{ Code string } `json:"error"`
	}
	st := env.Phone().Call(http.MethodPut, "/settings/web-login", token,
		map[string]any{"enabled": true, "passcode": app.DemoPasscode}, &out)
	if st != http.StatusTooManyRequests || out.Error.Code != "rate_limited" {
		t.Fatalf("right passcode during the cooldown: %d %s, want 429 rate_limited", st, out.Error.Code)
	}
}

// Parallel wrong passwords from one IP cannot buy more checks than the per-IP limit: each
// attempt takes its place under the limit before its hash runs.
func TestParallelPasswordGuessesStopAtTheIPLimit(t *testing.T) {
	env := apptest.New(t)
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := fmt.Sprintf("0010990%05d", i)
			env.NewDevice().Call(http.MethodPost, "/login", "",
				map[string]string{"id_number": id, "password": "Sai@12345"}, nil)
		}(i)
	}
	wg.Wait()
	checked := countAttempts(t, env, "password")
	if checked > 20 {
		t.Fatalf("%d wrong passwords were checked from one IP, want at most 20", checked)
	}
	var out struct {
		Error struct{ Code string } `json:"error"`
	}
	if st := env.NewDevice().Call(http.MethodPost, "/login", "",
		map[string]string{"id_number": an, "password": app.DemoPassword}, &out); st != http.StatusTooManyRequests && checked == 20 {
		t.Fatalf("after 20 failures the right password got %d %s, want 429", st, out.Error.Code)
	}
}

// countAttempts counts the recorded attempts of one kind (each one a checked secret).
func countAttempts(t *testing.T, env *apptest.Env, kind string) int {
	t.Helper()
	attempts, err := env.App.Store().ListAttempts(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range attempts {
		if a.Kind == kind {
			n++
		}
	}
	return n
}
