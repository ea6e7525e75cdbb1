package idp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/app/web"
)

// kioskConfig is an RFC 8628 client of the built-in counter client, as a kiosk app would
// configure golang.org/x/oauth2.
func kioskConfig(env *apptest.Env) *oauth2.Config {
	return &oauth2.Config{ClientID: web.KioskClientID, Scopes: []string{"openid", "profile", "offline_access"},
		Endpoint: oauth2.Endpoint{DeviceAuthURL: env.URL + "/idp/device_authorization",
			TokenURL: env.URL + "/idp/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
}

// oauthError is an OAuth error answer of the token or device endpoint.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// poll asks the token endpoint once for the tokens of deviceCode, as clientID.
func poll(t *testing.T, env *apptest.Env, clientID, deviceCode string) (int, oauthError) {
	t.Helper()
	resp, err := http.PostForm(env.URL+"/idp/oauth/token", url.Values{"client_id": {clientID}, "device_code": {deviceCode},
		"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e oauthError
	json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e
}

// The happy path with golang.org/x/oauth2's RFC 8628 client: the kiosk gets a user code and the
// verification address of the phone app; the citizen's app looks the code up (who asks, from
// where), confirms it with the passcode; the kiosk's poll gets an access token, a refresh token
// and an ID token of the citizen, whose user info works. The code is used once.
func TestDeviceGrantWithAnRFC8628Client(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	cfg := kioskConfig(env)
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if da.VerificationURI != env.URL+"/app/device" || da.VerificationURIComplete != da.VerificationURI+"?user_code="+da.UserCode {
		t.Fatalf("verification addresses %q and %q, want the phone app's /app/device", da.VerificationURI, da.VerificationURIComplete)
	}
	if len(da.UserCode) != 9 || da.UserCode[4] != '-' || da.Interval != 5 || da.Expiry.IsZero() {
		t.Fatalf("device answer %+v: want a code XXXX-XXXX, interval 5 s and an expiry", da)
	}

	phone := env.Phone()
	token := phone.Login(oidcCitizenIDNumber, app.DemoPassword)
	typed := strings.ToLower(strings.ReplaceAll(da.UserCode, "-", " ")) // as typed in haste: still the code
	req, err := phone.App.LookUpDevice(ctx, token, typed)
	if err != nil {
		t.Fatal(err)
	}
	if req.ClientName != "Quầy tiếp nhận một cửa" || req.IP != "127.0.0.1" || req.UserCode != da.UserCode || req.Browser == "" {
		t.Fatalf("the phone sees %+v: want the counter's name, address, browser and code", req)
	}
	if d, err := phone.App.ConfirmDevice(ctx, token, da.UserCode, app.DemoPasscode); err != nil || d.State != "approved" {
		t.Fatalf("confirm: %+v %v", d, err)
	}

	da.Interval = 1 // the approval is in: no need to wait the 5 s the server asked for
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token with offline_access")
	}
	raw, _ := tok.Extra("id_token").(string)
	provider, err := oidc.NewProvider(ctx, env.URL+"/idp")
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: web.KioskClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	var claims struct {
		AMR  []string `json:"amr"`
		Name string   `json:"name"`
	}
	idt.Claims(&claims)
	if idt.Subject != oidcCitizenSub || claims.Name == "" || !strings.Contains(strings.Join(claims.AMR, " "), "pin") {
		t.Fatalf("ID token of %q name %q amr %q: want the citizen who confirmed with the passcode", idt.Subject, claims.Name, claims.AMR)
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != oidcCitizenSub {
		t.Fatalf("user info: %+v %v", info, err)
	}
	if status, e := poll(t, env, web.KioskClientID, da.DeviceCode); status != http.StatusBadRequest || e.Error != "invalid_grant" {
		t.Fatalf("the device code again: %d %+v, want invalid_grant", status, e)
	}
	// "Kết thúc phiên" on the counter: the public client revokes its tokens, which then stop working.
	for _, tk := range []string{tok.RefreshToken, tok.AccessToken} {
		resp, err := http.PostForm(env.URL+"/idp/revoke", url.Values{"token": {tk}, "client_id": {web.KioskClientID}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("revocation by the counter: %d", resp.StatusCode)
		}
	}
	if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Fatal("user info with a revoked access token")
	}
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Fatal("a revoked refresh token still refreshed")
	}
	if _, err := phone.App.LookUpDevice(ctx, token, da.UserCode); !isAPIError(err, http.StatusConflict, "user_code_used") {
		t.Fatalf("looking up a used code: %v, want 409 user_code_used", err)
	}
}

func isAPIError(err error, status int, code string) bool {
	var ae *client.APIError
	return errors.As(err, &ae) && ae.Status == status && ae.Code == code
}

// Every error of RFC 8628 §3.5 where the RFC puts it, and the refusals around it.
func TestDeviceGrantErrors(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	cfg := kioskConfig(env)
	phone := env.Phone()
	token := phone.Login(oidcCitizenIDNumber, app.DemoPassword)

	t.Run("PendingThenSlowDown", func(t *testing.T) {
		da, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if status, e := poll(t, env, web.KioskClientID, da.DeviceCode); status != http.StatusBadRequest || e.Error != "authorization_pending" {
			t.Fatalf("first poll: %d %+v, want authorization_pending", status, e)
		}
		if _, e := poll(t, env, web.KioskClientID, da.DeviceCode); e.Error != "slow_down" || !strings.Contains(e.Description, "10 seconds") {
			t.Fatalf("a poll at once after it: %+v, want slow_down to 10 seconds", e)
		}
		env.Clock.Advance(10 * time.Second)
		if _, e := poll(t, env, web.KioskClientID, da.DeviceCode); e.Error != "authorization_pending" {
			t.Fatalf("a poll after the grown interval: %+v, want authorization_pending", e)
		}
	})

	t.Run("AccessDenied", func(t *testing.T) {
		da, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := phone.App.DenyDevice(ctx, token, da.UserCode); err != nil || d.State != "denied" {
			t.Fatalf("deny: %+v %v", d, err)
		}
		da.Interval = 1
		_, err = cfg.DeviceAccessToken(ctx, da)
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "access_denied" {
			t.Fatalf("the kiosk after the citizen refused: %v, want access_denied", err)
		}
		if _, err := phone.App.ConfirmDevice(ctx, token, da.UserCode, app.DemoPasscode); !isAPIError(err, http.StatusConflict, "user_code_used") {
			t.Fatalf("confirming a refused request: %v, want 409", err)
		}
	})

	t.Run("ExpiredToken", func(t *testing.T) {
		da, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(5*time.Minute + time.Second)
		if _, err := phone.App.LookUpDevice(ctx, token, da.UserCode); !isAPIError(err, http.StatusNotFound, "user_code_not_found") {
			t.Fatalf("looking up an expired code: %v, want 404", err)
		}
		if _, err := phone.App.ConfirmDevice(ctx, token, da.UserCode, app.DemoPasscode); !isAPIError(err, http.StatusNotFound, "user_code_not_found") {
			t.Fatalf("confirming an expired code: %v, want 404", err)
		}
		if status, e := poll(t, env, web.KioskClientID, da.DeviceCode); status != http.StatusBadRequest || e.Error != "expired_token" {
			t.Fatalf("polling an expired code: %d %+v, want expired_token", status, e)
		}
	})

	t.Run("WrongPasscodeLeavesItPending", func(t *testing.T) {
		da, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := phone.App.ConfirmDevice(ctx, token, da.UserCode, "000000"); !isAPIError(err, http.StatusBadRequest, "invalid_passcode") {
			t.Fatalf("a wrong passcode: %v, want 400 invalid_passcode", err)
		}
		if _, e := poll(t, env, web.KioskClientID, da.DeviceCode); e.Error != "authorization_pending" {
			t.Fatalf("after a wrong passcode: %+v, want still pending", e)
		}
	})

	t.Run("Refusals", func(t *testing.T) {
		da, err := cfg.DeviceAuth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if status, e := poll(t, env, web.KioskClientID, "not-a-device-code"); status != http.StatusBadRequest || e.Error != "invalid_grant" {
			t.Fatalf("an unknown device code: %d %+v, want invalid_grant", status, e)
		}
		// Another client cannot redeem the kiosk's code, nor ask for one.
		if _, e := poll(t, env, web.DemoClientID, da.DeviceCode); e.Error != "unauthorized_client" {
			t.Fatalf("the demo app polling the kiosk's code: %+v, want unauthorized_client", e)
		}
		resp, err := http.PostForm(env.URL+"/idp/device_authorization", url.Values{"client_id": {web.DemoClientID}, "scope": {"openid"}})
		if err != nil {
			t.Fatal(err)
		}
		var e oauthError
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || e.Error != "unauthorized_client" {
			t.Fatalf("device authorization for a client without the grant: %d %+v", resp.StatusCode, e)
		}
		for _, scope := range []string{"profile", "openid admin"} {
			resp, err := http.PostForm(env.URL+"/idp/device_authorization", url.Values{"client_id": {web.KioskClientID}, "scope": {scope}})
			if err != nil {
				t.Fatal(err)
			}
			e = oauthError{}
			json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || e.Error != "invalid_scope" {
				t.Fatalf("scope %q: %d %+v, want invalid_scope", scope, resp.StatusCode, e)
			}
		}
		if _, err := phone.App.LookUpDevice(ctx, token, "ABC"); !isAPIError(err, http.StatusBadRequest, "invalid_user_code") {
			t.Fatalf("a code of the wrong shape: %v, want 400", err)
		}
		if _, err := phone.App.LookUpDevice(ctx, token, "BCDF-GHJK"); !isAPIError(err, http.StatusNotFound, "user_code_not_found") &&
			da.UserCode != "BCDF-GHJK" {
			t.Fatalf("a code nobody issued: %v, want 404", err)
		}
		if _, err := phone.App.LookUpDevice(ctx, "", da.UserCode); !isAPIError(err, http.StatusUnauthorized, "unauthorized") {
			t.Fatalf("a lookup without an app session: %v, want 401", err)
		}
	})

	// One address holds at most 20 open requests; the 21st is refused with Retry-After.
	t.Run("OpenRequestsPerAddressAreCapped", func(t *testing.T) {
		env := apptest.New(t)
		cfg := kioskConfig(env)
		for i := range 20 {
			if _, err := cfg.DeviceAuth(ctx); err != nil {
				t.Fatalf("request %d: %v", i+1, err)
			}
		}
		resp, err := http.PostForm(env.URL+"/idp/device_authorization", url.Values{"client_id": {web.KioskClientID}, "scope": {"openid"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("the 21st open request: %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		env.Clock.Advance(5*time.Minute + time.Second)
		if _, err := cfg.DeviceAuth(ctx); err != nil {
			t.Fatalf("after the open requests expired: %v", err)
		}
	})
}
