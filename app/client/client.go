// Package client speaks dvclogin's public HTTP surface the way an outside program does: a
// browser on the pages and forms, the event stream of a QR login, the VNeID app on the phone
// API, and a relying party of the OpenID Connect provider. It knows the server only by what
// the server sends, so it works as well against a live server over the network as against a
// test's.
package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// NewHTTP returns an *http.Client as a browser has one: its own cookie jar, and redirects left
// to Follow, so that every hop can be seen. transport may be nil (http.DefaultTransport).
func NewHTTP(transport http.RoundTripper) *http.Client {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &http.Client{Jar: jar, Transport: transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Browser is one browser against the server at Base: its requests share HTTP's cookie jar,
// as a login's steps must.
type Browser struct {
	Base   string       // scheme://host[:port]; relative targets resolve against it
	HTTP   *http.Client // see NewHTTP
	Header http.Header  // sent with every request unless the request sets it (User-Agent, say)
}

// NewBrowser returns a browser on the server at base that sends its requests through hc.
func NewBrowser(base string, hc *http.Client) *Browser {
	return &Browser{Base: strings.TrimRight(base, "/"), HTTP: hc, Header: http.Header{}}
}

// Page is one answer with its body read.
type Page struct {
	Resp *http.Response // its body is read into Body and closed
	Body string
	URL  *url.URL // where it came from; after Follow stopped at a redirect, where that points
}

// UnexpectedError is an answer that is not what a step expected: the caller decides from its
// status (and Retry-After) what to do.
type UnexpectedError struct {
	Want string // what the step expected, e.g. "the login page"
	Page *Page
}

func (e *UnexpectedError) Error() string {
	return fmt.Sprintf("want %s, got HTTP %d at %s", e.Want, e.Page.Resp.StatusCode, e.Page.URL.Redacted())
}

func unexpected(want string, p *Page) error { return &UnexpectedError{Want: want, Page: p} }

// resolve resolves target (a path, or an absolute URL) against Base.
func (b *Browser) resolve(target string) string {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return target
	}
	return b.Base + target
}

// Do sends req with the browser's headers and reads the answer.
func (b *Browser) Do(req *http.Request) (*Page, error) {
	b.addHeaders(req)
	resp, err := b.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Page{Resp: resp, Body: string(raw), URL: req.URL}, nil
}

// send builds a request to target (resolved against Base) and sends it; contentType goes with
// a body.
func (b *Browser) send(ctx context.Context, method, target, contentType string, body io.Reader) (*Page, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.resolve(target), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	return b.Do(req)
}

// Get fetches target.
func (b *Browser) Get(ctx context.Context, target string) (*Page, error) {
	return b.send(ctx, http.MethodGet, target, "", nil)
}

// PostForm posts a url-encoded body as it is: a caller may send parameters a browser never
// would (repeated, undecodable).
func (b *Browser) PostForm(ctx context.Context, target, encoded string) (*Page, error) {
	return b.send(ctx, http.MethodPost, target, "application/x-www-form-urlencoded", strings.NewReader(encoded))
}

// Follow follows redirects from p while they stay on the server, and returns the last page, or
// the redirect that leaves the server (its URL is where it points: a client's callback, say).
func (b *Browser) Follow(ctx context.Context, p *Page) (*Page, error) {
	return b.FollowUntil(ctx, p, nil)
}

// FollowUntil is Follow that also stops at the first redirect stop (if not nil) claims, such
// as a client's redirect URI on the server itself, which must not be fetched: its code is
// the client's.
func (b *Browser) FollowUntil(ctx context.Context, p *Page, stop func(*url.URL) bool) (*Page, error) {
	for hops := 0; isRedirect(p.Resp.StatusCode); hops++ {
		loc, err := p.Resp.Location()
		if err != nil {
			return p, fmt.Errorf("redirect without Location from %s", p.URL.Redacted())
		}
		if hops == 20 {
			return p, fmt.Errorf("more than 20 redirects, the last to %s", loc.Redacted())
		}
		if !b.onServer(loc) || (stop != nil && stop(loc)) {
			return &Page{Resp: p.Resp, Body: p.Body, URL: loc}, nil
		}
		if p, err = b.Get(ctx, loc.String()); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// addHeaders adds the browser's headers that req does not set itself.
func (b *Browser) addHeaders(req *http.Request) {
	for k, v := range b.Header {
		if req.Header.Get(k) == "" {
			req.Header[k] = v
		}
	}
}

func isRedirect(status int) bool { return status >= 300 && status < 400 }

func (b *Browser) onServer(u *url.URL) bool { return u.Scheme+"://"+u.Host == b.Base }
