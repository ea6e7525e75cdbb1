package app

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/phone"
	"dvclogin/app/tlscert"
	"dvclogin/app/web"
)

// loadCertificate gives the server its HTTPS certificate when the configuration asks for
// HTTPS: the office's, or one from the server's own authority in DataDir/tls for every
// address a phone may use. Certificates are dated by the real clock, never the configured
// one: phones check them against theirs.
func (a *App) loadCertificate() error {
	cfg := a.cfg
	if !cfg.TLS {
		return nil
	}
	now := time.Now()
	if cfg.TLSCert != "" {
		cert, err := tlscert.Office(cfg.TLSCert, cfg.TLSKey, now)
		if err != nil {
			return err
		}
		if err := cert.TLS.Leaf.VerifyHostname(a.publicURL.Hostname()); err != nil {
			cfg.Logger.Warn("the office certificate does not name the public URL's host: phones will warn", "host", a.publicURL.Hostname(), "err", err)
		}
		a.cert = cert
		return nil
	}
	host, _ := os.Hostname()
	cert, err := tlscert.Local(filepath.Join(cfg.DataDir, "tls"), strings.TrimSpace("dvclogin local CA "+host),
		certificateHosts(host, a.publicURL.Hostname()), now)
	if err != nil {
		return err
	}
	if cert.CACreated {
		cfg.Logger.Warn("made a new certificate authority: phones must install it (the page /cai-dat-chung-chi says how)",
			"sha256", tlscert.Fingerprint(cert.CA.Raw))
	}
	if cert.Issued != "" {
		cfg.Logger.Info("issued the server certificate", "why", cert.Issued, "ips", cert.TLS.Leaf.IPAddresses, "names", cert.TLS.Leaf.DNSNames)
	}
	a.cert = cert
	return nil
}

// dnsName is a host name a certificate can carry.
var dnsName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// certificateHosts are the names the server certificate covers: every LAN address (the list
// the public URL is picked from), the loopback addresses, localhost, the machine's host name
// and the public URL's host.
func certificateHosts(hostname, publicHost string) []string {
	hosts := []string{"127.0.0.1", "::1", "localhost", publicHost}
	for _, ip := range LANAddresses() {
		hosts = append(hosts, ip.String())
	}
	if h := strings.ToLower(hostname); dnsName.MatchString(h) {
		hosts = append(hosts, h)
	}
	return hosts
}

// tlsConfig is the HTTPS configuration: TLS 1.2 or later, HTTP/2 offered.
func (a *App) tlsConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{a.cert.TLS},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
}

// httpsInfo is what the pages say about HTTPS, and where a phone reads how to trust it.
func (a *App) httpsInfo() web.HTTPS {
	guide := url.URL{Scheme: a.publicURL.Scheme, Host: a.publicURL.Host, Path: phone.GuidePath}
	if a.cert == nil {
		return web.HTTPS{GuideURL: guide.String()}
	}
	leaf := a.cert.TLS.Leaf
	h := web.HTTPS{On: true, Subject: leaf.Subject.String(), NotAfter: leaf.NotAfter}
	if a.cert.CA != nil {
		h.CA, h.CAName, h.Fingerprint = a.cert.CA.Raw, a.cert.CA.Subject.CommonName, tlscert.Fingerprint(a.cert.CA.Raw)
		guide.Scheme = "http" // the phone does not trust the server yet
	}
	h.GuideURL = guide.String()
	return h
}

// upgradePlainHTTP answers a plain-HTTP request on the HTTPS port with a redirect to the same
// path on the public URL. It serves over plain HTTP what a phone needs before it trusts the
// server's authority (the install page, the authority, the page's style sheet), on the public
// host, and /healthz for monitors. The redirect is temporary on purpose: a permanent one,
// like HSTS, would be remembered by browsers and lock them out of the server once it runs
// plain HTTP again.
func (a *App) upgradePlainHTTP(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.TLS != nil || r.URL.Path == "/healthz" {
			return next(c)
		}
		target := url.URL{Scheme: "https", Host: a.publicURL.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
		if neededBeforeTrust(r) {
			if r.Host == a.publicURL.Host {
				return next(c)
			}
			target.Scheme = "http" // the phone does not trust the server yet
		}
		code := http.StatusFound
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusTemporaryRedirect
		}
		return c.Redirect(code, target.String())
	}
}

// neededBeforeTrust reports whether a phone may need r before it trusts the server's
// authority: reading the install page, with its style sheet, and fetching the authority.
func neededBeforeTrust(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	return p == phone.GuidePath || p == phone.CAPath || strings.HasPrefix(p, "/static/")
}

// tlsRecordHandshake is the first byte of every TLS connection (a handshake record); an HTTP
// request starts with a method's capital letter.
const tlsRecordHandshake = 0x16

// sniffTimeout drops a connection that sends nothing, as http.Server drops one that sends no
// request header.
const sniffTimeout = 10 * time.Second

// httpsListener serves HTTPS and plain HTTP on one port, told apart by the first byte a
// client sends. It hands http.Server a *tls.Conn for HTTPS, so the server does the handshake,
// offers HTTP/2 and fills Request.TLS, and the bare connection for plain HTTP, which
// upgradePlainHTTP then redirects. Each connection waits for its first byte on its own
// goroutine: one silent client never holds up the others.
type httpsListener struct {
	net.Listener
	config *tls.Config
	conns  chan net.Conn
	errs   chan error
	done   chan struct{}
	once   sync.Once
}

func newHTTPSListener(ln net.Listener, config *tls.Config) *httpsListener {
	l := &httpsListener{Listener: ln, config: config, conns: make(chan net.Conn), errs: make(chan error),
		done: make(chan struct{})}
	go l.acceptLoop()
	return l
}

func (l *httpsListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			// Handed to Accept, whose caller backs off on a passing error (too many open
			// files) and stops on a lasting one; the unbuffered channel paces this loop to it.
			select {
			case l.errs <- err:
			case <-l.done:
				return
			}
			continue
		}
		go l.sniff(c)
	}
}

func (l *httpsListener) sniff(c net.Conn) {
	first := make([]byte, 1)
	c.SetReadDeadline(time.Now().Add(sniffTimeout))
	if _, err := io.ReadFull(c, first); err != nil {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	var conn net.Conn = &sniffedConn{Conn: c, first: first}
	if first[0] == tlsRecordHandshake {
		conn = tls.Server(conn, l.config)
	}
	select {
	case l.conns <- conn:
	case <-l.done:
		c.Close()
	}
}

// Accept returns the next connection whose first byte has arrived.
func (l *httpsListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting; connections still waiting for their first byte are closed.
func (l *httpsListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// sniffedConn gives back the byte read to tell HTTPS from HTTP before the rest.
type sniffedConn struct {
	net.Conn
	first []byte
}

func (c *sniffedConn) Read(p []byte) (int, error) {
	if len(c.first) > 0 && len(p) > 0 {
		n := copy(p, c.first)
		c.first = c.first[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite lets http.Server half-close a plain connection after an error answer, as it does
// a bare TCP one, so the client reads the answer before the connection ends.
func (c *sniffedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// idpRoots are the authorities the portal's backchannel to the identity provider trusts: the
// provider is this server at its public URL, so with HTTPS they are those of its own
// certificate; nil (the system's) on plain HTTP.
func (a *App) idpRoots() *x509.CertPool {
	if a.cert == nil {
		return nil
	}
	return a.cert.Roots()
}
