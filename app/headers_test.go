package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// Every response, errors and static files included, carries the security headers; auth pages
// are never cached; every cookie is HttpOnly with SameSite and a path.
func TestHeaderAndCookieAudit(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	routes := []struct {
		path    string
		noStore bool
	}{
		{"/", false},
		{"/dang-nhap", true},
		{"/tai-khoan", true},
		{"/sso?state=x&code=y", true},
		{strings.TrimPrefix(lp.URL, env.URL), true},
		{"/idp/login?tab=password&authRequestID=" + lp.AuthRequestID, true},
		{"/idp/login?authRequestID=unknown", true},
		{"/idp/login/otp?authRequestID=" + lp.AuthRequestID, true},
		{"/idp/.well-known/openid-configuration", false},
		{"/app/", true},
		{"/app/scan", true},
		{"/console/", true},
		{"/console/login", true},
		{"/static/css/base.css", false},
		{"/static/js/idp-login.js", false},
		{"/no-such-page", false},
		{"/healthz", false},
	}
	for _, r := range routes {
		resp, _ := env.Get(c, r.path)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "object-src 'none'") ||
			!strings.Contains(csp, "base-uri 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", r.path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", r.path)
		}
		if h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: no Referrer-Policy", r.path)
		}
		if r.noStore && !strings.Contains(h.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: Cache-Control %q, want no-store", r.path, h.Get("Cache-Control"))
		}
		for _, ck := range resp.Cookies() {
			if !ck.HttpOnly || ck.SameSite == http.SameSiteDefaultMode || ck.Path == "" {
				t.Errorf("%s: cookie %s HttpOnly=%v SameSite=%v Path=%q", r.path, ck.Name, ck.HttpOnly, ck.SameSite, ck.Path)
			}
		}
	}
}

// Every state-changing HTML form refuses a request without its CSRF token, with a wrong one,
// or from a foreign origin.
func TestCSRFOnEveryPostForm(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	password := apptest.FormWith(t, lp.URL, lp.Body, "password")
	_, consoleLogin := env.Get(c, "/console/login")
	forms := map[string]client.Form{
		"idp password":  password,
		"console login": apptest.FormWith(t, env.URL+"/console/login", consoleLogin, "password"),
	}
	resp, body := env.PasswordStep(c, lp, "001085012345", "Demo@1234")
	at, page := env.CodeStep(c, resp, body)
	for _, f := range client.ParseForms(at, page) {
		forms["idp "+strings.TrimPrefix(f.Action, env.URL)+" "+f.Fields.Get("channel")] = f
	}
	forms["portal logout"] = client.Form{Action: env.URL + "/dang-xuat", Method: "POST", Fields: url.Values{}}

	for name, f := range forms {
		t.Run(name, func(t *testing.T) {
			v := url.Values{}
			for k := range f.Fields {
				v.Set(k, f.Fields.Get(k))
			}
			v.Del("csrf_token")
			if resp, _ := env.PostForm(c, f.Action, v); resp.StatusCode != http.StatusForbidden {
				t.Errorf("without token: %d, want 403", resp.StatusCode)
			}
			v.Set("csrf_token", "forged")
			if resp, _ := env.PostForm(c, f.Action, v); resp.StatusCode != http.StatusForbidden {
				t.Errorf("with a forged token: %d, want 403", resp.StatusCode)
			}
			if f.Fields.Get("csrf_token") == "" {
				return
			}
			v.Set("csrf_token", f.Fields.Get("csrf_token"))
			req, _ := http.NewRequest(http.MethodPost, f.Action, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://evil.example")
			if resp, _ := env.Do(c, req); resp.StatusCode != http.StatusForbidden {
				t.Errorf("from a foreign origin: %d, want 403", resp.StatusCode)
			}
		})
	}
}

// A request that arrives on another host name is sent to the public URL before any cookie is
// set, so every actor shares one origin.
func TestCanonicalHostRedirect(t *testing.T) {
	env := apptest.New(t)
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/dang-nhap?x=1", nil)
	req.Host = "localhost:1"
	resp, _ := env.Do(env.Client(), req)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != env.URL+"/dang-nhap?x=1" {
		t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if len(resp.Cookies()) != 0 {
		t.Fatal("the redirect set a cookie")
	}
}
