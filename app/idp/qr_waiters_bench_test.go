package idp_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// BenchmarkQRWaiters holds b.N QR logins waiting, each with its event stream open, and
// measures what they cost the server and whether a confirm still reaches its desktop at once:
//
//	go test ./app/idp -run '^$' -bench QRWaiters -benchtime 9000x -timeout 30m
//
// b.N is the number of waiters. Each is started as a login page's script does (authorize,
// login page, QR start from its own browser) and followed over a plain connection that does
// not read further, so the client side costs a socket and no goroutine. Reported: the server's
// heap and stacks per waiter (runtime.MemStats after a collection, before and after, the client
// sockets included), goroutines per waiter, and the confirm → "confirmed" event delay of 100
// further logins confirmed one after another while the others wait (p50, p99). The clock is the
// real one, so frames rotate and heartbeats go out as in production; the waiters come from
// addresses a trusted proxy reports, 100 per address, under the per-address QR start limit.
func BenchmarkQRWaiters(b *testing.B) {
	env := waitersEnv(b)
	n := b.N
	var ms0, ms1 runtime.MemStats
	conns := []net.Conn{openWaiter(b, env, -1)} // the first one warms up what every login shares
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	g0 := runtime.NumGoroutine()
	for i := range n {
		conns = append(conns, openWaiter(b, env, i))
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	time.Sleep(time.Second)
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	g1 := runtime.NumGoroutine()
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	used := func(m runtime.MemStats) float64 { return float64(m.HeapInuse + m.StackInuse) }
	b.ReportMetric((used(ms1)-used(ms0))/float64(n), "bytes/waiter")
	b.ReportMetric(float64(g1-g0)/float64(n), "goroutines/waiter")
	b.ReportMetric(used(ms1)/(1<<20), "MiB-heap+stacks")

	var lags []time.Duration
	for range 100 {
		d := openQRDesktop(b, env)
		s := d.start()
		events := d.follow()
		events.until("waiting")
		ph := qrAppLogin(b, env, qrAn)
		ph.mustScan(s.QR)
		events.until("scanned")
		done := make(chan int, 1)
		t0 := time.Now()
		go func() {
			code, _ := qrRawCall(env, ph.token, http.MethodPost, "/qr/"+s.ID+"/confirm", map[string]string{"passcode": app.DemoPasscode})
			done <- code
		}()
		events.until("confirmed")
		lags = append(lags, time.Since(t0))
		if code := <-done; code != http.StatusOK {
			b.Fatalf("confirm: %d", code)
		}
		events.Close()
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "ms-notify-p50")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "ms-notify-p99")
}

// waitersEnv is a server whose waiting QR logins can come from many addresses (a trusted
// proxy reports them) and outlive a long setup, on the real clock.
func waitersEnv(tb testing.TB) *apptest.Env {
	return apptest.New(tb, func(c *app.Config) {
		c.Now = time.Now
		c.TrustedProxies = []string{"127.0.0.1/32"}
		c.Limits.QRLoginTTL = time.Hour
	})
}

// openWaiter starts waiting QR login number i as a login page does, from an address of its
// own (100 logins an address, under the per-address start limit), and follows its events over
// a plain connection read up to the first event ("waiting"), then no further.
func openWaiter(tb testing.TB, env *apptest.Env, i int) net.Conn {
	tb.Helper()

	xff := fmt.Sprintf("10.%d.%d.1", i/100/250, i/100%250)
	c := apptest.FromAddress(env.Client(), func() string { return xff })
	page := env.OpenLogin(c, client.NewPKCE(), nil)
	l, err := client.NewBrowser(env.URL, c).StartQR(context.Background(), page)
	if err != nil {
		tb.Fatalf("waiter %d: %v", i, err)
	}
	u, _ := url.Parse(l.EventsURL)
	var cookies []string
	for _, ck := range c.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		tb.Fatalf("waiter %d: %v", i, err)
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\nCookie: %s\r\nX-Forwarded-For: %s\r\n\r\n",
		u.RequestURI(), u.Host, strings.Join(cookies, "; "), xff)
	r := bufio.NewReaderSize(conn, 256)
	var head []string // the response's status line and headers
	for inHead := true; ; {
		line, err := r.ReadString('\n')
		if err != nil {
			tb.Fatalf("waiter %d: stream: %v", i, err)
		}
		if inHead = inHead && line != "\r\n"; inHead {
			head = append(head, strings.TrimSpace(line))
		}
		if strings.HasPrefix(line, "event: waiting") {
			break
		}
	}
	// The server closes the stream's connection at its end: its browser must not keep it.
	if !slices.Contains(head, "Connection: close") {
		tb.Fatalf("waiter %d: the stream's response does not say Connection: close: %q", i, head)
	}
	return conn
}
