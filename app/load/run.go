package load

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// runner is one run of the driver.
type runner struct {
	cfg      Config
	base     string // scheme://host[:port]
	issuer   string
	tokenURL string
	keys     jose.JSONWebKeySet
	phone    *phone
	stats    *stats
	tickets  atomic.Int64  // logins (or flood attempts) started
	ipSeq    atomic.Uint64 // round robin over source addresses
	started  time.Time
}

// drive runs the scenario and returns its report.
func drive(ctx context.Context, cfg Config) (*Report, error) {
	r := &runner{cfg: cfg, base: cfg.Target.String(), stats: newLoadStats()}
	r.phone = &phone{run: r, claimed: map[string]bool{}, client: r.client(nil), deviceKey: cfg.DeviceKey}
	hard, cancel := context.WithTimeout(ctx, cfg.Duration+drainGrace+time.Minute)
	defer cancel()
	if err := r.discover(hard); err != nil {
		return nil, err
	}
	rep := &Report{cfg: cfg, loadBefore: loadAverage()}
	rep.memBefore = procMemory(cfg.ServerPID)
	if cfg.Scenario == "direct" || cfg.Scenario == "mixed" {
		// Log in to the app once and set aside the codes already on the phone: every code that
		// arrives from now on belongs to a login of this run.
		if err := r.phone.markOld(hard); err != nil {
			return nil, fmt.Errorf("load: app login: %w", err)
		}
	}
	var watch *watch
	if cfg.Scenario == "password-flood" {
		var err error
		if watch, err = r.watchBaseline(hard); err != nil {
			return nil, err
		}
	}
	// New logins start until the time is up; those in flight may finish within the grace.
	soft, stop := context.WithTimeout(hard, cfg.Duration)
	defer stop()
	r.started = time.Now()
	if watch != nil {
		r.flood(soft, hard, watch)
	} else {
		var wg sync.WaitGroup
		for i := range cfg.Users {
			wg.Go(func() { r.user(soft, hard, i) })
		}
		wg.Wait()
	}
	rep.elapsed = time.Since(r.started)
	rep.memAfter = procMemory(cfg.ServerPID)
	rep.loadAfter = loadAverage()
	rep.stats = r.stats
	rep.deviceKey = r.phone.key()
	return rep, nil
}

// user is one virtual user: login after login until the time or the count is up.
func (r *runner) user(soft, hard context.Context, i int) {
	consecutive := 0
	for n := 0; soft.Err() == nil; n++ {
		if !r.ticket() {
			return
		}
		qr := r.cfg.Scenario == "qr" || (r.cfg.Scenario == "mixed" && (i+n)%2 == 1)
		var err error
		if qr {
			err = r.qrLogin(hard)
		} else {
			err = r.directLogin(hard)
		}
		if err == nil {
			consecutive = 0
			continue
		}
		var se *stepError
		if errors.As(err, &se) && se.status == http.StatusTooManyRequests {
			// The server asked to come back later: a polite client waits (within the run).
			r.stats.rejected.Add(1)
			wait := time.Duration(max(se.retryAfter, 1)) * time.Second
			select {
			case <-soft.Done():
			case <-time.After(wait):
			}
			continue
		}
		r.stats.failed.Add(1)
		if consecutive++; consecutive >= 20 {
			return // the server is gone or broken: stop hammering it
		}
	}
}

// ticket takes the right to start one more login; false when -n is reached.
func (r *runner) ticket() bool {
	n := r.tickets.Add(1)
	return r.cfg.MaxLogins == 0 || n <= int64(r.cfg.MaxLogins)
}

// stepError is a step that did not answer as the flow expects.
type stepError struct {
	step       string
	status     int
	retryAfter int
	msg        string
}

func (e *stepError) Error() string {
	if e.status != 0 {
		return fmt.Sprintf("%s: HTTP %d %s", e.step, e.status, e.msg)
	}
	return e.step + ": " + e.msg
}

// fail records a failed step by step and status and returns it.
func (r *runner) fail(step string, resp *http.Response, msg string) error {
	e := &stepError{step: step, msg: msg}
	key := step + ": " + msg
	if resp != nil {
		e.status = resp.StatusCode
		e.retryAfter, _ = strconv.Atoi(resp.Header.Get("Retry-After"))
		key = fmt.Sprintf("%s: HTTP %d", step, resp.StatusCode)
		if e.status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			r.stats.noRetryAfter.Add(1)
		}
	}
	r.stats.error(key)
	return e
}

// discover reads the provider's endpoints and signing keys.
func (r *runner) discover(ctx context.Context) error {
	c := r.client(nil)
	var d struct {
		Issuer  string `json:"issuer"`
		Token   string `json:"token_endpoint"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := r.getJSON(ctx, c, r.base+"/idp/.well-known/openid-configuration", &d); err != nil {
		return fmt.Errorf("load: discovery: %w", err)
	}
	if d.Issuer == "" || d.Token == "" || d.JWKSURI == "" {
		return errors.New("load: discovery lacks issuer, token_endpoint or jwks_uri")
	}
	for _, u := range []string{d.Token, d.JWKSURI} {
		if p, err := url.Parse(u); err != nil || !isLoopbackHost(p.Hostname()) {
			return fmt.Errorf("load: discovery points at %s, outside this machine (start the server with -public-url %s)", u, r.base)
		}
	}
	r.issuer, r.tokenURL = d.Issuer, d.Token
	return r.getJSON(ctx, c, d.JWKSURI, &r.keys)
}

func (r *runner) getJSON(ctx context.Context, c *http.Client, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "" {
		return fmt.Errorf("the server sends %s to its public URL (%s): start it with -public-url %s", u, loc, r.base)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// client is a browser-like client: its own cookie jar, redirects not followed (each hop is
// checked), and connections that stay on loopback. local picks the source address.
func (r *runner) client(local net.IP) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: httpTimeout,
		Transport: &http.Transport{DialContext: d.DialContext, Proxy: nil, MaxIdleConnsPerHost: 64,
			IdleConnTimeout: 30 * time.Second, ForceAttemptHTTP2: false},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// browser is a new browser for one login, from the next source address.
func (r *runner) browser() *browser {
	return &browser{run: r, c: r.client(r.sourceIP())}
}

func (r *runner) sourceIP() net.IP {
	if r.cfg.SourceIPs <= 1 {
		return nil
	}
	n := r.ipSeq.Add(1) % uint64(r.cfg.SourceIPs)
	return net.IPv4(127, 0, 0, byte(1+n))
}

// browser sends one login's requests.
type browser struct {
	run *runner
	c   *http.Client
}

func (b *browser) close() { b.c.CloseIdleConnections() }

// do sends a request and reads the answer; every status is counted.
func (b *browser) do(ctx context.Context, method, u string, body io.Reader, hdr map[string]string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	b.run.stats.status(resp.StatusCode)
	return resp, raw, err
}

// follow follows redirects while they stay on the server and returns the last answer and the
// URL it came from, or the first URL that leaves the server (the client's callback).
func (b *browser) follow(ctx context.Context, resp *http.Response, body []byte) (*http.Response, []byte, *url.URL, error) {
	at := resp.Request.URL
	for hops := 0; resp.StatusCode >= 300 && resp.StatusCode < 400; hops++ {
		loc, err := resp.Location()
		if err != nil || hops > 10 {
			return resp, body, at, fmt.Errorf("bad redirect from %s", at.Path)
		}
		at = loc
		if loc.Scheme+"://"+loc.Host != b.run.base {
			return resp, body, at, nil
		}
		if resp, body, err = b.do(ctx, http.MethodGet, loc.String(), nil, nil); err != nil {
			return resp, body, at, err
		}
	}
	return resp, body, at, nil
}

// authorization is the client's side of one authorization code flow with PKCE.
type authorization struct {
	state, nonce, verifier string
}

func newAuthorization() authorization {
	return authorization{state: randomString(12), nonce: randomString(12), verifier: randomString(32)}
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (a authorization) url(base string) string {
	sum := sha256.Sum256([]byte(a.verifier))
	v := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {a.state}, "nonce": {a.nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	return base + "/idp/authorize?" + v.Encode()
}

// openLogin sends the authorization request and follows it to the IdP's login page.
func (b *browser) openLogin(ctx context.Context, a authorization) (string, *url.URL, error) {
	r := b.run
	t0 := time.Now()
	resp, body, err := b.do(ctx, http.MethodGet, a.url(r.base), nil, nil)
	if err != nil {
		return "", nil, r.fail("authorize", nil, errKind(err))
	}
	resp, body, at, err := b.follow(ctx, resp, body)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(at.Path, "/idp/login") {
		return "", nil, r.fail("authorize", resp, "did not reach the login page")
	}
	r.stats.add("authorize", time.Since(t0))
	return string(body), at, nil
}

// callback checks the redirect back to the client and returns the authorization code.
func (r *runner) callback(step string, at *url.URL, a authorization) (string, error) {
	q := at.Query()
	if !strings.HasPrefix(at.String(), redirectURI+"?") || q.Get("state") != a.state || q.Get("code") == "" {
		return "", r.fail(step, nil, "no code for this state at the callback")
	}
	return q.Get("code"), nil
}

// exchange redeems the code at the token endpoint and verifies the ID token: signature by the
// provider's key, issuer, audience, nonce and subject's ID number.
func (r *runner) exchange(ctx context.Context, b *browser, code string, a authorization) error {
	t0 := time.Now()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
		"client_id": {clientID}, "code_verifier": {a.verifier}}
	resp, body, err := b.do(ctx, http.MethodPost, r.tokenURL, strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if err != nil {
		return r.fail("token", nil, errKind(err))
	}
	if resp.StatusCode != http.StatusOK {
		return r.fail("token", resp, "")
	}
	var tok struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.IDToken == "" || tok.AccessToken == "" {
		return r.fail("token", nil, "no id_token or access_token")
	}
	r.stats.add("token", time.Since(t0))
	if err := r.verifyIDToken(tok.IDToken, a.nonce); err != nil {
		return r.fail("id_token", nil, err.Error())
	}
	return nil
}

func (r *runner) verifyIDToken(raw, nonce string) error {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.PS256})
	if err != nil || len(jws.Signatures) != 1 {
		return errors.New("not a signed JWT")
	}
	keys := r.keys.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) == 0 {
		return errors.New("signed by an unknown key")
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		return errors.New("bad signature")
	}
	var c struct {
		Iss      string          `json:"iss"`
		Aud      json.RawMessage `json:"aud"`
		Nonce    string          `json:"nonce"`
		Username string          `json:"preferred_username"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return errors.New("claims do not parse")
	}
	switch {
	case c.Iss != r.issuer:
		return errors.New("wrong issuer")
	case !strings.Contains(string(c.Aud), `"`+clientID+`"`):
		return errors.New("wrong audience")
	case c.Nonce != nonce:
		return errors.New("wrong nonce")
	case c.Username != r.cfg.IDNumber:
		return errors.New("wrong citizen")
	}
	return nil
}
