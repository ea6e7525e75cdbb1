package console_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// postLoginFrom submits the console login form as a client at ip (the test trusts loopback as a
// proxy, so X-Forwarded-For names the client).
func postLoginFrom(t *testing.T, env *apptest.Env, c *http.Client, f client.Form, ip, password string) *http.Response {
	b := client.NewBrowser(env.URL, c)
	b.Header.Set("X-Forwarded-For", ip)
	p, err := b.Submit(context.Background(), f, map[string]string{"password": password})
	if err != nil {
		t.Error(err)
		return nil
	}
	return p.Resp
}

// Parallel wrong console passwords from many addresses cost at most the account-wide limit's
// worth of hashes, and then the console login is locked for everyone, the right password too,
// until the window is over.
func TestConsoleLoginAccountWideLimit(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.TrustedProxies = []string{"127.0.0.1/32"} })
	type guesser struct {
		c *http.Client
		f client.Form
	}
	var gs []guesser
	for i := 0; i < 40; i++ {
		c := env.Client()
		gs = append(gs, guesser{c, loginForm(t, env, c)})
	}
	var wg sync.WaitGroup
	for i, g := range gs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			postLoginFrom(t, env, g.c, g.f, fmt.Sprintf("203.0.113.%d", i+1), "doan-mo-"+fmt.Sprint(i))
		}()
	}
	wg.Wait()
	attempts, err := env.App.Store().ListAttempts(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, a := range attempts {
		if a.Kind == "console" {
			checked++
		}
	}
	if checked > 10 {
		t.Fatalf("%d console passwords were checked, want at most 10", checked)
	}
	c := env.Client()
	resp := postLoginFrom(t, env, c, loginForm(t, env, c), "198.51.100.7", adminPassword)
	if resp.StatusCode != http.StatusLocked || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("right password from a fresh address after %d failures: %d (Retry-After %q), want 423",
			checked, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	env.Clock.Advance(15 * time.Minute)
	if resp := postLoginFrom(t, env, c, loginForm(t, env, c), "198.51.100.7", adminPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("right password after the window: %d, want 303", resp.StatusCode)
	}
}
