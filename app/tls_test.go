package app_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/app/tlscert"
)

// httpsServer is the real server on a loopback port, serving HTTPS as `dvclogin -tls` does.
type httpsServer struct {
	App  *app.App
	URL  string // https://127.0.0.1:PORT
	Dir  string // the data folder
	stop func()
}

// startHTTPS serves the app with HTTPS on a free loopback port and data folder dir. opts may
// change the configuration before it starts.
func startHTTPS(t *testing.T, dir string, opts ...func(*app.Config)) *httpsServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.DataDir, cfg.TLS = ln.Addr().String(), dir, true
	cfg.AdminPassword, cfg.Argon2 = "Quantri@2026", apptest.FastArgon2
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	var once sync.Once
	s := &httpsServer{App: a, URL: a.Config().PublicURL, Dir: dir, stop: func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			a.Close()
		})
	}}
	t.Cleanup(s.stop)
	return s
}

// caPool is what a phone that installed the server's authority trusts: that authority alone.
func caPool(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	pemBytes, err := os.ReadFile(filepath.Join(dir, "tls", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("tls/ca.crt holds no certificate")
	}
	return pool
}

// caDER is the authority's certificate as DATA/tls/ca.crt holds it.
func caDER(t *testing.T, dir string) []byte {
	t.Helper()
	pemBytes, err := os.ReadFile(filepath.Join(dir, "tls", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("tls/ca.crt is not PEM")
	}
	return block.Bytes
}

// cookieLog records every response's cookies and headers seen through it.
type cookieLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	set  []*http.Cookie
	hsts []string // requests answered with Strict-Transport-Security
	h2   int      // answers over HTTP/2
}

func (l *cookieLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.set = append(l.set, resp.Cookies()...)
	if resp.Header.Get("Strict-Transport-Security") != "" {
		l.hsts = append(l.hsts, r.URL.Path)
	}
	if resp.ProtoMajor == 2 {
		l.h2++
	}
	return resp, nil
}

// trustingTransport is an HTTPS transport that trusts roots only, offering HTTP/2 as browsers
// do. Its connections are closed when the test ends, before the server stops: the server
// would otherwise give an HTTP/2 client a second to go.
func trustingTransport(t *testing.T, roots *x509.CertPool) *http.Transport {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// A phone that installed the authority logs in to the portal over HTTPS: the direct login
// from the portal through the identity provider and back, the portal's backchannel trusting
// the same authority. Every cookie is Secure, no answer sends HSTS, browsers get HTTP/2.
func TestHTTPSLoginRoundTrip(t *testing.T) {
	s := startHTTPS(t, t.TempDir())
	log := &cookieLog{next: trustingTransport(t, caPool(t, s.Dir))}
	ctx := context.Background()
	b := client.NewBrowser(s.URL, client.NewHTTP(log))

	p, err := b.Get(ctx, "/idp/.well-known/openid-configuration")
	if err != nil || p.Resp.StatusCode != http.StatusOK || !strings.Contains(p.Body, `"issuer":"`+s.URL+`/idp"`) {
		t.Fatalf("discovery over HTTPS: %v %v\n%s", err, p, p.Body)
	}
	lp, err := b.OpenLogin(ctx, "/dang-nhap/vneid")
	if err != nil {
		t.Fatal(err)
	}
	phone := client.NewPhone(s.URL, client.NewHTTP(log), "")
	session, err := phone.Login(ctx, "001085012345", app.DemoPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err = b.PasswordStep(ctx, lp, "001085012345", app.DemoPassword)
	if err == nil {
		p, err = b.CodeStep(ctx, p)
	}
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := phone.Messages(ctx, session.Token)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("messages: %v %v", msgs, err)
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[0].Body)
	p, err = b.SubmitCode(ctx, p, code)
	if err == nil {
		p, err = b.Follow(ctx, p)
	}
	if err != nil {
		t.Fatal(err)
	}
	if p.Resp.StatusCode != http.StatusOK || p.URL.String() != s.URL+"/tai-khoan" || !strings.Contains(p.Body, "Nguyễn Văn An") {
		t.Fatalf("login ended at %s with %d\n%s", p.URL, p.Resp.StatusCode, p.Body)
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	names := map[string]bool{}
	for _, c := range log.set {
		names[c.Name] = true
		if !c.Secure {
			t.Errorf("cookie %s is not Secure over HTTPS", c.Name)
		}
	}
	for _, want := range []string{"dvc_portal", "dvc_idp", "dvc_idp_browser", "dvc_device"} {
		if !names[want] {
			t.Errorf("no cookie %s seen (got %v)", want, names)
		}
	}
	// HSTS would lock every browser out of the server once it runs plain HTTP again, or of
	// the warning page's way through while a phone does not trust the authority.
	if len(log.hsts) > 0 {
		t.Errorf("Strict-Transport-Security sent on %v", log.hsts)
	}
	if log.h2 == 0 {
		t.Error("no answer came over HTTP/2")
	}
}

// The certificate covers the loopback names and addresses a browser on the machine uses.
func TestHTTPSCertificateNames(t *testing.T) {
	s := startHTTPS(t, t.TempDir())
	roots := caPool(t, s.Dir)
	addr := strings.TrimPrefix(s.URL, "https://")
	for _, name := range []string{"127.0.0.1", "localhost"} {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: name})
		if err != nil {
			t.Errorf("handshake as %s: %v", name, err)
			continue
		}
		leaf := conn.ConnectionState().PeerCertificates[0]
		conn.Close()
		if err := leaf.VerifyHostname("::1"); err != nil {
			t.Errorf("the certificate does not cover ::1: %v", err)
		}
	}
}

// The certificate names every address a phone or a browser may use: the public URL's host,
// the loopback addresses, localhost, the machine's name and every LAN IPv4 address.
func TestHTTPSCertificateNamesEveryAddress(t *testing.T) {
	s := startHTTPS(t, t.TempDir(), func(c *app.Config) { c.PublicURL = "https://dvc.truong-hoc.lan:8443" })
	pemBytes, err := os.ReadFile(filepath.Join(s.Dir, "tls", "server.crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("tls/server.crt is not PEM")
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"dvc.truong-hoc.lan", "127.0.0.1", "::1", "localhost"}
	if host, err := os.Hostname(); err == nil && regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`).MatchString(host) {
		names = append(names, strings.ToLower(host))
	}
	for _, ip := range app.LANAddresses() {
		if ip.To4() != nil {
			names = append(names, ip.String())
		}
	}
	for _, name := range names {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("the certificate does not name %s: %v", name, err)
		}
	}
}

// Plain HTTP on the HTTPS port is redirected to the same path on the public URL, temporarily
// (a permanent redirect, like HSTS, would outlive -tls in browsers); what a phone needs before
// it trusts the authority is served as it is.
func TestHTTPSPortAnswersPlainHTTP(t *testing.T) {
	s := startHTTPS(t, t.TempDir())
	plainURL := "http://" + strings.TrimPrefix(s.URL, "https://")
	hc := client.NewHTTP(nil)
	redirects := []struct {
		name, method, path, host string
		status                   int
	}{
		{"Get", http.MethodGet, "/tai-khoan?x=1", "", http.StatusFound},
		{"Post", http.MethodPost, "/idp/login", "", http.StatusTemporaryRedirect},
		{"ForeignHost", http.MethodGet, "/app/", "evil.example", http.StatusFound},
		{"CertificateByPost", http.MethodPost, "/ca.crt", "", http.StatusTemporaryRedirect},
	}
	// The install page asked for on another host name goes to the public host, still on plain
	// HTTP: the phone does not trust the server yet.
	req, _ := http.NewRequest(http.MethodGet, plainURL+"/cai-dat-chung-chi", nil)
	req.Host = "laptop.local"
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != plainURL+"/cai-dat-chung-chi" {
		t.Errorf("install page on another host: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, tc := range redirects {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, plainURL+tc.path, nil)
			if tc.host != "" {
				req.Host = tc.host
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || resp.Header.Get("Location") != s.URL+tc.path {
				t.Fatalf("%s %s: %d Location %q, want %d %s", tc.method, tc.path, resp.StatusCode,
					resp.Header.Get("Location"), tc.status, s.URL+tc.path)
			}
		})
	}

	fingerprint := tlscert.Fingerprint(caDER(t, s.Dir))
	served := []struct {
		path, contentType, contains string
	}{
		{"/cai-dat-chung-chi", "text/html", fingerprint},
		{"/ca.crt", "application/x-x509-ca-cert", ""},
		{"/static/css/certificate.css", "text/css", ".cert-page"},
		{"/healthz", "text/plain", "ok"},
	}
	for _, tc := range served {
		t.Run("Serves"+tc.path, func(t *testing.T) {
			resp, err := hc.Get(plainURL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) ||
				!strings.Contains(string(body), tc.contains) {
				t.Fatalf("%d %s\n%.400s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		})
	}
}

// GET /ca.crt is the authority of DATA/tls/ca.crt in PEM, under a file name; the guide shows
// its fingerprint, and so do the banner (as "SHA-256: AA:BB:…") and the console.
func TestHTTPSServesTheAuthority(t *testing.T) {
	s := startHTTPS(t, t.TempDir())
	hc := client.NewHTTP(trustingTransport(t, caPool(t, s.Dir)))
	resp, err := hc.Get(s.URL + "/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-x509-ca-cert" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="dvclogin-ca.crt"`) {
		t.Fatalf("%d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	block, rest := pem.Decode(served)
	if !bytes.HasPrefix(served, []byte("-----BEGIN CERTIFICATE-----")) || block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("/ca.crt is not one PEM certificate:\n%.200s", served)
	}
	der := block.Bytes
	ca, err := x509.ParseCertificate(der)
	if err != nil || !ca.IsCA || !bytes.Equal(der, caDER(t, s.Dir)) {
		t.Fatalf("served %d bytes (parse: %v), not the authority in tls/ca.crt", len(der), err)
	}
	if !strings.HasPrefix(ca.Subject.CommonName, "dvclogin local CA") {
		t.Errorf("authority named %q", ca.Subject.CommonName)
	}

	fp := tlscert.Fingerprint(der)
	var banner bytes.Buffer
	s.App.PrintBanner(&banner, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1})
	if !regexp.MustCompile(`(?m) SHA-256: `+regexp.QuoteMeta(fp)+`\b`).MatchString(banner.String()) || !strings.Contains(banner.String(), "http://"+strings.TrimPrefix(s.URL, "https://")+"/cai-dat-chung-chi") {
		t.Errorf("banner lacks the fingerprint or the install page:\n%s", banner.String())
	}
	b := client.NewBrowser(s.URL, client.NewHTTP(trustingTransport(t, caPool(t, s.Dir))))
	pages := map[string][]string{
		"/cai-dat-chung-chi": {fp, `href="/ca.crt"`, "Cài đặt tin cậy chứng nhận", "Chứng chỉ CA", "Nâng cao → Tiếp tục truy cập"},
		"/app/":              {`href="/cai-dat-chung-chi"`, "Cài chứng chỉ của máy chủ"},
		"/console/":          {fp, "http://" + strings.TrimPrefix(s.URL, "https://") + "/cai-dat-chung-chi"},
	}
	for path, wants := range pages {
		body := getPage(t, b, path)
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
}

// getPage fetches a page as browser b, logging in to the console first for a console page.
func getPage(t *testing.T, b *client.Browser, path string) string {
	t.Helper()
	ctx := context.Background()
	if strings.HasPrefix(path, "/console/") {
		p, err := b.Get(ctx, "/console/login")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Submit(ctx, apptest.FormWith(t, p.URL.String(), p.Body, "password"), map[string]string{"password": "Quantri@2026"}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := b.Get(ctx, path)
	if err != nil || p.Resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %v", path, err, p)
	}
	return p.Body
}

// A later start on the same data folder serves the same authority and certificate; a start
// whose addresses differ issues a new certificate from the same authority, so phones that
// installed it need nothing new.
func TestHTTPSRestartKeepsTheAuthority(t *testing.T) {
	dir := t.TempDir()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, "tls", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := startHTTPS(t, dir)
	first.stop()
	ca, cert := read("ca.crt"), read("server.crt")

	second := startHTTPS(t, dir)
	second.stop()
	if !bytes.Equal(read("ca.crt"), ca) || !bytes.Equal(read("server.crt"), cert) {
		t.Fatal("the second start on the same addresses changed the authority or the certificate")
	}

	// Another address: the public URL's host joins the machine's addresses.
	third := startHTTPS(t, dir, func(c *app.Config) {
		_, port, _ := net.SplitHostPort(c.Addr)
		c.PublicURL = "https://127.0.0.2:" + port
	})
	third.stop()
	if !bytes.Equal(read("ca.crt"), ca) {
		t.Fatal("a new address replaced the authority: every phone would have to install it again")
	}
	if bytes.Equal(read("server.crt"), cert) {
		t.Fatal("a new address kept the old certificate")
	}
	block, _ := pem.Decode(read("server.crt"))
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "127.0.0.2", Roots: caPool(t, dir)}); err != nil {
		t.Fatalf("the new certificate does not cover the new address: %v", err)
	}
}

// Without -tls there is no authority: /ca.crt says so and how to get HTTPS, and the guide
// explains the other ways to scan.
func TestCertificatePagesOnPlainHTTP(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	resp, body := env.Get(c, "/ca.crt")
	// The page a phone gets says why there is nothing, and what the operator can do.
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Máy chủ đang chạy HTTP nên không có chứng chỉ nào để cài") ||
		!strings.Contains(body, "-tls") {
		t.Fatalf("/ca.crt on plain HTTP: %d\n%s", resp.StatusCode, body)
	}
	b := client.NewBrowser(env.URL, c)
	pages := map[string][]string{
		"/cai-dat-chung-chi": {"Chụp ảnh / chọn ảnh mã QR", "<code>-tls</code>"},
		"/app/":              {`href="/cai-dat-chung-chi"`, "Xem cách bật HTTPS"},
		"/console/":          {"Máy chủ đang chạy HTTP", "<code>-tls</code>", `href="/cai-dat-chung-chi"`},
	}
	for path, wants := range pages {
		body := getPage(t, b, path)
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(env.Config.DataDir, "tls")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("plain HTTP made a tls folder: %v", err)
	}
}

// With the office's certificate there is no authority to install; the server serves that
// certificate, and the portal's backchannel trusts it.
func TestHTTPSWithOfficeCertificate(t *testing.T) {
	dir := t.TempDir()
	// An office certificate for 127.0.0.1, made here by a throwaway authority.
	office, err := tlscert.Local(filepath.Join(dir, "office"), "Office CA", []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := startHTTPS(t, filepath.Join(dir, "data"), func(c *app.Config) {
		c.TLS = false // -tls-cert alone turns HTTPS on
		c.TLSCert, c.TLSKey = filepath.Join(dir, "office", "server.crt"), filepath.Join(dir, "office", "server.key")
	})
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("public URL %s, want https", s.URL)
	}
	roots := x509.NewCertPool()
	roots.AddCert(office.CA)
	b := client.NewBrowser(s.URL, client.NewHTTP(trustingTransport(t, roots)))
	p, err := b.Get(context.Background(), "/ca.crt")
	if err != nil || p.Resp.StatusCode != http.StatusNotFound || !strings.Contains(p.Body, "chứng chỉ của cơ quan") {
		t.Fatalf("/ca.crt with the office's certificate: %v %d\n%s", err, p.Resp.StatusCode, p.Body)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "tls")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the office's certificate made an authority too: %v", err)
	}
	guide := getPage(t, b, "/cai-dat-chung-chi")
	if !strings.Contains(guide, "Máy chủ dùng chứng chỉ HTTPS của cơ quan") || strings.Contains(guide, `href="/ca.crt"`) {
		t.Errorf("the guide offers something to install with the office's certificate:\n%s", guide)
	}
	if strings.Contains(getPage(t, b, "/app/"), `href="/cai-dat-chung-chi"`) {
		t.Error("the phone app sends phones to install a certificate there is none of")
	}
	// Starting a login makes the portal discover the provider over its backchannel.
	if _, err := b.OpenLogin(context.Background(), "/dang-nhap/vneid"); err != nil {
		t.Fatalf("the portal could not reach the provider over HTTPS: %v", err)
	}
	var banner bytes.Buffer
	s.App.PrintBanner(&banner, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1})
	if !strings.Contains(banner.String(), "HTTPS: chứng chỉ của cơ quan CN=dvclogin") {
		t.Errorf("banner lacks the office certificate:\n%s", banner.String())
	}
}

// A client that connects and sends nothing holds up nobody: each connection waits for its
// first byte on its own (the wait is 10 s; the request here gives up after 5).
func TestHTTPSSilentClientHoldsUpNobody(t *testing.T) {
	s := startHTTPS(t, t.TempDir())
	addr := strings.TrimPrefix(s.URL, "https://")
	for range 3 {
		silent, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
	}
	hc := &http.Client{Transport: trustingTransport(t, caPool(t, s.Dir)), Timeout: 5 * time.Second}
	resp, err := hc.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatalf("a request behind silent connections: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
