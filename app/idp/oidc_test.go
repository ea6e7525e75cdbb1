package idp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
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

// The demo citizen every OIDC test logs in as (level 2, web login on).
const (
	oidcCitizenIDNumber = "001085012345"
	oidcCitizenSub      = "c1d1a8f0-5b7e-4e0a-9a51-1a2b3c4d5e01"
)

// discoveryDoc is the part of the provider metadata the tests look at.
type discoveryDoc struct {
	Issuer             string   `json:"issuer"`
	Authorization      string   `json:"authorization_endpoint"`
	Token              string   `json:"token_endpoint"`
	Userinfo           string   `json:"userinfo_endpoint"`
	JWKS               string   `json:"jwks_uri"`
	EndSession         string   `json:"end_session_endpoint"`
	Revocation         string   `json:"revocation_endpoint"`
	Introspection      string   `json:"introspection_endpoint"`
	DeviceAuth         string   `json:"device_authorization_endpoint"`
	ResponseTypes      []string `json:"response_types_supported"`
	ResponseModes      []string `json:"response_modes_supported"`
	GrantTypes         []string `json:"grant_types_supported"`
	CodeChallenge      []string `json:"code_challenge_methods_supported"`
	IDTokenAlgs        []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
	RequestObjectAlgs  []string `json:"request_object_signing_alg_values_supported"`
	SubjectTypes       []string `json:"subject_types_supported"`
	ScopesSupported    []string `json:"scopes_supported"`
	CheckSessionIframe string   `json:"check_session_iframe"`
}

func TestDiscoveryDocument(t *testing.T) {
	env := apptest.New(t)
	var d discoveryDoc
	if resp, body := env.Get(http.DefaultClient, "/idp/.well-known/openid-configuration"); resp.StatusCode != http.StatusOK ||
		json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("discovery: %d %s", resp.StatusCode, body)
	}
	issuer := env.URL + "/idp"
	if d.Issuer != issuer {
		t.Fatalf("issuer %q, want exactly %q", d.Issuer, issuer)
	}
	for name, ep := range map[string]string{"authorization": d.Authorization, "token": d.Token,
		"userinfo": d.Userinfo, "jwks": d.JWKS, "end_session": d.EndSession, "revocation": d.Revocation,
		"introspection": d.Introspection} {
		if !strings.HasPrefix(ep, issuer+"/") {
			t.Errorf("%s endpoint %q is not under %s/", name, ep, issuer)
		}
	}
	checks := []struct {
		name      string
		got, want []string
	}{
		{"response_types_supported", d.ResponseTypes, []string{"code"}},
		{"response_modes_supported", d.ResponseModes, []string{"query"}},
		{"grant_types_supported", d.GrantTypes, []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"}},
		{"code_challenge_methods_supported", d.CodeChallenge, []string{"S256"}},
		{"id_token_signing_alg_values_supported", d.IDTokenAlgs, []string{"RS256"}},
	}
	for _, c := range checks {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if slices.Contains(d.IDTokenAlgs, "none") || slices.Contains(d.RequestObjectAlgs, "none") {
		t.Error(`discovery offers alg "none"`)
	}
	if d.DeviceAuth != issuer+"/device_authorization" {
		t.Errorf("device_authorization_endpoint %q, want %q", d.DeviceAuth, issuer+"/device_authorization")
	}
	if d.CheckSessionIframe != "" {
		t.Errorf("session iframe advertised: %q", d.CheckSessionIframe)
	}
	if !slices.Contains(d.TokenAuthMethods, "client_secret_basic") || !slices.Contains(d.TokenAuthMethods, "none") {
		t.Errorf("token_endpoint_auth_methods_supported = %q", d.TokenAuthMethods)
	}
	// Every advertised endpoint is really served at its address (no 404 from the router).
	for _, ep := range []string{d.JWKS, d.Userinfo} {
		resp, _ := env.Get(http.DefaultClient, ep)
		if resp.StatusCode == http.StatusNotFound {
			t.Errorf("GET %s: 404", ep)
		}
	}
}

// jwks fetches the provider's key set.
func jwks(t *testing.T, env *apptest.Env) []map[string]any {
	t.Helper()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if resp, body := env.Get(http.DefaultClient, "/idp/keys"); resp.StatusCode != http.StatusOK ||
		json.Unmarshal([]byte(body), &set) != nil {
		t.Fatalf("jwks: %d %s", resp.StatusCode, body)
	}
	return set.Keys
}

func TestJWKSHasTheSigningKey(t *testing.T) {
	env := apptest.New(t)
	keys := jwks(t, env)
	if len(keys) != 1 {
		t.Fatalf("jwks has %d keys, want 1", len(keys))
	}
	k := keys[0]
	if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["kid"] == "" || k["n"] == "" || k["e"] == "" {
		t.Fatalf("jwks key = %v", k)
	}
	if _, private := k["d"]; private {
		t.Fatal("jwks publishes the private exponent")
	}
}

// The OP routes must not swallow the login pages that share /idp.
func TestOPRoutesLeaveLoginPagesAlone(t *testing.T) {
	env := apptest.New(t)
	resp, body := env.Get(env.Client(), "/idp/login?authRequestID=unknown")
	if resp.StatusCode == http.StatusNotFound || strings.HasPrefix(strings.TrimSpace(body), "{") {
		t.Fatalf("/idp/login answered %d by the OP:\n%s", resp.StatusCode, body)
	}
	// The provider's extra endpoints stay closed.
	for _, path := range []string{"/idp/device_authorization", "/idp/healthz", "/idp/ready"} {
		if resp, _ := env.Get(env.Client(), path); resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// authorizeQuery is a valid authorization request for a client; tests change parts of it.
func authorizeQuery(env *apptest.Env, clientID string) url.Values {
	v := url.Values{"client_id": {clientID}, "response_type": {"code"}, "scope": {"openid profile"},
		"state": {"st-" + client.RandomString(6)}, "nonce": {"n-" + client.RandomString(6)},
		"code_challenge": {client.NewPKCE().Challenge}, "code_challenge_method": {"S256"}}
	if clientID == "dvc-portal" {
		v.Set("redirect_uri", env.URL+"/sso")
	} else {
		v.Set("redirect_uri", client.DemoRedirect)
	}
	return v
}

// authorize sends an authorization request and returns the first answer, not followed.
func authorize(t *testing.T, env *apptest.Env, c *http.Client, q url.Values) (*http.Response, string) {
	t.Helper()
	return env.Get(c, env.URL+"/idp/authorize?"+q.Encode())
}

func TestAuthorizeRefusesUnregisteredRedirectURIs(t *testing.T) {
	env := apptest.New(t)
	portal := env.URL + "/sso"
	https := "https" + strings.TrimPrefix(env.URL, "http") + "/sso"
	tests := []struct {
		name, client, redirect string
	}{
		{"PortalTrailingSlash", "dvc-portal", portal + "/"},
		{"PortalExtraQuery", "dvc-portal", portal + "?next=x"},
		{"PortalHTTPS", "dvc-portal", https},
		{"PortalOtherPath", "dvc-portal", env.URL + "/ssox"},
		{"PortalFragment", "dvc-portal", portal + "#x"},
		{"PortalCase", "dvc-portal", env.URL + "/SSO"},
		{"PortalOtherHost", "dvc-portal", "http://evil.example/sso"},
		{"PortalMissing", "dvc-portal", ""},
		{"DemoTrailingSlash", "demo-app", "http://127.0.0.1:9/callback/"},
		{"DemoExtraQuery", "demo-app", "http://127.0.0.1:9/callback?x=1"},
		{"DemoEmptyQuery", "demo-app", "http://127.0.0.1:9/callback?"},
		{"DemoHTTPS", "demo-app", "https://127.0.0.1:9/callback"},
		{"DemoOtherPath", "demo-app", "http://127.0.0.1:9/cb"},
		{"DemoDotSegments", "demo-app", "http://127.0.0.1:9/x/../callback"},
		{"DemoFragment", "demo-app", "http://127.0.0.1:9/callback#x"},
		{"DemoOtherLoopbackIP", "demo-app", "http://127.0.0.2:9/callback"},
		{"DemoIPv6Loopback", "demo-app", "http://[::1]:9/callback"},
		{"DemoUpperCaseHost", "demo-app", "http://LOCALHOST:9/callback"},
		{"DemoUserInfo", "demo-app", "http://evil@127.0.0.1:9/callback"},
		{"DemoBadPort", "demo-app", "http://127.0.0.1:0/callback"},
		{"DemoOtherHost", "demo-app", "http://evil.example:9/callback"},
		{"DemoPortalsURI", "demo-app", portal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := authorizeQuery(env, tc.client)
			q.Set("redirect_uri", tc.redirect)
			resp, body := authorize(t, env, env.Client(), q)
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Fatalf("redirected to %q", loc)
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "redirect_uri") {
				t.Fatalf("status %d, want 400 with the redirect_uri error page\n%s", resp.StatusCode, body)
			}
		})
	}
	t.Run("ErrRepeatedRedirectURI", func(t *testing.T) {
		q := authorizeQuery(env, "demo-app")
		q["redirect_uri"] = []string{client.DemoRedirect, "https://127.0.0.1:9/callback"}
		resp, _ := authorize(t, env, env.Client(), q)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Fatalf("repeated redirect_uri: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("ErrUnknownClient", func(t *testing.T) {
		q := authorizeQuery(env, "demo-app")
		q.Set("client_id", "other-app")
		resp, _ := authorize(t, env, env.Client(), q)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Fatalf("unknown client: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	// The registered forms do reach the login page: any loopback port, both host spellings.
	for _, ok := range []struct{ client, redirect string }{
		{"dvc-portal", portal},
		{"demo-app", "http://127.0.0.1:53682/callback"},
		{"demo-app", "http://localhost:8400/callback"},
		{"demo-app", "http://127.0.0.1/callback"},
	} {
		q := authorizeQuery(env, ok.client)
		q.Set("redirect_uri", ok.redirect)
		resp, _ := authorize(t, env, env.Client(), q)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, env.URL+"/idp/login?authRequestID=") {
			t.Errorf("%s with %s: %d to %q, want the login page", ok.client, ok.redirect, resp.StatusCode, loc)
		}
	}
}

// clientError checks that an authorization request came back to the client's redirect URI with
// an OAuth error (and the client's state), not to the login page.
func clientError(t *testing.T, resp *http.Response, redirect, state, wantErr string) {
	t.Helper()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("status %d, no redirect", resp.StatusCode)
	}
	if !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("redirected to %s, want the client's %s", loc, redirect)
	}
	params := loc.Query()
	if loc.Fragment != "" {
		params, _ = url.ParseQuery(loc.Fragment)
	}
	if params.Get("error") != wantErr || params.Get("state") != state {
		t.Fatalf("error=%q state=%q, want %q and %q (%s)", params.Get("error"), params.Get("state"), wantErr, state, loc)
	}
	if params.Has("code") || params.Has("access_token") || params.Has("id_token") {
		t.Fatalf("error redirect carries a credential: %s", loc)
	}
}

func TestAuthorizePKCEPolicy(t *testing.T) {
	env := apptest.New(t)
	tests := []struct {
		name, client    string
		challenge, meth string
	}{
		{"ErrPublicWithoutChallenge", "demo-app", "", ""},
		{"ErrPublicPlain", "demo-app", "a-plain-challenge-that-is-long-enough-1234567", "plain"},
		{"ErrPublicMethodMissing", "demo-app", client.NewPKCE().Challenge, ""},
		{"ErrPortalPlain", "dvc-portal", "a-plain-challenge-that-is-long-enough-1234567", "plain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := authorizeQuery(env, tc.client)
			q.Set("code_challenge", tc.challenge)
			q.Set("code_challenge_method", tc.meth)
			for k, v := range q {
				if v[0] == "" {
					delete(q, k)
				}
			}
			resp, _ := authorize(t, env, env.Client(), q)
			clientError(t, resp, q.Get("redirect_uri"), q.Get("state"), "invalid_request")
		})
	}
	t.Run("PortalWithoutPKCE", func(t *testing.T) {
		q := authorizeQuery(env, "dvc-portal")
		q.Del("code_challenge")
		q.Del("code_challenge_method")
		resp, _ := authorize(t, env, env.Client(), q)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, env.URL+"/idp/login?") {
			t.Fatalf("confidential client without PKCE: %d to %q, want the login page", resp.StatusCode, loc)
		}
	})
}

func TestAuthorizeCodeFlowOnly(t *testing.T) {
	env := apptest.New(t)
	tests := []struct {
		name, param, value, wantErr string
	}{
		{"ErrImplicitToken", "response_type", "token", "unsupported_response_type"},
		{"ErrImplicitIDTokenToken", "response_type", "id_token token", "unsupported_response_type"},
		{"ErrImplicitIDToken", "response_type", "id_token", "unsupported_response_type"},
		{"ErrHybrid", "response_type", "code id_token", "unsupported_response_type"},
		{"ErrFormPost", "response_mode", "form_post", "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := authorizeQuery(env, "demo-app")
			q.Set(tc.param, tc.value)
			resp, _ := authorize(t, env, env.Client(), q)
			clientError(t, resp, client.DemoRedirect, q.Get("state"), tc.wantErr)
		})
	}
}

// tokenError posts to the token endpoint and returns the status and OAuth error code.
func tokenError(t *testing.T, env *apptest.Env, form url.Values, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/idp/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, body := env.Do(http.DefaultClient, req)
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("token response Cache-Control %q, want no-store", cc)
	}
	return resp.StatusCode, e.Error
}

func TestTokenEndpointRefusesOtherGrants(t *testing.T) {
	env := apptest.New(t)
	// The device grant exists, for the counter's client only: any other client is told it may
	// not use it (RFC 6749 §5.2 unauthorized_client).
	tests := []struct{ name, grant, want string }{
		{"ErrPassword", "password", "unsupported_grant_type"},
		{"ErrClientCredentials", "client_credentials", "unsupported_grant_type"},
		{"ErrJWTBearer", "urn:ietf:params:oauth:grant-type:jwt-bearer", "unsupported_grant_type"},
		{"ErrDeviceCode", "urn:ietf:params:oauth:grant-type:device_code", "unauthorized_client"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {tc.grant}, "username": {oidcCitizenIDNumber},
				"password": {app.DemoPassword}, "client_id": {"demo-app"}, "assertion": {"x.y.z"}, "device_code": {"x"}}
			st, code := tokenError(t, env, form, "", "")
			if st != http.StatusBadRequest || code != tc.want {
				t.Fatalf("%s: %d %q, want 400 %s", tc.grant, st, code, tc.want)
			}
		})
	}
}

// rp is a relying party built on independent libraries (coreos/go-oidc and x/oauth2, through
// client.RP), so the provider is checked by a client that is not its own code.
type rp struct {
	*client.RP
	env *apptest.Env
	ctx context.Context // carries the RP's HTTP client to go-oidc and oauth2
}

func newRP(t testing.TB, env *apptest.Env, clientID, secret, redirect string, scopes ...string) *rp {
	t.Helper()
	r, err := client.NewRP(context.Background(), &http.Client{Timeout: 10 * time.Second}, env.URL+"/idp",
		oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: redirect, Scopes: scopes})
	if err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	return &rp{RP: r, env: env, ctx: r.Context(context.Background())}
}

func newDemoRP(t testing.TB, env *apptest.Env, scopes ...string) *rp {
	t.Helper()
	return newRP(t, env, client.DemoApp, "", client.DemoRedirect, scopes...)
}

// login is one finished login as the client sees it: the redirect with code and state.
type login struct {
	client.Authorization
	code     string
	callback string // the IdP's callback URL that issued the code
}

// hop is one step of following redirects.
type hop struct {
	resp *http.Response
	body string
	at   string
}

// follow follows redirects inside the app until a page, or until a redirect to prefix (the
// client's redirect URI), which is returned unfetched: the code is for the client, and the
// portal's own /sso must not consume it. It also reports the last IdP callback it passed.
func follow(t *testing.T, env *apptest.Env, c *http.Client, h hop, prefix string) (hop, *url.URL, string) {
	t.Helper()
	var callback string
	resp, body, at := env.FollowUntil(c, h.resp, h.body, func(u *url.URL) bool {
		if strings.Contains(u.Path, "/idp/authorize/callback") {
			callback = u.String()
		}
		return strings.HasPrefix(u.String(), prefix)
	})
	h = hop{resp, body, at.String()}
	if resp.StatusCode < 300 || resp.StatusCode >= 400 {
		return h, nil, callback
	}
	if !strings.HasPrefix(h.at, prefix) {
		t.Fatalf("redirected outside the app to %s", h.at)
	}
	return h, at, callback
}

// loginDirect drives the direct login in browser c from authURL: the password form
// (id_number, password and the form's hidden inputs, csrf_token included, posted to the form's
// action), then the code form with the SMS code read through the phone API, as the citizen
// would. An existing IdP session may skip both. It returns the client's redirect.
func loginDirect(t *testing.T, env *apptest.Env, c *http.Client, authURL, redirect, idNumber string) (*url.URL, string) {
	t.Helper()
	resp, body := env.Get(c, authURL)
	h, to, callback := follow(t, env, c, hop{resp, body, authURL}, redirect)
	if to != nil {
		return to, callback
	}
	if h.resp.StatusCode != http.StatusOK || !strings.Contains(h.at, "/idp/login") {
		t.Fatalf("authorize ended at %s with %d, want the login page\n%s", h.at, h.resp.StatusCode, h.body)
	}
	phone := env.AppLogin(idNumber, app.DemoPassword)
	lp := client.ParseLogin(h.at, h.body)
	resp, body = env.PasswordStep(c, lp, idNumber, app.DemoPassword)
	at, page := env.CodeStep(c, resp, body)
	resp, body = env.SubmitCode(c, at, page, env.LatestCode(phone))
	h, to, callback = follow(t, env, c, hop{resp, body, at}, redirect)
	if to == nil {
		t.Fatalf("login ended at %s with %d, not at %s\n%s", h.at, h.resp.StatusCode, redirect, h.body)
	}
	return to, callback
}

// login runs a whole login for the relying party in browser c.
func (r *rp) login(t *testing.T, c *http.Client, extra ...oauth2.AuthCodeOption) login {
	t.Helper()
	l := login{Authorization: client.NewAuthorization()}
	to, callback := loginDirect(t, r.env, c, r.AuthCodeURL(l.Authorization, extra...), r.OAuth.RedirectURL, oidcCitizenIDNumber)
	code, err := r.Code(l.Authorization, to)
	if err != nil {
		t.Fatalf("client redirect %s: %v", to, err)
	}
	l.code, l.callback = code, callback
	return l
}

// exchange redeems the login's code.
func (r *rp) exchange(l login) (*oauth2.Token, error) {
	return r.Exchange(context.Background(), l.Authorization, l.code)
}

// idToken verifies the ID token of a token response.
func (r *rp) idToken(t *testing.T, tok *oauth2.Token) (*oidc.IDToken, map[string]any) {
	t.Helper()
	idt, err := r.Verify(context.Background(), tok, "")
	if err != nil {
		t.Fatalf("ID token does not verify: %v", err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	return idt, claims
}

// userinfoStatus calls the userinfo endpoint with an access token.
func userinfoStatus(t *testing.T, env *apptest.Env, accessToken string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/idp/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, body := env.Do(http.DefaultClient, req)
	var claims map[string]any
	_ = json.Unmarshal([]byte(body), &claims)
	return resp.StatusCode, claims
}

func TestCodeFlowWithGoOIDC(t *testing.T) {
	env := apptest.New(t)
	loginAt := env.Clock.Now()
	r := newDemoRP(t, env, "profile", "phone")
	l := r.login(t, env.Client())
	tok, err := r.exchange(l)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	idt, claims := r.idToken(t, tok)
	if idt.Nonce != l.Nonce {
		t.Errorf("nonce %q, want %q", idt.Nonce, l.Nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	want := map[string]any{
		"iss": env.URL + "/idp", "sub": oidcCitizenSub, "aud": "demo-app", "azp": "demo-app",
		"name": "Nguyễn Văn An", "preferred_username": oidcCitizenIDNumber, "birthdate": "1985-03-12",
		"gender": "Nam", "acr": "2", "SoDinhDanh": oidcCitizenIDNumber, "HoVaTen": "Nguyễn Văn An",
		"NgayThangNamSinh": "19850312", "LoaiTaiKhoan": "2", "loginIdp": "BCA",
		"phone_number": "+84912345678", "phone_number_verified": true,
		"auth_time": float64(loginAt.Unix()),
	}
	for k, v := range want {
		got := claims[k]
		if aud, ok := got.([]any); ok && len(aud) == 1 {
			got = aud[0]
		}
		if got != v {
			t.Errorf("ID token %s = %v, want %v", k, claims[k], v)
		}
	}
	amr, _ := claims["amr"].([]any)
	if !slices.Contains(amr, any("pwd")) || len(amr) < 2 {
		t.Errorf("amr = %v, want the password and the second factor", claims["amr"])
	}

	// The userinfo endpoint answers the same identity, through go-oidc too.
	ui, err := r.Provider.UserInfo(r.ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var info map[string]any
	if err := ui.Claims(&info); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"sub", "name", "preferred_username", "birthdate", "gender", "acr", "SoDinhDanh",
		"HoVaTen", "NgayThangNamSinh", "LoaiTaiKhoan", "loginIdp", "phone_number", "phone_number_verified"} {
		if info[k] != claims[k] {
			t.Errorf("userinfo %s = %v, ID token says %v", k, info[k], claims[k])
		}
	}
	if ua, _ := info["amr"].([]any); !slices.Equal(ua, amr) {
		t.Errorf("userinfo amr = %v, ID token says %v", info["amr"], amr)
	}
}

// Without the phone scope there is no phone number; with only openid, no identity beyond sub.
func TestClaimsFollowScopes(t *testing.T) {
	env := apptest.New(t)
	tests := []struct {
		name    string
		scopes  []string
		present []string
		absent  []string
	}{
		{"OpenIDOnly", nil, []string{"sub", "acr"}, []string{"name", "SoDinhDanh", "phone_number"}},
		{"Profile", []string{"profile"}, []string{"name", "SoDinhDanh", "LoaiTaiKhoan"}, []string{"phone_number"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newDemoRP(t, env, tc.scopes...)
			tok, err := r.exchange(r.login(t, env.Client()))
			if err != nil {
				t.Fatal(err)
			}
			_, claims := r.idToken(t, tok)
			for _, k := range tc.present {
				if _, ok := claims[k]; !ok {
					t.Errorf("claim %s missing", k)
				}
			}
			for _, k := range tc.absent {
				if _, ok := claims[k]; ok {
					t.Errorf("claim %s present without its scope", k)
				}
			}
		})
	}
}

func TestCodeReuseRevokesTheTokens(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
	}{
		{"Immediately", 0},
		{"After30s", 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t)
			r := newDemoRP(t, env, "profile", oidc.ScopeOfflineAccess)
			l := r.login(t, env.Client())
			tok, err := r.exchange(l)
			if err != nil {
				t.Fatalf("first exchange: %v", err)
			}
			if st, _ := userinfoStatus(t, env, tok.AccessToken); st != http.StatusOK {
				t.Fatalf("userinfo before reuse: %d", st)
			}
			env.Clock.Advance(tc.after)
			_, err = r.exchange(l)
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
				t.Fatalf("second exchange: %v, want invalid_grant", err)
			}
			if st, _ := userinfoStatus(t, env, tok.AccessToken); st == http.StatusOK {
				t.Fatal("the access token of the first exchange still works after the code was reused")
			}
			if _, err := r.Refresh(context.Background(), tok.RefreshToken); err == nil {
				t.Fatal("the refresh token of the first exchange still works after the code was reused")
			}
		})
	}
}

func TestExpiredAuthorizationCodeRefused(t *testing.T) {
	env := apptest.New(t)
	r := newDemoRP(t, env)
	l := r.login(t, env.Client())
	env.Clock.Advance(10*time.Minute + time.Second)
	_, err := r.exchange(l)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("code older than 10 minutes: %v, want invalid_grant", err)
	}
}

// Replaying the IdP's callback URL (say from the browser history) must not mint a second code.
func TestCallbackReplayIssuesNoSecondCode(t *testing.T) {
	env := apptest.New(t)
	r := newDemoRP(t, env)
	l := r.login(t, env.Client())
	if l.callback == "" {
		t.Fatal("login did not pass the IdP callback")
	}
	resp, _ := env.Get(env.Client(), l.callback)
	if loc := resp.Header.Get("Location"); strings.Contains(loc, "code=") {
		t.Fatalf("replayed callback issued another code: %s", loc)
	}
}

func TestCodeVerifierChecked(t *testing.T) {
	env := apptest.New(t)
	r := newDemoRP(t, env)
	tests := []struct {
		name, verifier, wantErr string
	}{
		{"ErrWrongVerifier", oauth2.GenerateVerifier(), "invalid_grant"},
		{"ErrNoVerifier", "", "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := r.login(t, env.Client())
			form := url.Values{"grant_type": {"authorization_code"}, "code": {l.code}, "client_id": {"demo-app"},
				"redirect_uri": {client.DemoRedirect}}
			if tc.verifier != "" {
				form.Set("code_verifier", tc.verifier)
			}
			if st, code := tokenError(t, env, form, "", ""); st != http.StatusBadRequest || code != tc.wantErr {
				t.Fatalf("%d %q, want 400 %s", st, code, tc.wantErr)
			}
		})
	}
	// PKCE downgrade: a verifier for a request that had no challenge is refused (RFC 9700 §4.8).
	t.Run("ErrVerifierWithoutChallenge", func(t *testing.T) {
		p := newRP(t, env, "dvc-portal", portalSecret(t, env), env.URL+"/sso")
		c := env.Client()
		to, _ := loginDirect(t, env, c, p.OAuth.AuthCodeURL("st-downgrade"), p.OAuth.RedirectURL, oidcCitizenIDNumber)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {to.Query().Get("code")},
			"redirect_uri": {p.OAuth.RedirectURL}, "code_verifier": {oauth2.GenerateVerifier()}}
		if st, code := tokenError(t, env, form, "dvc-portal", portalSecret(t, env)); st != http.StatusBadRequest || code != "invalid_request" {
			t.Fatalf("%d %q, want 400 invalid_request", st, code)
		}
	})
}

// portalSecret is the dvc-portal client secret, derived from the stored master secret the way
// the composition root derives it for the portal.
func portalSecret(t *testing.T, env *apptest.Env) string {
	t.Helper()
	master, err := env.App.Store().Secret(context.Background(), "master", func() ([]byte, error) {
		return nil, errors.New("no master secret")
	})
	if err != nil {
		t.Fatal(err)
	}
	return web.RandomTokenFrom(web.DeriveKey(master, "client/dvc-portal"))
}

func TestRefreshTokenRotationAndReuse(t *testing.T) {
	env := apptest.New(t)
	r := newDemoRP(t, env, "profile", oidc.ScopeOfflineAccess)
	tok, err := r.exchange(r.login(t, env.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token with offline_access")
	}
	refresh := func(rt string) (*oauth2.Token, error) { return r.Refresh(context.Background(), rt) }
	tok2, err := refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken {
		t.Fatal("refresh token not rotated")
	}
	if _, claims := r.idToken(t, tok2); claims["sub"] != oidcCitizenSub || claims["acr"] != "2" {
		t.Fatalf("refreshed ID token claims = %v", claims)
	}
	if st, _ := userinfoStatus(t, env, tok2.AccessToken); st != http.StatusOK {
		t.Fatalf("new access token: %d", st)
	}
	// The old refresh token again: a copy is in use somewhere. Everything of the grant dies.
	_, err = refresh(tok.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("reused refresh token: %v, want invalid_grant", err)
	}
	if _, err := refresh(tok2.RefreshToken); err == nil {
		t.Fatal("the rotated refresh token survived the reuse of its predecessor")
	}
	if st, _ := userinfoStatus(t, env, tok2.AccessToken); st == http.StatusOK {
		t.Fatal("the access token survived the reuse of a refresh token")
	}
}

func TestPortalClientAuthentication(t *testing.T) {
	env := apptest.New(t)
	secret := portalSecret(t, env)
	p := newRP(t, env, "dvc-portal", secret, env.URL+"/sso", "profile")
	codeFor := func() string {
		to, _ := loginDirect(t, env, env.Client(), p.OAuth.AuthCodeURL("st-"+client.RandomString(4)),
			p.OAuth.RedirectURL, oidcCitizenIDNumber)
		return to.Query().Get("code")
	}
	form := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {p.OAuth.RedirectURL}}
	}
	tests := []struct {
		name       string
		user, pass string
		post       url.Values
	}{
		{"ErrWrongSecretBasic", "dvc-portal", "wrong-" + secret, nil},
		{"ErrWrongSecretPost", "", "", url.Values{"client_id": {"dvc-portal"}, "client_secret": {"x" + secret}}},
		{"ErrNoSecret", "", "", url.Values{"client_id": {"dvc-portal"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := form(codeFor())
			for k, v := range tc.post {
				f[k] = v
			}
			if st, code := tokenError(t, env, f, tc.user, tc.pass); st != http.StatusUnauthorized || code != "invalid_client" {
				t.Fatalf("%d %q, want 401 invalid_client", st, code)
			}
		})
	}
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		p.OAuth.Endpoint.AuthStyle = style
		tok, err := p.OAuth.Exchange(p.ctx, codeFor())
		if err != nil {
			t.Fatalf("right secret (auth style %d): %v", style, err)
		}
		p.idToken(t, tok)
	}
}

func TestEndSessionEndsTheIdPSession(t *testing.T) {
	env := apptest.New(t)
	r := newDemoRP(t, env, "profile")
	browser := env.Client()
	tok, err := r.exchange(r.login(t, browser))
	if err != nil {
		t.Fatal(err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	// Single sign-on works: a second authorization in the same browser needs no login.
	to, _ := loginDirect(t, env, browser, r.OAuth.AuthCodeURL("st-sso", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())),
		client.DemoRedirect, oidcCitizenIDNumber)
	if to.Query().Get("code") == "" {
		t.Fatal("no SSO")
	}
	hasIdPSession := func() bool {
		q := authorizeQuery(env, "demo-app")
		resp, body := authorize(t, env, browser, q)
		_, to, _ := follow(t, env, browser, hop{resp, body, ""}, client.DemoRedirect)
		return to != nil
	}
	if !hasIdPSession() {
		t.Fatal("the IdP session is not used for SSO")
	}

	// Without an id_token_hint nobody is logged out, and an unregistered target is not followed.
	resp, _ := env.Get(browser, env.URL+"/idp/end_session?post_logout_redirect_uri="+url.QueryEscape("http://evil.example/"))
	if loc := resp.Header.Get("Location"); strings.Contains(loc, "evil.example") {
		t.Fatalf("end_session followed an unregistered redirect: %s", loc)
	}
	if !hasIdPSession() {
		t.Fatal("a logout request without id_token_hint ended the session")
	}
	for _, target := range []string{"http://evil.example/", "https://127.0.0.1:9/", "http://127.0.0.2:9/",
		"http://127.0.0.1:9/#x", "http://127.0.0.1:9/logout"} {
		resp, _ = env.Get(browser, env.URL+"/idp/end_session?"+url.Values{"id_token_hint": {rawID},
			"post_logout_redirect_uri": {target}}.Encode())
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusBadRequest || loc != "" {
			t.Fatalf("end_session to unregistered %s: %d to %q, want 400", target, resp.StatusCode, loc)
		}
	}
	if !hasIdPSession() {
		t.Fatal("a refused logout request ended the session")
	}

	// RP-initiated logout with the hint: back to the registered loopback page, session gone.
	resp, _ = env.Get(browser, env.URL+"/idp/end_session?"+url.Values{"id_token_hint": {rawID},
		"post_logout_redirect_uri": {"http://127.0.0.1:9/"}, "state": {"bye"}}.Encode())
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "http://127.0.0.1:9/?") {
		t.Fatalf("end_session: %d to %q", resp.StatusCode, loc)
	}
	if hasIdPSession() {
		t.Fatal("the IdP session survived end_session")
	}
	if st, _ := userinfoStatus(t, env, tok.AccessToken); st == http.StatusOK {
		t.Fatal("the client's access token survived end_session")
	}
}

// max_age: an IdP session older than max_age does not satisfy the request; the new login has a
// fresh auth_time (OIDF oidcc-max-age-1).
func TestMaxAgeForcesANewLogin(t *testing.T) {
	env := apptest.New(t)
	r := newDemoRP(t, env)
	browser := env.Client()
	first, err := r.exchange(r.login(t, browser))
	if err != nil {
		t.Fatal(err)
	}
	_, c1 := r.idToken(t, first)
	env.Clock.Advance(2 * time.Second)
	q := authorizeQuery(env, "demo-app")
	q.Set("max_age", "1")
	resp, body := authorize(t, env, browser, q)
	if h, to, _ := follow(t, env, browser, hop{resp, body, ""}, client.DemoRedirect); to != nil || !strings.Contains(h.at, "/idp/login") {
		t.Fatalf("max_age=1 after 2 s: SSO answered without a login (%v)", to)
	}
	second, err := r.exchange(r.login(t, browser, oauth2.SetAuthURLParam("max_age", "1")))
	if err != nil {
		t.Fatal(err)
	}
	_, c2 := r.idToken(t, second)
	if !(c2["auth_time"].(float64) > c1["auth_time"].(float64)) {
		t.Fatalf("auth_time %v after a forced login, before %v", c2["auth_time"], c1["auth_time"])
	}
}

func TestSigningKeySurvivesRestart(t *testing.T) {
	env := apptest.New(t)
	r := newDemoRP(t, env, "profile")
	tok, err := r.exchange(r.login(t, env.Client()))
	if err != nil {
		t.Fatal(err)
	}
	kid := jwks(t, env)[0]["kid"]
	env.Restart()
	if keys := jwks(t, env); len(keys) != 1 || keys[0]["kid"] != kid {
		t.Fatalf("key set after restart: %v, want the one key %v", keys, kid)
	}
	// A fresh relying party (no cached keys) verifies the ID token issued before the restart,
	// and the access token still works: the token encryption key persisted too.
	r2 := newDemoRP(t, env, "profile")
	r2.idToken(t, tok)
	if st, _ := userinfoStatus(t, env, tok.AccessToken); st != http.StatusOK {
		t.Fatalf("access token after restart: %d", st)
	}
}

// prompt=none never shows a login page: with an IdP session the request completes silently,
// without one the client gets login_required (OIDF oidcc-prompt-none-logged-in,
// oidcc-prompt-none-not-logged-in).
func TestPromptNone(t *testing.T) {
	env := apptest.New(t)
	silent := func(browser *http.Client) (hop, *url.URL, url.Values) {
		q := authorizeQuery(env, "demo-app")
		q.Set("prompt", "none")
		resp, body := authorize(t, env, browser, q)
		h, to, _ := follow(t, env, browser, hop{resp, body, ""}, client.DemoRedirect)
		return h, to, q
	}
	t.Run("LoggedIn", func(t *testing.T) {
		browser := env.Client()
		newDemoRP(t, env).login(t, browser)
		if _, to, _ := silent(browser); to == nil || to.Query().Get("code") == "" {
			t.Fatalf("prompt=none with an IdP session: %v, want a code", to)
		}
	})
	t.Run("ErrNotLoggedIn", func(t *testing.T) {
		h, to, q := silent(env.Client())
		if to == nil {
			t.Fatalf("prompt=none without a session ended at %s (%d), not at the client", h.at, h.resp.StatusCode)
		}
		clientError(t, h.resp, client.DemoRedirect, q.Get("state"), "login_required")
	})
}

func TestAuthorizeMalformedMaxAgeGoesBackToTheClient(t *testing.T) {
	env := apptest.New(t)
	for _, v := range []string{"abc", "-1", "1.5", "99999999999"} {
		t.Run(v, func(t *testing.T) {
			q := authorizeQuery(env, "demo-app")
			q.Set("max_age", v)
			resp, body := authorize(t, env, env.Client(), q)
			if strings.Contains(body, "ErrorType=") || strings.Contains(body, "schema:") {
				t.Fatalf("max_age=%s: internal detail in the answer: %s", v, body)
			}
			clientError(t, resp, q.Get("redirect_uri"), q.Get("state"), "invalid_request")
		})
	}
}
