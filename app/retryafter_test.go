package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// Every route that can answer 429 (too many requests) or 423 (locked) says when to come back
// with Retry-After: HTML forms re-rendered with their message as much as the JSON API. Each
// client comes from its own address (through the trusted proxy), so the limits do not mix.
func TestEvery429And423CarriesRetryAfter(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.TrustedProxies = []string{"127.0.0.1/32"} })
	const an = "001085012345"
	ip := 0
	newClient := func() *http.Client {
		ip++
		addr := fmt.Sprintf("198.51.100.%d", ip)
		return apptest.FromAddress(env.Client(), func() string { return addr })
	}
	check := func(name string, resp *http.Response, status int, retryAfter string) {
		t.Helper()
		if resp.StatusCode != status || resp.Header.Get("Retry-After") != retryAfter {
			t.Errorf("%s: %d with Retry-After %q, want %d with %q", name, resp.StatusCode,
				resp.Header.Get("Retry-After"), status, retryAfter)
		}
	}
	appLogin := func(c *http.Client, idNumber, password string) *http.Response {
		resp, _, err := client.NewPhone(env.URL, c, "").Do(context.Background(), http.MethodPost, "/login", "",
			map[string]string{"id_number": idNumber, "password": password})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	consoleLogin := func(c *http.Client, password string) *http.Response {
		_, body := env.Get(c, "/console/login")
		resp, _ := env.Submit(c, apptest.FormWith(t, env.URL+"/console/login", body, "password"),
			map[string]string{"password": password})
		return resp
	}

	// Password hashing saturated: the IdP's password form, the app login, the console login.
	c := newClient()
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	release := env.App.Hasher().Saturate()
	resp, _ := env.PasswordStep(c, lp, an, app.DemoPassword)
	check("IdP password form, hashing saturated", resp, http.StatusTooManyRequests, "2")
	check("app login, hashing saturated", appLogin(newClient(), an, app.DemoPassword), http.StatusTooManyRequests, "2")
	check("console login, hashing saturated", consoleLogin(newClient(), "Quantri@2026"), http.StatusTooManyRequests, "2")
	resp, err := newClient().Get(env.AuthorizeURL(client.NewPKCE(), nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("authorization request, hashing saturated", resp, http.StatusTooManyRequests, "1")
	release()

	// "Gửi lại mã" at once, then past the hourly cap.
	c = newClient()
	lp = env.OpenLogin(c, client.NewPKCE(), nil)
	resp, body := env.PasswordStep(c, lp, an, app.DemoPassword)
	at, page := env.CodeStep(c, resp, body)
	var resend client.Form
	for _, f := range client.ParseForms(at, page) {
		if strings.HasSuffix(f.Action, "/idp/login/otp/resend") && f.Fields.Get("channel") == "" {
			resend = f
		}
	}
	env.Clock.Advance(15 * time.Second)
	resp, _ = env.Submit(c, resend, nil)
	check("code page, resend too soon", resp, http.StatusTooManyRequests, "45")

	// Too many failures from one address: the IdP's password form, the console login.
	c = newClient()
	lp = env.OpenLogin(c, client.NewPKCE(), nil)
	for i := 0; i < 20; i++ {
		env.PasswordStep(c, lp, fmt.Sprintf("0019900000%02d", i), "Sai@12345")
	}
	resp, _ = env.PasswordStep(c, lp, an, app.DemoPassword)
	check("IdP password form, per-IP limit", resp, http.StatusTooManyRequests, "600")
	c = newClient()
	for i := 0; i < 10; i++ {
		consoleLogin(c, "wrong-password")
	}
	check("console login, per-IP limit", consoleLogin(c, "Quantri@2026"), http.StatusTooManyRequests, "600")

	// A locked account (five wrong passwords): the form that locks it, the next try, the app.
	c = newClient()
	lp = env.OpenLogin(c, client.NewPKCE(), nil)
	for i := 0; i < 4; i++ {
		env.PasswordStep(c, lp, an, "Sai@12345")
	}
	resp, _ = env.PasswordStep(c, lp, an, "Sai@12345")
	check("IdP password form, the failure that locks", resp, http.StatusLocked, "900")
	resp, _ = env.PasswordStep(c, lp, an, app.DemoPassword)
	check("IdP password form, locked", resp, http.StatusLocked, "900")
	check("app login, locked", appLogin(newClient(), an, app.DemoPassword), http.StatusLocked, "900")
}
