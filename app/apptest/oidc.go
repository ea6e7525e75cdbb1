package apptest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// DemoRedirect is a loopback redirect URI the built-in demo-app client accepts.
const DemoRedirect = "http://127.0.0.1:9/callback"

// PKCE is a code verifier and its S256 challenge.
type PKCE struct{ Verifier, Challenge string }

// NewPKCE makes a fresh verifier and challenge.
func NewPKCE() PKCE {
	v := RandomString(32)
	sum := sha256.Sum256([]byte(v))
	return PKCE{Verifier: v, Challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// RandomString returns a random URL-safe string from n random bytes.
func RandomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// AuthorizeURL builds an authorization request for demo-app (code flow, PKCE S256) with extra
// parameters.
func (e *Env) AuthorizeURL(p PKCE, extra url.Values) string {
	v := url.Values{
		"client_id": {"demo-app"}, "redirect_uri": {DemoRedirect}, "response_type": {"code"},
		"scope": {"openid profile phone"}, "state": {"st-" + RandomString(6)}, "nonce": {"n-" + RandomString(6)},
		"code_challenge": {p.Challenge}, "code_challenge_method": {"S256"},
	}
	for k, vals := range extra {
		v[k] = vals
	}
	return e.URL + "/idp/authorize?" + v.Encode()
}

// LoginPage is the IdP login page reached from an authorization request.
type LoginPage struct {
	URL           string
	Body          string
	AuthRequestID string
	CSRF          string
}

var (
	authReqAttr = regexp.MustCompile(`data-auth-request="([^"]+)"`)
	csrfMeta    = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)
)

// OpenLogin starts a demo-app authorization in client c and follows it to the login page.
func (e *Env) OpenLogin(c *http.Client, p PKCE, extra url.Values) LoginPage {
	e.T.Helper()
	resp, body := e.Get(c, e.AuthorizeURL(p, extra))
	resp, body, at := e.Follow(c, resp, body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(at, "/idp/login") {
		e.T.Fatalf("authorize did not reach the login page: %d at %s\n%s", resp.StatusCode, at, body)
	}
	return ParseLogin(at, body)
}

// ParseLogin reads the auth request id and CSRF token from a login page.
func ParseLogin(at, body string) LoginPage {
	lp := LoginPage{URL: at, Body: body}
	if m := authReqAttr.FindStringSubmatch(body); m != nil {
		lp.AuthRequestID = m[1]
	}
	if m := csrfMeta.FindStringSubmatch(body); m != nil {
		lp.CSRF = m[1]
	}
	return lp
}

// PasswordStep submits the password form of a login page.
func (e *Env) PasswordStep(c *http.Client, lp LoginPage, idNumber, password string) (*http.Response, string) {
	e.T.Helper()
	f := FormWith(e.T, lp.URL, lp.Body, "password")
	return e.Submit(c, f, map[string]string{"id_number": idNumber, "password": password})
}

// CodeStep opens the code page after a successful password step and returns its URL and body.
func (e *Env) CodeStep(c *http.Client, resp *http.Response, body string) (string, string) {
	e.T.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("password step: status %d, want 303\n%s", resp.StatusCode, body)
	}
	resp, body, at := e.Follow(c, resp, body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="otp"`) {
		e.T.Fatalf("code page: status %d at %s\n%s", resp.StatusCode, at, body)
	}
	return at, body
}

// SubmitCode posts a code on the code page.
func (e *Env) SubmitCode(c *http.Client, at, body, code string) (*http.Response, string) {
	e.T.Helper()
	return e.Submit(c, FormWith(e.T, at, body, "otp"), map[string]string{"otp": code})
}
