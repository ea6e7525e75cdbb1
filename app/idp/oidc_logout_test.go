package idp_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// An id_token_hint is no credential: it travels through the browser and may be copied. It ends
// the IdP session of the browser that sends it, when that session is the hint's citizen, and
// never another browser's session.
func TestEndSessionEndsOnlyTheSendersSession(t *testing.T) {
	env := apptest.New(t)
	r := newDemoRP(t, env, "profile")
	alice, laptop, attacker := env.Client(), env.Client(), env.Client()
	tok, err := r.exchange(r.login(t, alice))
	if err != nil {
		t.Fatal(err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if _, err := r.exchange(r.login(t, laptop)); err != nil { // the same citizen in a second browser
		t.Fatal(err)
	}
	hasIdPSession := func(c *http.Client) bool {
		resp, body := authorize(t, env, c, authorizeQuery(env, "demo-app"))
		_, to, _ := follow(t, env, c, hop{resp, body, ""}, client.DemoRedirect)
		return to != nil
	}
	endSession := func(c *http.Client, method string) *http.Response {
		v := url.Values{"id_token_hint": {rawID}, "post_logout_redirect_uri": {"http://127.0.0.1:9/"}}
		if method == http.MethodPost {
			resp, _ := env.PostForm(c, env.URL+"/idp/end_session", v)
			return resp
		}
		resp, _ := env.Get(c, env.URL+"/idp/end_session?"+v.Encode())
		return resp
	}

	// A copied hint from a browser without the citizen's IdP session ends nothing, by GET or POST.
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if resp := endSession(attacker, m); resp.StatusCode != http.StatusFound {
			t.Fatalf("%s end_session from another browser: %d", m, resp.StatusCode)
		}
	}
	if !hasIdPSession(alice) || !hasIdPSession(laptop) {
		t.Fatal("a copied id_token_hint ended a session of another browser")
	}
	if st, _ := userinfoStatus(t, env, tok.AccessToken); st != http.StatusOK {
		t.Fatal("a copied id_token_hint revoked the client's tokens")
	}

	// The citizen's own logout, by POST from the first browser, ends that browser's session only.
	if resp := endSession(alice, http.MethodPost); resp.StatusCode != http.StatusFound ||
		!strings.HasPrefix(resp.Header.Get("Location"), "http://127.0.0.1:9/") {
		t.Fatalf("end_session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if hasIdPSession(alice) {
		t.Fatal("the IdP session of the browser that logged out survived")
	}
	if !hasIdPSession(laptop) {
		t.Fatal("logging out in one browser ended the citizen's session in another")
	}
}

// A hint this provider did not sign gets the error page, not the library's JSON.
func TestEndSessionRefusesAForgedHint(t *testing.T) {
	env := apptest.New(t)
	for _, hint := range []string{"garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.abc"} {
		resp, body := env.Get(env.Client(), env.URL+"/idp/end_session?id_token_hint="+url.QueryEscape(hint))
		if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(body, "id_token_hint") {
			t.Fatalf("hint %q: %d %s", hint, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}
