package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/store"
	"dvclogin/store/pgtest"
)

// The cluster test runs three real servers (this test binary again, told so by
// clusterChildEnv) on one PostgreSQL database behind a round-robin reverse proxy, the way a
// load balancer fronts them: nothing is shared between them but the database.
const (
	clusterChildEnv  = "DVC_CLUSTER_CHILD" // "1": this process is one instance
	clusterAddrEnv   = "DVC_CLUSTER_ADDR"  // the address it listens on
	clusterDBEnv     = "DVC_CLUSTER_DB"    // the database URL
	clusterPublicEnv = "DVC_CLUSTER_URL"   // the public URL: the load balancer's
)

func TestClusterOnPostgres(t *testing.T) {
	if os.Getenv(clusterChildEnv) == "1" {
		serveClusterChild(t)
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("the cluster test kills an instance with SIGKILL, which Windows does not have")
	}
	dbURL := pgtest.URL(t)
	lb := newRoundRobin(t)
	var nodes []*clusterNode
	for i := range 3 {
		nodes = append(nodes, newClusterNode(t, i, dbURL, lb.URL))
	}
	// The three start together on the empty database: one seeds it, none fails.
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(n.start)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, n := range nodes {
		lb.add(n.addr)
	}
	env := apptest.Remote(t, lb.URL)
	ctx := context.Background()

	t.Run("seed flows spread over the instances", func(t *testing.T) {
		env.T = t
		before := lb.counts()
		// Seed flow 2: number, password, the SMS code; each request goes to the next instance.
		c := env.Client()
		if account := portalLogin(t, env, c, "001085012345"); !strings.Contains(account, "Nguyễn Văn An") {
			t.Fatal("the account page does not name the citizen")
		}
		// Seed flow 1, placed by hand: the QR login started on instance 0, its event stream
		// on 1, scanned and confirmed through 2.
		desktop := env.Client()
		p := client.NewPKCE()
		lp := env.OpenLogin(desktop, p, url.Values{"scope": {"openid profile offline_access"}})
		lb.pin(0)
		start, err := client.NewBrowser(env.URL, desktop).StartQR(ctx, lp)
		if err != nil {
			t.Fatalf("QR start: %v", err)
		}
		lb.pin(1)
		events := openQREvents(t, env, desktop, start)
		lb.pin(2)
		phone := env.AppLogin("001085012345", app.DemoPassword)
		if _, err := env.Phone().App.Scan(ctx, phone, start.QR); err != nil {
			t.Fatalf("scan: %v", err)
		}
		confirmed := time.Now()
		if _, err := env.Phone().App.Confirm(ctx, phone, start.ID, app.DemoPasscode); err != nil {
			t.Fatalf("confirm: %v", err)
		}
		st := events.until(t, store.QRConfirmed)
		t.Logf("instance 1's stream told the desktop %s after the confirm on instance 2 returned", time.Since(confirmed))
		lb.roundRobin()
		finishQRLogin(t, env, desktop, p, st.Redirect)
		after := lb.counts()
		for i := range nodes {
			if after[i]-before[i] < 5 {
				t.Errorf("instance %d served %d requests of the seed flows", i, after[i]-before[i])
			}
		}
	})

	t.Run("twenty parallel confirms across instances, one winner", func(t *testing.T) {
		env.T = t
		desktop := env.Client()
		lp := env.OpenLogin(desktop, client.NewPKCE(), nil)
		start, err := client.NewBrowser(env.URL, desktop).StartQR(ctx, lp)
		if err != nil {
			t.Fatalf("QR start: %v", err)
		}
		phone := env.AppLogin("001085012345", app.DemoPassword)
		if _, err := env.Phone().App.Scan(ctx, phone, start.QR); err != nil {
			t.Fatalf("scan: %v", err)
		}
		var won, refused atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				_, err := env.Phone().App.Confirm(ctx, phone, start.ID, app.DemoPasscode)
				var apiErr *client.APIError
				switch {
				case err == nil:
					won.Add(1)
				case errors.As(err, &apiErr):
					refused.Add(1)
				default:
					t.Errorf("confirm: %v", err)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 || refused.Load() != 19 {
			t.Fatalf("20 parallel confirms: %d won, %d refused; want 1 and 19", won.Load(), refused.Load())
		}
		if _, st := apptest.QRStatus(t, client.NewBrowser(env.URL, desktop), start.StatusURL); st.State != store.QRConfirmed {
			t.Fatalf("after the confirms the login is %s", st.State)
		}
	})

	t.Run("an instance killed in the middle of a QR login", func(t *testing.T) {
		env.T = t
		desktop := env.Client()
		p := client.NewPKCE()
		lp := env.OpenLogin(desktop, p, url.Values{"scope": {"openid profile offline_access"}})
		lb.pin(0)
		start, err := client.NewBrowser(env.URL, desktop).StartQR(ctx, lp)
		if err != nil {
			t.Fatalf("QR start: %v", err)
		}
		lb.pin(1)
		events := openQREvents(t, env, desktop, start)
		lb.pin(0)
		phone := env.AppLogin("001085012345", app.DemoPassword)
		if _, err := env.Phone().App.Scan(ctx, phone, start.QR); err != nil {
			t.Fatalf("scan: %v", err)
		}
		events.until(t, store.QRScanned)
		// Instance 0, which started and scanned the login, dies as kill -9 ends it; the load
		// balancer's health check takes it out.
		nodes[0].kill()
		lb.remove(nodes[0].addr)
		lb.roundRobin()
		if _, err := env.Phone().App.Confirm(ctx, phone, start.ID, app.DemoPasscode); err != nil {
			t.Fatalf("confirm after the kill: %v", err)
		}
		st := events.until(t, store.QRConfirmed)
		finishQRLogin(t, env, desktop, p, st.Redirect)
	})
}

// qrEvents is a desktop's open event stream of one QR login.
type qrEvents struct {
	stream *client.Stream
}

func openQREvents(t *testing.T, env *apptest.Env, desktop *http.Client, start client.QRLogin) *qrEvents {
	t.Helper()
	s, err := client.NewBrowser(env.URL, desktop).Events(context.Background(), start.EventsURL)
	if err != nil {
		t.Fatalf("QR events: %v", err)
	}
	t.Cleanup(s.Close)
	return &qrEvents{stream: s}
}

// until reads events until one named state and returns its status; it fails on the stream's
// end, another final state, or nothing for 20 s (far beyond any poll: the stream is broken).
func (e *qrEvents) until(t *testing.T, state string) client.QRStatus {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-e.stream.Events:
			if !ok {
				t.Fatalf("the event stream ended before %s", state)
			}
			if ev.Name == "frame" {
				continue
			}
			var st client.QRStatus
			if err := ev.Decode(&st); err != nil {
				t.Fatalf("event %s: %v", ev.Name, err)
			}
			if st.State == state {
				return st
			}
			if st.State != store.QRWaiting && st.State != store.QRScanned {
				t.Fatalf("the stream said %s, waiting for %s", st.State, state)
			}
		case <-timeout:
			t.Fatalf("no %s event within 20 s", state)
		}
	}
}

// finishQRLogin follows a confirmed QR login's redirect in its browser and redeems the code.
func finishQRLogin(t *testing.T, env *apptest.Env, desktop *http.Client, p client.PKCE, redirect string) {
	t.Helper()
	if redirect == "" {
		t.Fatal("the confirmed event has no redirect")
	}
	resp, body := env.Get(desktop, redirect)
	_, _, to := env.Follow(desktop, resp, body)
	u, err := url.Parse(to)
	if err != nil || !strings.HasPrefix(to, client.DemoRedirect) || u.Query().Get("code") == "" {
		t.Fatalf("the QR login ended at %s, not at the client's callback with a code", to)
	}
	tok, err := crashRP(env.URL).Exchange(context.Background(), client.Authorization{PKCE: p}, u.Query().Get("code"))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("code exchange after the QR login: %v", err)
	}
	if _, err := crashRP(env.URL).Refresh(context.Background(), tok.RefreshToken); err != nil {
		t.Fatalf("refresh through another instance: %v", err)
	}
}

// serveClusterChild is one instance: a real application on the database the parent chose,
// with a data folder of its own, serving until it is killed or its parent goes.
func serveClusterChild(t *testing.T) {
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(2)
	}()
	addr := os.Getenv(clusterAddrEnv)
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.DB, cfg.PublicURL = addr, os.Getenv(clusterDBEnv), os.Getenv(clusterPublicEnv)
	cfg.DataDir = t.TempDir()
	cfg.Argon2 = apptest.FastArgon2
	cfg.AdminPassword = "Quantri@2026"
	cfg.TrustedProxies = []string{"127.0.0.1/32"}
	apptest.UnbudgetedSMS(&cfg) // one citizen logs in again and again
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx := context.Background()
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Fatal(a.Serve(ctx, ln))
}

// clusterNode is one instance's process.
type clusterNode struct {
	t      testing.TB
	i      int
	addr   string
	db     string
	public string
	log    *os.File
	proc   *child // nil while stopped
}

func newClusterNode(t testing.TB, i int, db, public string) *clusterNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	log, err := os.Create(filepath.Join(t.TempDir(), fmt.Sprintf("instance%d.log", i)))
	if err != nil {
		t.Fatal(err)
	}
	n := &clusterNode{t: t, i: i, addr: addr, db: db, public: public, log: log}
	t.Cleanup(func() {
		if n.proc != nil {
			n.kill()
		}
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("end of instance %d's log:\n%s", i, strings.Join(lines[max(0, len(lines)-30):], "\n"))
		}
		log.Close()
	})
	return n
}

// start starts the instance and waits until it answers /healthz.
func (n *clusterNode) start() {
	t := n.t
	p, err := startChild("TestClusterOnPostgres", []string{clusterChildEnv + "=1", clusterAddrEnv + "=" + n.addr,
		clusterDBEnv + "=" + n.db, clusterPublicEnv + "=" + n.public}, n.log, n.addr)
	if err != nil {
		t.Errorf("instance %d: %v", n.i, err)
		return
	}
	n.proc = p
}

// kill ends the instance with SIGKILL and waits until it is gone.
func (n *clusterNode) kill() {
	if err := n.proc.kill(); err != nil {
		n.t.Errorf("kill: %v", err)
	}
	n.proc = nil
}

// roundRobin is the load balancer of the test: a reverse proxy that sends each request to the
// next instance in turn (or, pinned, to one), flushing event streams as they come.
type roundRobin struct {
	URL string

	mu       sync.Mutex
	backends []string // addresses, in the order added; "" once removed
	served   []int
	next     int
	pinned   int // -1: round robin
}

func newRoundRobin(t testing.TB) *roundRobin {
	lb := &roundRobin{pinned: -1}
	proxy := &httputil.ReverseProxy{
		FlushInterval: -1, // server-sent events go through as they are written
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: "http", Host: lb.pick()})
			r.SetXForwarded()
			r.Out.Host = r.In.Host // the instances see the public host, as behind nginx
		},
		ErrorLog: nil,
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	lb.URL = srv.URL
	return lb
}

func (lb *roundRobin) add(addr string) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	lb.backends = append(lb.backends, addr)
	lb.served = append(lb.served, 0)
}

func (lb *roundRobin) remove(addr string) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for i, b := range lb.backends {
		if b == addr {
			lb.backends[i] = ""
		}
	}
}

// pin sends every request to instance i until roundRobin.
func (lb *roundRobin) pin(i int) {
	lb.mu.Lock()
	lb.pinned = i
	lb.mu.Unlock()
}

func (lb *roundRobin) roundRobin() { lb.pin(-1) }

func (lb *roundRobin) pick() string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if lb.pinned >= 0 {
		lb.served[lb.pinned]++
		return lb.backends[lb.pinned]
	}
	for range lb.backends {
		i := lb.next % len(lb.backends)
		lb.next++
		if lb.backends[i] != "" {
			lb.served[i]++
			return lb.backends[i]
		}
	}
	return "127.0.0.1:1" // none left
}

func (lb *roundRobin) counts() []int {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return append([]int(nil), lb.served...)
}
