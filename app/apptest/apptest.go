// Package apptest starts the real application on a real SQLite file in a temporary folder for
// tests: the real router behind an httptest server and a fake clock. Its client side is
// app/client, bound to the test: a helper fails the test where a program would get an error.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/client"
	"dvclogin/app/web"
)

// Clock is a fake clock that moves only when told.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Env is a running application for one test.
type Env struct {
	T      testing.TB
	App    *app.App
	Server *httptest.Server
	URL    string // public URL, e.g. http://127.0.0.1:41234
	Clock  *Clock
	Config app.Config
	addr   string

	phone *phoneSlot // the citizen's phone of AppLogin, shared by copies of the Env (fuzz targets copy it per input)
}

// FastArgon2 keeps tests quick; production uses web.DefaultArgon2.
var FastArgon2 = web.Argon2Params{Memory: 1024, Time: 1, Threads: 1}

// New starts the application. opts may change the configuration before it starts.
func New(t testing.TB, opts ...func(*app.Config)) *Env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	clock := NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	cfg := app.DefaultConfig()
	cfg.Addr = ln.Addr().String()
	cfg.DataDir = t.TempDir()
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.AdminPassword = "Quantri@2026"
	cfg.Argon2 = FastArgon2
	cfg.Now = clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	for _, o := range opts {
		o(&cfg)
	}
	e := &Env{T: t, Clock: clock, Config: cfg, addr: ln.Addr().String(), URL: cfg.PublicURL,
		phone: &phoneSlot{}}
	e.start(ln)
	t.Cleanup(e.stop)
	return e
}

// Remote is an Env for a server this process did not start (another process on this
// machine, say one a test kills and restarts): the client helpers (OpenLogin, AppLogin,
// LatestCode, ...) work against baseURL and report their failures to t. App, Server and
// Clock are nil, and Restart cannot be used.
func Remote(t testing.TB, baseURL string) *Env {
	return &Env{T: t, URL: strings.TrimRight(baseURL, "/"), phone: &phoneSlot{}}
}

func (e *Env) start(ln net.Listener) {
	e.T.Helper()
	a, err := app.New(context.Background(), e.Config)
	if err != nil {
		ln.Close()
		e.T.Fatal(err)
	}
	e.App = a
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	e.Server = srv
}

func (e *Env) stop() {
	if e.Server != nil {
		e.Server.CloseClientConnections()
		e.Server.Close()
		e.Server = nil
	}
	if e.App != nil {
		e.App.Close()
		e.App = nil
	}
}

// Restart stops the server and starts a new application on the same data folder and address:
// what survives is what the database kept.
func (e *Env) Restart() {
	e.T.Helper()
	e.stop()
	e.Start()
}

// Stop stops the server, as an operator does before a restore; Start starts it again.
func (e *Env) Stop() { e.stop() }

// Start starts a new application on e.Config at the same address, after Stop.
func (e *Env) Start() {
	e.T.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", e.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		e.T.Fatal(err)
	}
	e.start(ln)
}

// Client returns a browser-like client with its own cookie jar that does not follow
// redirects (tests follow them explicitly and check each hop).
func (e *Env) Client() *http.Client { return client.NewHTTP(nil) }

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// FromAddress makes c send every request with an X-Forwarded-For of addr(), the address a
// trusted proxy would report (Config.TrustedProxies must hold the loopback for it to count).
func FromAddress(c *http.Client, addr func() string) *http.Client {
	c.Transport = headerTransport{name: "X-Forwarded-For", value: addr}
	return c
}

// headerTransport sets one request header on every request.
type headerTransport struct {
	name  string
	value func() string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value())
	return http.DefaultTransport.RoundTrip(r)
}
