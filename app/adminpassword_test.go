package app_test

import (
	"context"
	"net/http"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// operatorLetIn submits the console login form with password and reports whether it let the
// operator in.
func operatorLetIn(t *testing.T, env *apptest.Env, password string) bool {
	t.Helper()
	c := env.Client()
	_, body := env.Get(c, "/console/login")
	resp, _ := env.Submit(c, apptest.FormWith(t, env.URL+"/console/login", body, "password"),
		map[string]string{"password": password})
	return resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/console/"
}

// storedAdminHash is the console password's hash in the database.
func storedAdminHash(t *testing.T, env *apptest.Env) string {
	t.Helper()
	h, err := env.App.Store().LookupSecret(context.Background(), "admin_password_hash")
	if err != nil || h == nil {
		t.Fatalf("stored console password hash: %q, %v", h, err)
	}
	return string(h)
}

// A configured console password is hashed when it differs from the one the stored hash was
// made of, and only then: a restart with the same password keeps the hash (a new hash would
// have a new salt), a new password replaces it at once (the old one is refused), a start
// without a configured password keeps the last one, and a hash changed behind the server's
// back is made again from the configured password.
func TestConfiguredConsolePasswordIsHashedOnlyWhenItChanges(t *testing.T) {
	const first, second = "Quantri@2026", "Quantri@2027-moi"
	env := apptest.New(t, func(c *app.Config) { c.AdminPassword = first })
	hash := storedAdminHash(t, env)

	env.Restart()
	if got := storedAdminHash(t, env); got != hash {
		t.Fatalf("a restart with the same password hashed it again: %q, was %q", got, hash)
	}
	if !operatorLetIn(t, env, first) {
		t.Fatal("the configured password is refused after a restart")
	}

	env.Config.AdminPassword = second
	env.Restart()
	if storedAdminHash(t, env) == hash {
		t.Fatal("a new configured password kept the old hash")
	}
	if operatorLetIn(t, env, first) || !operatorLetIn(t, env, second) {
		t.Fatal("after a change of the configured password: want the new one only")
	}

	env.Config.AdminPassword = first // back to a password this folder knew before
	env.Restart()
	if operatorLetIn(t, env, second) || !operatorLetIn(t, env, first) {
		t.Fatal("after going back to the first password: want the first one only")
	}

	env.Config.AdminPassword = ""
	env.Restart()
	if operatorLetIn(t, env, second) || !operatorLetIn(t, env, first) {
		t.Fatal("a start without a configured password: want the last configured one")
	}

	// Another hash stored behind the server's back (say by an older version): its fingerprint
	// is missing or does not match, so the configured password is hashed again.
	other := env.App.Hasher().HashNow(second)
	if err := env.App.Store().SetSecret(context.Background(), "admin_password_hash", []byte(other)); err != nil {
		t.Fatal(err)
	}
	env.Config.AdminPassword = first
	env.Restart()
	if operatorLetIn(t, env, second) || !operatorLetIn(t, env, first) {
		t.Fatal("with a foreign stored hash: want the configured password only")
	}
}
