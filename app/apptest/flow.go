package apptest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"dvclogin/app/client"
)

// The browser side of the tests: client.Browser against the app, failing the test where a
// program would get an error.

// browser is c as a browser on the app.
func (e *Env) browser(c *http.Client) *client.Browser { return client.NewBrowser(e.URL, c) }

// page is an answer a test holds as its parts again.
func page(resp *http.Response, body string) *client.Page {
	return &client.Page{Resp: resp, Body: body, URL: resp.Request.URL}
}

// must fails the test on err and returns the page's parts.
func (e *Env) must(p *client.Page, err error) (*http.Response, string) {
	e.T.Helper()
	if err != nil {
		e.fatal(err)
	}
	return p.Resp, p.Body
}

// fatal fails the test with err and, for an unexpected answer, the page it got.
func (e *Env) fatal(err error) {
	e.T.Helper()
	var ue *client.UnexpectedError
	if errors.As(err, &ue) {
		e.T.Fatalf("%v\n%s", err, ue.Page.Body)
	}
	e.T.Fatal(err)
}

// FormWith returns the first form of a page that has an input named field.
func FormWith(t testing.TB, base, body, field string) client.Form {
	t.Helper()
	f, ok := client.ParseForms(base, body).With(field)
	if !ok {
		t.Fatalf("no form with input %q in page:\n%s", field, body)
	}
	return f
}

// Do sends a request and returns the response with its body read.
func (e *Env) Do(c *http.Client, req *http.Request) (*http.Response, string) {
	e.T.Helper()
	return e.must(e.browser(c).Do(req))
}

// Get fetches a path (or absolute URL) on the app.
func (e *Env) Get(c *http.Client, target string) (*http.Response, string) {
	e.T.Helper()
	return e.must(e.browser(c).Get(context.Background(), target))
}

// Submit sends a form with some fields set.
func (e *Env) Submit(c *http.Client, f client.Form, set map[string]string) (*http.Response, string) {
	e.T.Helper()
	return e.must(e.browser(c).Submit(context.Background(), f, set))
}

// PostForm posts url-encoded values.
func (e *Env) PostForm(c *http.Client, target string, v url.Values) (*http.Response, string) {
	e.T.Helper()
	return e.PostEncoded(c, target, v.Encode())
}

// PostEncoded posts body as a url-encoded form as it is: a test may append repeated or
// undecodable parameters a browser would never send.
func (e *Env) PostEncoded(c *http.Client, target, body string) (*http.Response, string) {
	e.T.Helper()
	return e.must(e.browser(c).PostForm(context.Background(), target, body))
}

// Follow follows redirects from resp (whose body is read already) while they stay on the app
// and returns the final response, its body and its URL, or the redirect that leaves the app
// and where it points.
func (e *Env) Follow(c *http.Client, resp *http.Response, body string) (*http.Response, string, string) {
	e.T.Helper()
	resp, body, at := e.FollowUntil(c, resp, body, nil)
	return resp, body, at.String()
}

// FollowUntil is Follow that also stops at the first redirect stop claims (see
// client.Browser.FollowUntil).
func (e *Env) FollowUntil(c *http.Client, resp *http.Response, body string, stop func(*url.URL) bool) (*http.Response, string, *url.URL) {
	e.T.Helper()
	p, err := e.browser(c).FollowUntil(context.Background(), page(resp, body), stop)
	if err != nil {
		e.fatal(err)
	}
	return p.Resp, p.Body, p.URL
}

// AppLogin signs a citizen in to the phone app on the test's phone (Phone) and returns the
// bearer token. The first login of a citizen gives that phone the citizen's free SIM, so later
// logins and LatestCode keep working as on one real phone.
func (e *Env) AppLogin(idNumber, password string) string {
	e.T.Helper()
	return e.Phone().Login(idNumber, password)
}

// LatestCode reads the newest 6-digit code that reached the citizen's phone (SMS or in-app),
// through the phone API, as the citizen would.
func (e *Env) LatestCode(token string) string {
	e.T.Helper()
	for _, m := range e.Phone().Messages(token) {
		if code := sixDigits.FindString(m.Body); code != "" {
			return code
		}
	}
	e.T.Fatal("no code in the phone's messages")
	return ""
}
