package apptest

import (
	"context"
	"net/http"
	"net/url"
	"regexp"

	"golang.org/x/oauth2"

	"dvclogin/app/client"
)

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// AuthorizeURL builds an authorization request for demo-app (code flow, PKCE S256, scopes
// openid profile phone) with extra parameters.
func (e *Env) AuthorizeURL(p client.PKCE, extra url.Values) string {
	rp := client.RP{OAuth: oauth2.Config{ClientID: client.DemoApp, RedirectURL: client.DemoRedirect,
		Scopes: []string{"openid", "profile", "phone"}, Endpoint: oauth2.Endpoint{AuthURL: e.URL + "/idp/authorize"}}}
	var opts []oauth2.AuthCodeOption
	for k := range extra {
		opts = append(opts, oauth2.SetAuthURLParam(k, extra.Get(k)))
	}
	a := client.Authorization{State: "st-" + client.RandomString(6), Nonce: "n-" + client.RandomString(6), PKCE: p}
	return rp.AuthCodeURL(a, opts...)
}

// OpenLogin starts a demo-app authorization in browser c and follows it to the login page.
func (e *Env) OpenLogin(c *http.Client, p client.PKCE, extra url.Values) client.LoginPage {
	e.T.Helper()
	return e.OpenLoginAt(c, e.AuthorizeURL(p, extra))
}

// OpenLoginAt opens start (an authorization request, or a page that redirects to one) in
// browser c and follows it to the login page.
func (e *Env) OpenLoginAt(c *http.Client, start string) client.LoginPage {
	e.T.Helper()
	lp, err := e.browser(c).OpenLogin(context.Background(), start)
	if err != nil {
		e.fatal(err)
	}
	return lp
}

// PasswordStep submits the password form of a login page.
func (e *Env) PasswordStep(c *http.Client, lp client.LoginPage, idNumber, password string) (*http.Response, string) {
	e.T.Helper()
	return e.must(e.browser(c).PasswordStep(context.Background(), lp, idNumber, password))
}

// CodeStep opens the code page after a successful password step and returns its URL and body.
func (e *Env) CodeStep(c *http.Client, resp *http.Response, body string) (string, string) {
	e.T.Helper()
	p, err := e.browser(c).CodeStep(context.Background(), page(resp, body))
	if err != nil {
		e.fatal(err)
	}
	return p.URL.String(), p.Body
}

// SubmitCode posts a code on the code page at the URL at.
func (e *Env) SubmitCode(c *http.Client, at, body, code string) (*http.Response, string) {
	e.T.Helper()
	u, err := url.Parse(at)
	if err != nil {
		e.T.Fatal(err)
	}
	return e.must(e.browser(c).SubmitCode(context.Background(), &client.Page{URL: u, Body: body}, code))
}

// DirectLogin walks seed flow 2 in browser c from the authorization request authURL: số định
// danh and mật khẩu, then the SMS code read on the test's phone. It returns where the login
// leaves the IdP: the client's redirect URI with the code, or with an error.
func (e *Env) DirectLogin(c *http.Client, authURL, idNumber, password string) *url.URL {
	e.T.Helper()
	token := e.AppLogin(idNumber, password)
	resp, body := e.PasswordStep(c, e.OpenLoginAt(c, authURL), idNumber, password)
	at, body := e.CodeStep(c, resp, body)
	resp, body = e.SubmitCode(c, at, body, e.LatestCode(token))
	_, _, to := e.FollowUntil(c, resp, body, nil)
	return to
}
