package oidcop_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/app/web"
	"dvclogin/store"
)

// Clients an operator registered, as an integrator's service uses them: the whole direct login
// through go-oidc and x/oauth2, and what the provider refuses them.

var an = app.DemoCitizens[0] // level 2, web login on

const (
	hoTich         = "ho-tich"
	hoTichName     = "Hộ tịch điện tử tỉnh Lâm Đồng"
	hoTichRedirect = "https://hotich.example.vn/callback"
	hoTichLogout   = "https://hotich.example.vn/da-dang-xuat"
)

// register stores a client as the command line and the console do and returns its secret
// ("" for a public client).
func register(t *testing.T, env *apptest.Env, id, name string, public bool, redirects, logouts []string) string {
	t.Helper()
	c, secret, err := web.NewOIDCClient(id, name, redirects, logouts, public, env.Clock.Now())
	if err == nil {
		err = web.RegisterOIDCClient(context.Background(), env.App.Store(), c)
	}
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// newRP is the integrator's relying party: discovery, then the client's credentials sent the
// way style says (oauth2.AuthStyleInHeader is client_secret_basic, InParams client_secret_post).
func newRP(t *testing.T, env *apptest.Env, id, secret, redirect string, style oauth2.AuthStyle, scopes ...string) *client.RP {
	t.Helper()
	rp, err := client.NewRP(context.Background(), http.DefaultClient, env.URL+"/idp",
		oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	rp.OAuth.Endpoint.AuthStyle = style
	return rp
}

// loginCode walks the direct login for rp in a fresh browser and returns the request and its
// code.
func loginCode(t *testing.T, env *apptest.Env, rp *client.RP) (client.Authorization, string, *http.Client) {
	t.Helper()
	b, a := env.Client(), client.NewAuthorization()
	code, err := rp.Code(a, env.DirectLogin(b, rp.AuthCodeURL(a), an.IDNumber, app.DemoPassword))
	if err != nil {
		t.Fatal(err)
	}
	return a, code, b
}

// oauthError is the OAuth error of a refused token request.
func oauthError(t *testing.T, err error) (int, string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("err %v, want an OAuth refusal", err)
	}
	return re.Response.StatusCode, re.ErrorCode
}

func TestRegisteredConfidentialClientLogsIn(t *testing.T) {
	for _, tc := range []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"ClientSecretBasic", oauth2.AuthStyleInHeader},
		{"ClientSecretPost", oauth2.AuthStyleInParams},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t)
			ctx := context.Background()
			secret := register(t, env, hoTich, hoTichName, false, []string{hoTichRedirect}, []string{hoTichLogout})
			rp := newRP(t, env, hoTich, secret, hoTichRedirect, tc.style, "profile", "phone", "offline_access")

			if lp := env.OpenLoginAt(env.Client(), rp.AuthCodeURL(client.NewAuthorization())); !strings.Contains(lp.Body, hoTichName) {
				t.Fatalf("the login page does not name the service %q", hoTichName)
			}
			a, code, browser := loginCode(t, env, rp)
			tok, err := rp.Exchange(ctx, a, code)
			if err != nil {
				t.Fatal(err)
			}
			idt, err := rp.Verify(ctx, tok, a.Nonce)
			if err != nil {
				t.Fatal(err)
			}
			var claims struct {
				SoDinhDanh string `json:"SoDinhDanh"`
				Phone      string `json:"phone_number"`
			}
			if err := idt.Claims(&claims); err != nil || claims.SoDinhDanh != an.IDNumber || claims.Phone == "" ||
				len(idt.Audience) != 1 || idt.Audience[0] != hoTich {
				t.Fatalf("ID token %+v for %v (%v)", claims, idt.Audience, err)
			}
			if _, err := rp.Refresh(ctx, tok.RefreshToken); err != nil {
				t.Fatalf("refresh: %v", err)
			}

			// RP-initiated logout back to the service's registered address.
			rawID, _ := tok.Extra("id_token").(string)
			resp, _ := env.PostForm(browser, env.URL+"/idp/end_session",
				url.Values{"id_token_hint": {rawID}, "post_logout_redirect_uri": {hoTichLogout}, "state": {"bye"}})
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != hoTichLogout+"?state=bye" {
				t.Fatalf("end_session: %d to %q", resp.StatusCode, loc)
			}
		})
	}
}

// A registered service on a plain http host of the LAN, or a native app with its own scheme, is
// public: no secret, and PKCE with S256 or no login at all.
func TestRegisteredPublicClientNeedsPKCE(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	const id, lanRedirect, appRedirect = "app-di-dong", "http://192.168.1.50:3000/cb", "com.example.app:/oauth2/cb"
	register(t, env, id, "Ứng dụng Dịch vụ công di động", true, []string{lanRedirect, appRedirect}, nil)

	t.Run("OK", func(t *testing.T) {
		rp := newRP(t, env, id, "", lanRedirect, oauth2.AuthStyleInParams, "profile")
		a, code, _ := loginCode(t, env, rp)
		tok, err := rp.Exchange(ctx, a, code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rp.Verify(ctx, tok, a.Nonce); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("OKNativeScheme", func(t *testing.T) {
		rp := newRP(t, env, id, "", appRedirect, oauth2.AuthStyleInParams, "profile")
		resp, _ := env.Get(env.Client(), rp.AuthCodeURL(client.NewAuthorization()))
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, env.URL+"/idp/login?") {
			t.Fatalf("%d to %q, want the login page", resp.StatusCode, loc)
		}
	})
	t.Run("ErrWithoutPKCE", func(t *testing.T) {
		q := url.Values{"client_id": {id}, "redirect_uri": {lanRedirect}, "response_type": {"code"},
			"scope": {"openid profile"}, "state": {"st-1"}, "nonce": {"n-1"}}
		resp, _ := env.Get(env.Client(), env.URL+"/idp/authorize?"+q.Encode())
		loc, err := resp.Location()
		if err != nil || !strings.HasPrefix(loc.String(), lanRedirect+"?") || loc.Query().Get("error") != "invalid_request" ||
			loc.Query().Get("state") != "st-1" || loc.Query().Has("code") {
			t.Fatalf("without PKCE: %d to %v, want invalid_request back to the client", resp.StatusCode, loc)
		}
	})
	t.Run("ErrCodeWithoutVerifier", func(t *testing.T) {
		rp := newRP(t, env, id, "", lanRedirect, oauth2.AuthStyleInParams, "profile")
		_, code, _ := loginCode(t, env, rp)
		_, err := rp.OAuth.Exchange(rp.Context(ctx), code)
		if st, e := oauthError(t, err); st != http.StatusBadRequest || e != "invalid_request" {
			t.Fatalf("a code without its verifier: %d %s", st, e)
		}
	})
	t.Run("ErrSendsASecret", func(t *testing.T) {
		rp := newRP(t, env, id, "guessed", lanRedirect, oauth2.AuthStyleInParams, "profile")
		a, code, _ := loginCode(t, env, rp)
		_, err := rp.Exchange(ctx, a, code)
		if st, e := oauthError(t, err); st != http.StatusUnauthorized || e != "invalid_client" {
			t.Fatalf("a public client with a secret: %d %s", st, e)
		}
	})
}

// Redirect URIs match exactly: one character off is the error page, never a redirect.
func TestRegisteredRedirectURIMatchesExactly(t *testing.T) {
	env := apptest.New(t)
	register(t, env, hoTich, hoTichName, false, []string{hoTichRedirect}, nil)
	authorizeTo := func(redirect string) (*http.Response, string) {
		q := url.Values{"client_id": {hoTich}, "redirect_uri": {redirect}, "response_type": {"code"},
			"scope": {"openid profile"}, "state": {"st-1"}, "code_challenge": {client.NewPKCE().Challenge},
			"code_challenge_method": {"S256"}}
		return env.Get(env.Client(), env.URL+"/idp/authorize?"+q.Encode())
	}
	for _, tc := range []struct{ name, redirect string }{
		{"LastLetterCase", "https://hotich.example.vn/callbacK"},
		{"OneLetterMore", "https://hotich.example.vn/callbackx"},
		{"OneLetterLess", "https://hotich.example.vn/callbac"},
		{"TrailingSlash", "https://hotich.example.vn/callback/"},
		{"EmptyQuery", "https://hotich.example.vn/callback?"},
		{"EmptyFragment", "https://hotich.example.vn/callback#"},
		{"HTTP", "http://hotich.example.vn/callback"},
		{"ExplicitPort", "https://hotich.example.vn:443/callback"},
		{"HostCase", "https://Hotich.example.vn/callback"},
		{"OtherHost", "https://hotich.example.vm/callback"},
		{"DotSegments", "https://hotich.example.vn/x/../callback"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := authorizeTo(tc.redirect)
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Fatalf("redirected to %q", loc)
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "redirect_uri") {
				t.Fatalf("status %d, want 400 with the redirect_uri error page", resp.StatusCode)
			}
		})
	}
	if resp, _ := authorizeTo(hoTichRedirect); resp.StatusCode != http.StatusFound ||
		!strings.HasPrefix(resp.Header.Get("Location"), env.URL+"/idp/login?") {
		t.Fatalf("the registered URI: %d to %q, want the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// A rotated secret takes effect at the next request: the old one is refused, the new one works
// (a refused exchange leaves the code unredeemed).
func TestRotatedSecret(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	oldSecret := register(t, env, hoTich, hoTichName, false, []string{hoTichRedirect}, nil)
	rp := newRP(t, env, hoTich, oldSecret, hoTichRedirect, oauth2.AuthStyleInHeader, "profile")
	a, code, _ := loginCode(t, env, rp)

	newSecret, err := web.RotateOIDCClientSecret(ctx, env.App.Store(), hoTich, env.Clock.Now())
	if err != nil || newSecret == oldSecret {
		t.Fatalf("rotate: %q (%v)", newSecret, err)
	}
	_, err = rp.Exchange(ctx, a, code)
	if st, e := oauthError(t, err); st != http.StatusUnauthorized || e != "invalid_client" {
		t.Fatalf("the old secret: %d %s, want 401 invalid_client", st, e)
	}
	rp.OAuth.ClientSecret = newSecret
	if _, err := rp.Exchange(ctx, a, code); err != nil {
		t.Fatalf("the new secret: %v", err)
	}
}

// Removing a client ends what it was given: its refresh token stops working, and stays dead
// for a service later registered under the same id.
func TestRemovedClientRefreshTokenStopsWorking(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	secret := register(t, env, hoTich, hoTichName, false, []string{hoTichRedirect}, nil)
	rp := newRP(t, env, hoTich, secret, hoTichRedirect, oauth2.AuthStyleInHeader, "profile", "offline_access")
	a, code, _ := loginCode(t, env, rp)
	tok, err := rp.Exchange(ctx, a, code)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v, refresh token %q", err, tok.RefreshToken)
	}

	removed, err := web.RemoveOIDCClient(ctx, env.App.Store(), hoTich, env.Clock.Now())
	if err != nil || removed.Tokens != 2 {
		t.Fatalf("remove: %+v (%v), want its access and refresh token revoked", removed, err)
	}
	_, err = rp.Refresh(ctx, tok.RefreshToken)
	if st, e := oauthError(t, err); st != http.StatusUnauthorized || e != "invalid_client" {
		t.Fatalf("refresh by the removed client: %d %s", st, e)
	}

	rp.OAuth.ClientSecret = register(t, env, hoTich, "Dịch vụ khác", false, []string{hoTichRedirect}, nil)
	_, err = rp.Refresh(ctx, tok.RefreshToken)
	if st, e := oauthError(t, err); st != http.StatusBadRequest || e != "invalid_grant" {
		t.Fatalf("the old refresh token under a client registered again: %d %s", st, e)
	}
}

// The phone's confirmation screen names the registered service the citizen logs in to.
func TestQRConfirmationNamesTheRegisteredService(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	secret := register(t, env, hoTich, hoTichName, false, []string{hoTichRedirect}, nil)
	rp := newRP(t, env, hoTich, secret, hoTichRedirect, oauth2.AuthStyleInHeader, "profile")
	desktop := client.NewBrowser(env.URL, client.NewHTTP(nil))
	lp, err := desktop.OpenLogin(ctx, rp.AuthCodeURL(client.NewAuthorization()))
	if err != nil {
		t.Fatal(err)
	}
	l, err := desktop.StartQR(ctx, lp)
	if err != nil {
		t.Fatal(err)
	}
	phone := client.NewPhone(env.URL, http.DefaultClient, "")
	s, err := phone.Login(ctx, an.IDNumber, app.DemoPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if who, err := phone.Scan(ctx, s.Token, l.QR); err != nil || who.ClientName != hoTichName {
		t.Fatalf("the phone is told %+v (%v), want %q", who, err, hoTichName)
	}
}

// A built-in client is answered from code: a row in the database under its id (which the
// registration rules refuse to write) changes neither its secret nor its name.
func TestBuiltinClientCannotBeShadowed(t *testing.T) {
	env := apptest.New(t)
	const forged = "forged-secret"
	err := env.App.Store().CreateOIDCClient(context.Background(), store.OIDCClient{ID: web.PortalClientID,
		Name: "Cổng giả mạo", SecretHash: store.Digest(forged), RedirectURIs: []string{"https://evil.example/sso"},
		CreatedAt: env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	st, e := tokenRequest(t, env, url.Values{"grant_type": {"authorization_code"}, "code": {"x"},
		"client_id": {web.PortalClientID}, "client_secret": {forged}})
	if st != http.StatusUnauthorized || e != "invalid_client" {
		t.Fatalf("the forged secret: %d %s, want 401 invalid_client", st, e)
	}
	q := url.Values{"client_id": {web.PortalClientID}, "redirect_uri": {"https://evil.example/sso"},
		"response_type": {"code"}, "scope": {"openid"}, "code_challenge": {client.NewPKCE().Challenge},
		"code_challenge_method": {"S256"}}
	if resp, _ := env.Get(env.Client(), env.URL+"/idp/authorize?"+q.Encode()); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the forged redirect URI: %d, want 400", resp.StatusCode)
	}
}

// tokenRequest posts a form to the token endpoint and returns the status and OAuth error.
func tokenRequest(t *testing.T, env *apptest.Env, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/idp/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := env.Do(http.DefaultClient, req)
	_, e, _ := strings.Cut(body, `"error":"`)
	e, _, _ = strings.Cut(e, `"`)
	return resp.StatusCode, e
}
