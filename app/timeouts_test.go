package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// T27: the portal's, the IdP's and the console's sessions end after SessionIdle (30 minutes)
// without activity; activity resets the idle clock but not the absolute lifetime
// (SessionAbsolute, 12 hours), which ends even a session in constant use.
func TestT27_IdleAndAbsoluteTimeouts(t *testing.T) {
	actors := []struct {
		name  string
		login func(t *testing.T, env *apptest.Env, c *http.Client)
		alive func(t *testing.T, env *apptest.Env, c *http.Client) bool // one use of the session
	}{
		{"Portal", func(t *testing.T, env *apptest.Env, c *http.Client) { portalLogin(t, env, c, "001085012345") }, portalAlive},
		{"IdP", func(t *testing.T, env *apptest.Env, c *http.Client) { portalLogin(t, env, c, "001085012345") }, idpAlive},
		{"Console", consoleLogin, consoleAlive},
	}
	for _, a := range actors {
		t.Run(a.name+"/Idle", func(t *testing.T) {
			env := apptest.New(t)
			c := env.Client()
			a.login(t, env, c)
			for i := 0; i < 3; i++ { // used every 29 minutes: alive well past 30 minutes
				env.Clock.Advance(29 * time.Minute)
				if !a.alive(t, env, c) {
					t.Fatalf("session ended %d minutes after login though used every 29 minutes", 29*(i+1))
				}
			}
			env.Clock.Advance(30*time.Minute + time.Second)
			if a.alive(t, env, c) {
				t.Fatal("session alive after 30 minutes without activity")
			}
		})
		t.Run(a.name+"/Absolute", func(t *testing.T) {
			env := apptest.New(t)
			c := env.Client()
			a.login(t, env, c)
			for elapsed := 20 * time.Minute; elapsed < 12*time.Hour; elapsed += 20 * time.Minute {
				env.Clock.Advance(20 * time.Minute)
				if !a.alive(t, env, c) {
					t.Fatalf("session in constant use ended after %v", elapsed)
				}
			}
			env.Clock.Advance(20 * time.Minute)
			if a.alive(t, env, c) {
				t.Fatal("session in constant use outlived the 12-hour absolute lifetime")
			}
		})
	}
}

func portalAlive(t *testing.T, env *apptest.Env, c *http.Client) bool {
	t.Helper()
	resp, _ := env.Get(c, "/tai-khoan")
	return resp.StatusCode == http.StatusOK
}

// idpAlive starts a demo-app login in the browser: with a live IdP session it comes back to
// the client with a code (single sign-on), without one it stops at the login page.
func idpAlive(t *testing.T, env *apptest.Env, c *http.Client) bool {
	t.Helper()
	resp, _ := env.Get(c, env.AuthorizeURL(client.NewPKCE(), nil))
	for i := 0; i < 10 && resp.StatusCode >= 300 && resp.StatusCode < 400; i++ {
		loc := resp.Header.Get("Location")
		if strings.HasPrefix(loc, client.DemoRedirect) {
			return strings.Contains(loc, "code=")
		}
		resp, _ = env.Get(c, loc)
	}
	return false
}

func consoleLogin(t *testing.T, env *apptest.Env, c *http.Client) {
	t.Helper()
	_, body := env.Get(c, "/console/login")
	resp, _ := env.Submit(c, apptest.FormWith(t, env.URL+"/console/login", body, "password"),
		map[string]string{"password": "Quantri@2026"})
	if resp.StatusCode != http.StatusSeeOther || !consoleAlive(t, env, c) {
		t.Fatalf("console login: %d", resp.StatusCode)
	}
}

func consoleAlive(t *testing.T, env *apptest.Env, c *http.Client) bool {
	t.Helper()
	resp, _ := env.Get(c, "/console/")
	return resp.StatusCode == http.StatusOK
}
