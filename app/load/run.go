package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"dvclogin/app/client"
)

// runner is one run of the driver.
type runner struct {
	cfg      Config
	base     string // scheme://host[:port]
	rp       *client.RP
	pool     *pool
	devices  *devices
	stats    *stats
	tickets  atomic.Int64  // logins (or flood attempts) started
	ipSeq    atomic.Uint64 // round robin over source addresses
	started  time.Time
	hashRate float64 // argon2id hashes a second on this machine, measured at the start
}

// drive runs the scenario and returns its report.
func drive(ctx context.Context, cfg Config, note io.Writer) (*Report, error) {
	r := &runner{cfg: cfg, base: cfg.Target.String(), stats: newLoadStats(), devices: &devices{path: cfg.Devices}}
	if err := r.makePool(note); err != nil {
		return nil, err
	}
	limit := cfg.Duration + drainGrace + time.Minute + cfg.HashFor
	if cfg.Scenario == "waiters" {
		limit += 5 * time.Minute // opening the waiting logins comes before -d
	}
	hard, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := r.discover(hard); err != nil {
		return nil, err
	}
	rep := &Report{cfg: cfg, loadBefore: loadAverage(), poolSize: len(r.pool.all)}
	if cfg.HashFor > 0 {
		// The server's ceiling on this machine, now: argon2id at its parameters on every core,
		// while the server is idle. Every rate of the report is also given as a share of it.
		rep.hashRate, rep.hashCores = hashRate(hard, cfg.HashFor)
		r.hashRate = rep.hashRate
	}
	rep.memBefore = procMemory(cfg.ServerPID)
	if cfg.Scenario == "direct" || cfg.Scenario == "mixed" {
		t0 := time.Now()
		err := r.warmUp(hard)
		rep.warmLogins, rep.warmTook = r.stats.readLogins.Load(), time.Since(t0)
		r.devices.save(r.pool.all)
		if err != nil {
			return nil, fmt.Errorf("load: warm-up: %w", err)
		}
		r.stats = newLoadStats() // the warm-up is not part of the run
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
	switch {
	case watch != nil:
		r.flood(soft, hard, watch)
	case cfg.Scenario == "waiters":
		if err := r.waiters(hard, rep); err != nil {
			return nil, err
		}
	default:
		var wg sync.WaitGroup
		for i := range cfg.Users {
			wg.Go(func() { r.user(soft, hard, i) })
		}
		wg.Wait()
	}
	rep.elapsed = time.Since(r.started)
	rep.memAfter = procMemory(cfg.ServerPID)
	rep.loadAfter = loadAverage()
	if cfg.HashFor > 0 {
		// Again after the run: the neighbours of a shared machine come and go, and the ratios
		// take the faster of the two (the lower, more modest ratio).
		rep.hashRateAfter, _ = hashRate(hard, cfg.HashFor)
	}
	rep.stats = r.stats
	if err := r.devices.save(r.pool.all); err != nil {
		fmt.Fprintln(note, err)
	}
	if len(r.pool.all) == 1 {
		rep.deviceKey = r.pool.all[0].app.Key()
	}
	return rep, nil
}

// makePool reads the citizens (-citizens), or takes the one citizen of -id, and gives each its
// phone: the one kept in -devices, else a new one.
func (r *runner) makePool(note io.Writer) error {
	var all []*citizen
	if len(r.cfg.Citizens) > 0 {
		var err error
		if all, err = loadCitizens(r.cfg.Citizens, note); err != nil {
			return err
		}
	} else {
		all = []*citizen{{idNumber: r.cfg.IDNumber, password: r.cfg.Password, passcode: r.cfg.Passcode}}
	}
	kept, err := r.devices.read()
	if err != nil {
		return err
	}
	for _, c := range all {
		key, token := r.cfg.DeviceKey, ""
		if k, ok := kept[c.idNumber]; ok {
			key, token = k[0], k[1]
		}
		c.app, c.token = client.NewPhone(r.base, r.client(r.sourceIP()), key), token
	}
	r.pool = newPool(all, r.cfg.Scenario == "mixed")
	if need := r.cfg.Users; r.cfg.Scenario != "password-flood" && r.cfg.Scenario != "waiters" && len(all) < need {
		fmt.Fprintf(note, "load: %d citizens for %d users: a user waits for a free citizen (lease_wait); give more with -citizens\n", len(all), need)
	}
	return nil
}

// user is one virtual user: login after login until the time or the count is up, each with a
// citizen nobody else is logging in.
func (r *runner) user(soft, hard context.Context, i int) {
	consecutive := 0
	for n := 0; soft.Err() == nil; n++ {
		if !r.ticket() {
			return
		}
		qr := r.cfg.Scenario == "qr" || (r.cfg.Scenario == "mixed" && (i+n)%2 == 1)
		c, err := r.lease(soft, qr)
		if err != nil {
			return // the time is up while waiting for a citizen
		}
		if qr {
			err = r.qrLogin(hard, c)
		} else {
			err = r.directLogin(hard, c)
		}
		r.handBack(c)
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

// fail records a failed step by step and status (or by what went wrong) and returns it.
func (r *runner) fail(step string, err error) error {
	e := &stepError{step: step, msg: failure(err)}
	retryAfter := ""
	var ue *client.UnexpectedError
	var ae *client.APIError
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &ue):
		e.status, retryAfter = ue.Page.Resp.StatusCode, ue.Page.Resp.Header.Get("Retry-After")
	case errors.As(err, &ae):
		e.status, retryAfter = ae.Status, ae.RetryAfter
	case errors.As(err, &re) && re.Response != nil:
		e.status, retryAfter = re.Response.StatusCode, re.Response.Header.Get("Retry-After")
	}
	key := step + ": " + e.msg
	if e.status != 0 {
		e.msg = ""
		e.retryAfter, _ = strconv.Atoi(retryAfter)
		key = fmt.Sprintf("%s: HTTP %d", step, e.status)
		if e.status == http.StatusTooManyRequests && retryAfter == "" {
			r.stats.noRetryAfter.Add(1)
		}
	}
	r.stats.error(key)
	return e
}

// failure says briefly what went wrong: a transport error by its kind, so that the report
// counts alike failures together.
func failure(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return errKind(err)
	}
	return err.Error()
}

// discover reads the provider's metadata, and refuses a provider whose endpoints lie off this
// machine or a server that sends its own address elsewhere.
func (r *runner) discover(ctx context.Context) error {
	c := r.client(nil)
	wellKnown := r.base + "/idp/.well-known/openid-configuration"
	p, err := client.NewBrowser(r.base, c).Get(ctx, wellKnown)
	if err != nil {
		return fmt.Errorf("load: discovery: %w", err)
	}
	if loc := p.Resp.Header.Get("Location"); loc != "" {
		return fmt.Errorf("load: the server sends %s to its public URL (%s): start it with -public-url %s", wellKnown, loc, r.base)
	}
	r.rp, err = client.NewRP(ctx, c, r.base+"/idp", oauth2.Config{ClientID: client.DemoApp,
		RedirectURL: client.DemoRedirect, Scopes: []string{"profile"}})
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := r.rp.Provider.Claims(&meta); err != nil {
		return fmt.Errorf("load: discovery: %w", err)
	}
	for _, u := range []string{r.rp.OAuth.Endpoint.TokenURL, meta.JWKSURI} {
		if p, err := url.Parse(u); err != nil || !isLoopbackHost(p.Hostname()) {
			return fmt.Errorf("load: discovery points at %s, outside this machine (start the server with -public-url %s)", u, r.base)
		}
	}
	return nil
}

// client is a browser-like client (client.NewHTTP) whose connections stay on loopback and
// whose answers are counted by status. local picks the source address.
func (r *runner) client(local net.IP) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	return client.NewHTTP(counted{r: r, next: &http.Transport{DialContext: d.DialContext, Proxy: nil,
		MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second, ForceAttemptHTTP2: false}})
}

// counted counts every answer by its status.
type counted struct {
	r    *runner // its stats: the warm-up's, then the run's
	next http.RoundTripper
}

func (c counted) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err == nil {
		c.r.stats.status(resp.StatusCode)
	}
	return resp, err
}

// browser is a new browser for one login, from the next source address.
func (r *runner) browser() *client.Browser {
	b := client.NewBrowser(r.base, r.client(r.sourceIP()))
	b.Header.Set("User-Agent", userAgent)
	return b
}

func (r *runner) sourceIP() net.IP {
	if r.cfg.SourceIPs <= 1 {
		return nil
	}
	n := r.ipSeq.Add(1) % uint64(r.cfg.SourceIPs)
	return net.IPv4(127, 0, 0, byte(1+n))
}

// done lets go of a browser's connections once its login is over.
func done(b *client.Browser) { b.HTTP.CloseIdleConnections() }

// openLogin sends the authorization request and follows it to the IdP's login page.
func (r *runner) openLogin(ctx context.Context, b *client.Browser, a client.Authorization) (client.LoginPage, error) {
	t0 := time.Now()
	lp, err := b.OpenLogin(ctx, r.rp.AuthCodeURL(a))
	if err != nil {
		return lp, r.fail("authorize", err)
	}
	r.stats.add("authorize", time.Since(t0))
	return lp, nil
}

// redeem checks the redirect back to the client, redeems its code at the token endpoint and
// verifies the ID token (go-oidc: the provider's key, issuer, audience, expiry; and the nonce)
// and that it names the citizen who logged in.
func (r *runner) redeem(ctx context.Context, step string, redirect *url.URL, a client.Authorization, c *citizen) error {
	code, err := r.rp.Code(a, redirect)
	if err != nil {
		return r.fail(step, err)
	}
	t0 := time.Now()
	tok, err := r.rp.Exchange(ctx, a, code)
	if err != nil {
		return r.fail("token", err)
	}
	if tok.AccessToken == "" {
		return r.fail("token", errors.New("no access_token"))
	}
	r.stats.add("token", time.Since(t0))
	idt, err := r.rp.Verify(ctx, tok, a.Nonce)
	if err != nil {
		return r.fail("id_token", err)
	}
	var claims struct {
		Username string `json:"preferred_username"`
	}
	if err := idt.Claims(&claims); err != nil || claims.Username != c.idNumber {
		return r.fail("id_token", errors.New("wrong citizen"))
	}
	return nil
}
