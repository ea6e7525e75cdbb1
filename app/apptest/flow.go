package apptest

import (
	"dvclogin/app/web"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Form is an HTML form as a browser would submit it.
type Form = web.Form

// Forms parses the forms of a page. base resolves relative actions.
func Forms(base, body string) []Form { return web.ParseForms(base, body) }

// FormWith returns the first form that has an input named field.
func FormWith(t testing.TB, base, body, field string) Form {
	t.Helper()
	for _, f := range Forms(base, body) {
		if _, ok := f.Fields[field]; ok {
			return f
		}
	}
	t.Fatalf("no form with input %q in page:\n%s", field, body)
	return Form{}
}

// Do sends a request and returns the response with its body read.
func (e *Env) Do(c *http.Client, req *http.Request) (*http.Response, string) {
	e.T.Helper()
	resp, err := c.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Get fetches a path (or absolute URL) on the app.
func (e *Env) Get(c *http.Client, target string) (*http.Response, string) {
	e.T.Helper()
	req, err := http.NewRequest(http.MethodGet, e.abs(target), nil)
	if err != nil {
		e.T.Fatal(err)
	}
	return e.Do(c, req)
}

// Submit posts a form with some fields overridden.
func (e *Env) Submit(c *http.Client, f Form, set map[string]string) (*http.Response, string) {
	e.T.Helper()
	v := url.Values{}
	for k, vals := range f.Fields {
		v[k] = append([]string(nil), vals...)
	}
	for k, val := range set {
		v.Set(k, val)
	}
	return e.PostForm(c, f.Action, v)
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
	req, err := http.NewRequest(http.MethodPost, e.abs(target), strings.NewReader(body))
	if err != nil {
		e.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.Do(c, req)
}

// Follow follows redirects from resp (which must be read already) until a non-redirect and
// returns the final response, its body and its URL. It stops at a URL outside the app.
func (e *Env) Follow(c *http.Client, resp *http.Response, body string) (*http.Response, string, string) {
	e.T.Helper()
	cur := resp.Request.URL.String()
	for i := 0; i < 20 && resp.StatusCode >= 300 && resp.StatusCode < 400; i++ {
		loc, err := resp.Location()
		if err != nil {
			e.T.Fatalf("redirect without Location from %s", cur)
		}
		cur = loc.String()
		if !strings.HasPrefix(cur, e.URL) {
			return resp, body, cur
		}
		resp, body = e.Get(c, cur)
	}
	return resp, body, cur
}

func (e *Env) abs(target string) string {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return target
	}
	return e.URL + target
}

// JSON sends a JSON request (bearer token optional) and decodes the answer into out (if not
// nil). It returns the status.
func (e *Env) JSON(c *http.Client, method, target, token string, in, out any) int {
	e.T.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			e.T.Fatal(err)
		}
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, e.abs(target), body)
	if err != nil {
		e.T.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, raw := e.Do(c, req)
	if out != nil && raw != "" {
		if err := json.Unmarshal([]byte(raw), out); err != nil {
			e.T.Fatalf("%s %s: decode %q: %v", method, target, raw, err)
		}
	}
	return resp.StatusCode
}

// AppLogin signs a citizen in to the phone app on the test's phone (Phone) and returns the
// bearer token. The first login of a citizen gives that phone the citizen's free SIM, so later
// logins and LatestCode keep working as on one real phone.
func (e *Env) AppLogin(idNumber, password string) string {
	e.T.Helper()
	return e.Phone().Login(idNumber, password)
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// LatestCode reads the newest 6-digit code that reached the citizen's phone (SMS or in-app),
// through the phone API, as the citizen would.
func (e *Env) LatestCode(token string) string {
	e.T.Helper()
	var out struct {
		Messages []struct {
			Channel, Body string
		} `json:"messages"`
	}
	if st := e.JSON(http.DefaultClient, http.MethodGet, "/api/mobile/v1/messages", token, nil, &out); st != http.StatusOK {
		e.T.Fatalf("messages: status %d", st)
	}
	for _, m := range out.Messages {
		if code := sixDigits.FindString(m.Body); code != "" {
			return code
		}
	}
	e.T.Fatal("no code in the phone's messages")
	return ""
}
