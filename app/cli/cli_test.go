package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"dvclogin/app/tlscert"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunUnknownCommandListsTheCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"bogus"}, Streams{Out: &out, Err: &errOut})
	if err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Fatalf("Run(bogus) = %v, want an unknown-command error naming it", err)
	}
	for name := range commands {
		if !strings.Contains(errOut.String(), name) {
			t.Errorf("usage on stderr does not list %q:\n%s", name, errOut.String())
		}
	}
}

func TestParseServeFlags(t *testing.T) {
	t.Setenv("DVC_ADDR", "127.0.0.1:9999")
	t.Setenv("DVC_SECOND_FACTOR", "app")
	tests := []struct {
		name string
		args []string
		ok   bool
		addr string
	}{
		{"EnvDefault", nil, true, "127.0.0.1:9999"},
		{"FlagWins", []string{"-addr", "127.0.0.1:7000"}, true, "127.0.0.1:7000"},
		{"ServeAfterFlags", []string{"-addr", "127.0.0.1:7000", "serve"}, true, "127.0.0.1:7000"},
		{"FlagsAroundServe", []string{"-seed=false", "serve", "-addr", "127.0.0.1:7000"}, true, "127.0.0.1:7000"},
		{"ErrServeTwice", []string{"serve", "serve"}, false, ""},
		{"ErrStrayArgument", []string{"-addr", "127.0.0.1:7000", "extra"}, false, ""},
		{"ErrBadFactor", []string{"-second-factor", "email"}, false, ""},
		{"ErrUnknownFlag", []string{"-nope"}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := parseServeFlags(tc.args, &bytes.Buffer{})
			if (err == nil) != tc.ok {
				t.Fatalf("parseServeFlags(%q) err = %v, want ok=%v", tc.args, err, tc.ok)
			}
			if tc.ok && (cfg.Addr != tc.addr || cfg.SecondFactor != "app") {
				t.Fatalf("addr %q factor %q, want %q app", cfg.Addr, cfg.SecondFactor, tc.addr)
			}
		})
	}
}

// -trusted-proxies names the load balancers whose X-Forwarded-For is believed; anything but
// CIDRs is refused.
func TestServeTrustedProxies(t *testing.T) {
	cfg, _, err := parseServeFlags([]string{"-trusted-proxies", "10.0.0.0/24, 192.0.2.7/32"}, &bytes.Buffer{})
	if err != nil || len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1] != "192.0.2.7/32" {
		t.Fatalf("trusted proxies %q, %v", cfg.TrustedProxies, err)
	}
	t.Setenv("DVC_TRUSTED_PROXIES", "10.0.0.5")
	if _, _, err := parseServeFlags(nil, &bytes.Buffer{}); err == nil {
		t.Fatal("a trusted proxy that is not a CIDR was taken")
	}
}

// Flags follow "serve" as they follow every command: Run hands them to the server.
func TestServeTakesFlagsAfterIt(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"serve", "-addr", "256.0.0.1:1", "-version"}, Streams{Out: &out, Err: &errOut})
	if err != nil || !strings.HasPrefix(out.String(), "dvclogin ") {
		t.Fatalf("serve -addr X -version: %v\n%s%s", err, out.String(), errOut.String())
	}
}

// syncBuffer is a buffer a command writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestServeStartsAndStops runs the default command as a user would, on a free port and a
// fresh data folder: it prints the banner once it listens, and stops when its context ends.
func TestServeStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-admin-password", "Op-secret-2026"},
			Streams{Out: &out, Err: &errOut})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "/console/") {
		select {
		case err := <-done:
			t.Fatalf("serve ended before its banner: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner after 30 s:\n%s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
}

// freePort returns a loopback address nobody listens on: the public URL of a -tls start must
// name the real port.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runUntilBanner runs the server command with args and waits for its banner; the returned
// function stops it and returns its error.
func runUntilBanner(t *testing.T, args []string) (banner string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- Run(ctx, args, Streams{Out: &out, Err: &errOut}) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "/console/") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended before its banner: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no banner after 30 s:\n%s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var once sync.Once
	var stopErr error
	return out.String(), func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(20 * time.Second):
				stopErr = errors.New("serve did not stop when its context ended")
			}
		})
		return stopErr
	}
}

// `dvclogin -tls` serves HTTPS that a client trusting only the authority in DATA/tls/ca.crt
// accepts, and its banner prints that authority's fingerprint.
func TestServeTLS(t *testing.T) {
	addr, data := freePort(t), t.TempDir()
	banner, stop := runUntilBanner(t, []string{"-tls", "-addr", addr, "-public-url", "https://" + addr, "-data", data,
		"-admin-password", "Op-secret-2026"})
	defer stop()

	pemBytes, err := os.ReadFile(filepath.Join(data, "tls", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("tls/ca.crt is not PEM")
	}
	if fp := tlscert.Fingerprint(block.Bytes); !strings.Contains(banner, fp) {
		t.Errorf("banner lacks the authority's fingerprint %s:\n%s", fp, banner)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemBytes)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 10 * time.Second}
	resp, err := hc.Get("https://" + addr + "/idp/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"issuer":"https://`+addr+`/idp"`) {
		t.Fatalf("discovery over HTTPS: %d\n%s", resp.StatusCode, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// A start with a wrong office certificate stops at once and says why.
func TestServeTLSRefusesBadCertificate(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b"} {
		if _, err := tlscert.Local(filepath.Join(dir, name), name, []string{"127.0.0.1"}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	certA, keyB := filepath.Join(dir, "a", "server.crt"), filepath.Join(dir, "b", "server.key")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"ErrMismatchedPair", []string{"-tls-cert", certA, "-tls-key", keyB}, "private key does not match"},
		{"ErrCertWithoutKey", []string{"-tls-cert", certA}, "-tls-cert and -tls-key (DVC_TLS_CERT, DVC_TLS_KEY) go together"},
		{"ErrMissingFile", []string{"-tls-cert", filepath.Join(dir, "none.crt"), "-tls-key", keyB}, "none.crt"},
		{"ErrPlainPublicURL", []string{"-tls", "-public-url", "http://127.0.0.1:8443"}, "must start with https://"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-addr", freePort(t), "-data", t.TempDir(), "-admin-password", "Op-secret-2026"}, tc.args...)
			var out, errOut syncBuffer
			err := Run(context.Background(), args, Streams{Out: &out, Err: &errOut})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error saying %q", err, tc.want)
			}
			if strings.Contains(out.String(), "/console/") {
				t.Error("the banner was printed: the server started")
			}
		})
	}
}

// -retention sets the named retentions and leaves the others at their defaults; the attempt
// retention stays at the rules' window unless -retention-below-rules says otherwise.
func TestParseServeFlagsRetention(t *testing.T) {
	args := []string{"-retention", "messages=2m,audit-max=50,sessions=45m,attempts=1m", "-session-idle", "40m", "-purge-every", "10s"}
	cfg, _, err := parseServeFlags(args, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Retention
	if r.Messages != 2*time.Minute || r.AuditEventsMax != 50 || r.IdleSessions != 45*time.Minute || cfg.PurgeEvery != 10*time.Second {
		t.Fatalf("retention %+v, purge every %v", r, cfg.PurgeEvery)
	}
	if r.Tokens != 24*time.Hour || r.LoginAttempts < time.Hour {
		t.Fatalf("tokens kept %v (want the default 24h), attempts %v (want at least the rules' hour)", r.Tokens, r.LoginAttempts)
	}
	cfg, _, err = parseServeFlags(append(args, "-retention-below-rules"), &bytes.Buffer{})
	if err != nil || cfg.Retention.LoginAttempts != time.Minute {
		t.Fatalf("with -retention-below-rules: attempts kept %v, err %v; want 1m", cfg.Retention.LoginAttempts, err)
	}
	// Idle sessions are kept at least the idle timeout, whatever the flag says.
	cfg, _, err = parseServeFlags([]string{"-retention", "sessions=1m", "-retention-below-rules"}, &bytes.Buffer{})
	if err != nil || cfg.Retention.IdleSessions != 30*time.Minute {
		t.Fatalf("idle sessions kept %v, err %v; want the 30m idle timeout", cfg.Retention.IdleSessions, err)
	}
	for _, bad := range []string{"messages", "messages=0s", "nope=1m", "audit-max=x"} {
		if _, _, err := parseServeFlags([]string{"-retention", bad}, &bytes.Buffer{}); err == nil {
			t.Errorf("-retention %q accepted", bad)
		}
	}
}
