package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

var (
	start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	hosts = []string{"127.0.0.1", "::1", "localhost", "192.168.1.23", "fd00::23", "laptop-ab12"}
)

func mustLocal(t *testing.T, dir string, hosts []string, now time.Time) *Certificate {
	t.Helper()
	c, err := Local(dir, "dvclogin local CA laptop-ab12", hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// verify checks the server certificate against the authority alone, for a host, at a time.
func verify(t *testing.T, c *Certificate, host string, at time.Time) error {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(c.CA)
	_, err := c.TLS.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

func TestLocalFirstStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	c := mustLocal(t, dir, hosts, start)
	if !c.CACreated || c.Issued == "" {
		t.Fatalf("first start: CACreated=%v Issued=%q, want a new authority and a new certificate", c.CACreated, c.Issued)
	}
	for _, h := range hosts {
		if err := verify(t, c, h, start); err != nil {
			t.Errorf("certificate for %s: %v", h, err)
		}
	}
	if err := verify(t, c, "192.168.1.99", start); err == nil {
		t.Error("the certificate covers an address it was not asked for")
	}

	ca, leaf := c.CA, c.TLS.Leaf
	if ca.Subject.CommonName != "dvclogin local CA laptop-ab12" || !ca.IsCA || !ca.MaxPathLenZero {
		t.Errorf("authority %q IsCA=%v MaxPathLenZero=%v", ca.Subject.CommonName, ca.IsCA, ca.MaxPathLenZero)
	}
	if got := ca.NotAfter.Sub(start); got < 9*365*24*time.Hour || got > 11*365*24*time.Hour {
		t.Errorf("authority lives %v, want about 10 years", got)
	}
	// Apple refuses longer-lived server certificates and ones without serverAuth.
	if got := leaf.NotAfter.Sub(leaf.NotBefore); got > 825*24*time.Hour {
		t.Errorf("server certificate lives %v, more than 825 days", got)
	}
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || leaf.IsCA {
		t.Errorf("server certificate EKU %v IsCA %v", leaf.ExtKeyUsage, leaf.IsCA)
	}
	for _, cert := range []*x509.Certificate{ca, leaf} {
		if k, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
			t.Errorf("%s: key %T, want ECDSA P-256", cert.Subject.CommonName, cert.PublicKey)
		}
	}

	for name, want := range map[string]os.FileMode{"ca.key": 0o600, "server.key": 0o600, "ca.crt": 0o644, "server.crt": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestLocalLaterStarts(t *testing.T) {
	tests := []struct {
		name    string
		hosts   []string
		at      time.Duration // after the first start
		renewed string        // why the certificate is issued again; "" = reused
	}{
		{"OKSameHosts", hosts, 24 * time.Hour, ""},
		{"OKSameHostsOtherOrder", append([]string{"laptop-ab12", "LOCALHOST", "::1"}, hosts...), 0, ""},
		{"NewAddress", append([]string{"10.0.0.7"}, hosts...), 0, "addresses or host name changed"},
		{"AddressGone", hosts[1:], 0, "addresses or host name changed"},
		{"NewHostName", append(hosts[:5:5], "laptop-cd34"), 0, "addresses or host name changed"},
		{"NearExpiry", hosts, 800 * 24 * time.Hour, "expires on"},
		{"ClockWentBack", hosts, -48 * time.Hour, "not valid yet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			first := mustLocal(t, dir, hosts, start)
			caFile := readFile(t, dir, CACertFile)
			c := mustLocal(t, dir, tc.hosts, start.Add(tc.at))
			if c.CACreated || !c.CA.Equal(first.CA) || readFile(t, dir, CACertFile) != caFile {
				t.Fatal("the authority changed: every phone would have to install it again")
			}
			if !strings.HasPrefix(c.Issued, tc.renewed) || (tc.renewed == "") != (c.Issued == "") {
				t.Fatalf("Issued = %q, want %q", c.Issued, tc.renewed)
			}
			same := c.TLS.Leaf.Equal(first.TLS.Leaf)
			if same != (tc.renewed == "") {
				t.Fatalf("server certificate reused = %v, want %v", same, tc.renewed == "")
			}
			// Before the authority's own start nothing verifies; the renewed certificate is
			// valid from then on.
			at := start.Add(max(tc.at, 0))
			for _, h := range tc.hosts {
				if err := verify(t, c, h, at); err != nil {
					t.Errorf("certificate for %s: %v", h, err)
				}
			}
			// What the next start finds on disk is what this one serves.
			again := mustLocal(t, dir, tc.hosts, start.Add(tc.at))
			if again.Issued != "" || !again.TLS.Leaf.Equal(c.TLS.Leaf) {
				t.Errorf("the start after that issued again: %q", again.Issued)
			}
		})
	}
}

func TestLocalDamagedFiles(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(dir string) error
		wantErr string // "" = the start goes on
		newCA   bool
	}{
		{"ServerKeyGone", func(dir string) error { return os.Remove(filepath.Join(dir, "server.key")) }, "", false},
		{"ServerCertGarbage", func(dir string) error { return os.WriteFile(filepath.Join(dir, "server.crt"), []byte("x"), 0o644) }, "", false},
		// No certificate: no phone can have installed it.
		{"CACertGone", func(dir string) error { return os.Remove(filepath.Join(dir, CACertFile)) }, "", true},
		// Phones may trust this authority: replacing it is the operator's decision.
		{"ErrCAKeyGone", func(dir string) error { return os.Remove(filepath.Join(dir, "ca.key")) }, "delete the folder", false},
		{"ErrCAKeyOfAnother", func(dir string) error {
			other := t.TempDir()
			mustLocal(t, other, hosts, start)
			return os.WriteFile(filepath.Join(dir, "ca.key"), []byte(readFile(t, other, "ca.key")), 0o600)
		}, "is not the key of this certificate", false},
		{"ErrCACertGarbage", func(dir string) error { return os.WriteFile(filepath.Join(dir, CACertFile), []byte("x"), 0o644) }, "not a PEM certificate", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			first := mustLocal(t, dir, hosts, start)
			if err := tc.damage(dir); err != nil {
				t.Fatal(err)
			}
			c, err := Local(dir, "dvclogin local CA laptop-ab12", hosts, start)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.CACreated != tc.newCA || c.CA.Equal(first.CA) == tc.newCA {
				t.Errorf("CACreated = %v, want %v", c.CACreated, tc.newCA)
			}
			if err := verify(t, c, "192.168.1.23", start); err != nil {
				t.Error(err)
			}
		})
	}
}

// An authority at the end of its ten years is replaced (with the log saying phones must
// install the new one) rather than sign certificates that outlive it.
func TestLocalReplacesExpiringCA(t *testing.T) {
	dir := t.TempDir()
	first := mustLocal(t, dir, hosts, start)
	later := first.CA.NotAfter.Add(-24 * time.Hour)
	c := mustLocal(t, dir, hosts, later)
	if !c.CACreated || c.CA.Equal(first.CA) || c.Issued != "not signed by the current authority" {
		t.Fatalf("CACreated=%v Issued=%q", c.CACreated, c.Issued)
	}
	if err := verify(t, c, "localhost", later); err != nil {
		t.Fatal(err)
	}
}

// The server certificate never outlives its authority.
func TestLocalServerCertEndsWithCA(t *testing.T) {
	dir := t.TempDir()
	first := mustLocal(t, dir, hosts, start)
	late := first.CA.NotAfter.Add(-100 * 24 * time.Hour)
	c := mustLocal(t, dir, []string{"localhost"}, late)
	if c.CACreated || c.TLS.Leaf.NotAfter.After(c.CA.NotAfter) {
		t.Fatalf("server certificate ends %v, after its authority (%v)", c.TLS.Leaf.NotAfter, c.CA.NotAfter)
	}
}

func TestOffice(t *testing.T) {
	dir := t.TempDir()
	certA, keyA := writeSelfSigned(t, dir, "a", start.Add(-time.Hour), start.Add(90*24*time.Hour))
	_, keyB := writeSelfSigned(t, dir, "b", start.Add(-time.Hour), start.Add(90*24*time.Hour))
	expired, expiredKey := writeSelfSigned(t, dir, "old", start.Add(-90*24*time.Hour), start.Add(-time.Hour))
	future, futureKey := writeSelfSigned(t, dir, "new", start.Add(24*time.Hour), start.Add(90*24*time.Hour))
	tests := []struct {
		name, cert, key, wantErr string
	}{
		{"OK", certA, keyA, ""},
		{"ErrMismatchedKey", certA, keyB, "private key does not match"},
		{"ErrExpired", expired, expiredKey, "expired on"},
		{"ErrNotYetValid", future, futureKey, "is valid only from"},
		{"ErrMissing", filepath.Join(dir, "none.crt"), keyA, "none.crt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Office(tc.cert, tc.key, start)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.CA != nil || c.TLS.Leaf.Subject.CommonName != "a.office.example" {
				t.Fatalf("CA %v, leaf %v", c.CA, c.TLS.Leaf.Subject)
			}
			// A client of the server trusts the office's certificate through Roots.
			if _, err := c.TLS.Leaf.Verify(x509.VerifyOptions{DNSName: "a.office.example", Roots: c.Roots(), CurrentTime: start}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	got := Fingerprint([]byte("abc"))
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(got) || !strings.HasPrefix(got, "BA:78:16:BF") {
		t.Fatalf("Fingerprint = %q", got)
	}
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeSelfSigned writes a self-signed certificate for NAME.office.example and its key as
// PEM files, and returns their paths.
func writeSelfSigned(t *testing.T, dir, name string, notBefore, notAfter time.Time) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	host := name + ".office.example"
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: notBefore, NotAfter: notAfter, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}
