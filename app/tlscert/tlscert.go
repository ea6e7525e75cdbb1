// Package tlscert gives the server its HTTPS certificate: one signed by a certificate
// authority of its own, kept in the data folder and installed once on the phones, or one the
// office already has.
package tlscert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The files of the local authority, in the folder given to Local.
const (
	CACertFile     = "ca.crt" // PEM; what phones install
	caKeyFile      = "ca.key"
	serverCertFile = "server.crt"
	serverKeyFile  = "server.key"
)

const (
	caLifetime = 10 * 365 * 24 * time.Hour
	// serverLifetime is the longest validity Apple accepts for a server certificate, even one
	// from an authority the user installed.
	serverLifetime = 825 * 24 * time.Hour
	// renewBefore renews a certificate this long before it expires, so that a server started
	// the day before never serves an expired one the next week.
	renewBefore = 30 * 24 * time.Hour
	// backdate covers a phone whose clock runs a little behind the server's.
	backdate = time.Hour
)

// Certificate is what the server serves HTTPS with.
type Certificate struct {
	TLS tls.Certificate   // the chain and its key; TLS.Leaf is set
	CA  *x509.Certificate // the local authority that signed it; nil for the office's own certificate

	// What this start did, for the log: made a new authority, and why it issued the server
	// certificate ("" when the one on disk was still right).
	CACreated bool
	Issued    string
}

// Fingerprint is the SHA-256 of a certificate's DER as colon-separated hex pairs, as phones
// and browsers show it.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	return strings.Join(pairs, ":")
}

// Local returns the server certificate of the authority in dir for hosts (IP addresses and
// DNS names), making the authority on first use (named caName) and issuing the certificate
// again when hosts changed, it nears its end, or it is not the authority's. The authority is
// kept as long as it is valid: phones trust it, and a new one would have to be installed on
// every phone again.
func Local(dir, caName string, hosts []string, now time.Time) (*Certificate, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ca, caKey, created, err := loadOrCreateCA(dir, caName, now)
	if err != nil {
		return nil, err
	}
	out := &Certificate{CA: ca, CACreated: created}
	ips, names := splitHosts(hosts)
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, serverCertFile), filepath.Join(dir, serverKeyFile))
	if err == nil {
		out.Issued = staleReason(cert.Leaf, ca, ips, names, now)
	} else if errors.Is(err, fs.ErrNotExist) {
		out.Issued = "none yet"
	} else {
		out.Issued = "unreadable: " + err.Error()
	}
	if out.Issued != "" {
		if cert, err = issueServer(dir, ca, caKey, ips, names, now); err != nil {
			return nil, err
		}
	}
	out.TLS = cert
	return out, nil
}

// Office loads the office's certificate (PEM, the chain after the server's own) and key, and
// refuses a pair that does not match or a certificate that is not valid now.
func Office(certFile, keyFile string, now time.Time) (*Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("certificate %s with key %s: %w", certFile, keyFile, err)
	}
	leaf := cert.Leaf
	switch {
	case now.After(leaf.NotAfter):
		return nil, fmt.Errorf("certificate %s (%s) expired on %s", certFile, leaf.Subject, leaf.NotAfter.Format(time.DateOnly))
	case now.Before(leaf.NotBefore):
		return nil, fmt.Errorf("certificate %s (%s) is valid only from %s", certFile, leaf.Subject, leaf.NotBefore.Format(time.DateOnly))
	}
	return &Certificate{TLS: cert}, nil
}

// Roots returns the pool a client of this server needs: the local authority, or, for the
// office's certificate, the system's roots and the certificate's own chain (an office's
// internal authority is seldom in the system's store).
func (c *Certificate) Roots() *x509.CertPool {
	if c.CA != nil {
		p := x509.NewCertPool()
		p.AddCert(c.CA)
		return p
	}
	p, err := x509.SystemCertPool()
	if err != nil {
		p = x509.NewCertPool()
	}
	for _, der := range c.TLS.Certificate {
		if cert, err := x509.ParseCertificate(der); err == nil {
			p.AddCert(cert)
		}
	}
	return p
}

// loadOrCreateCA loads the authority, or makes one when its certificate is missing (no phone
// can have installed an authority whose certificate was never written) or has run out. A
// certificate without its key is an error: phones may trust it, and only the operator can
// decide to replace it.
func loadOrCreateCA(dir, name string, now time.Time) (*x509.Certificate, crypto.Signer, bool, error) {
	certPath, keyPath := filepath.Join(dir, CACertFile), filepath.Join(dir, caKeyFile)
	certPEM, err := os.ReadFile(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		ca, key, err := createCA(dir, name, now)
		return ca, key, true, err
	}
	if err != nil {
		return nil, nil, false, err
	}
	ca, key, err := parseCA(certPEM, keyPath)
	if err != nil {
		return nil, nil, false, fmt.Errorf("%s: %w (delete the folder %s to make a new authority; every phone must then install it again)",
			certPath, err, dir)
	}
	if !now.Add(renewBefore).Before(ca.NotAfter) {
		ca, key, err := createCA(dir, name, now)
		return ca, key, true, err
	}
	return ca, key, false, nil
}

func parseCA(certPEM []byte, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, errors.New("not a PEM certificate")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, err
	}
	if !ca.IsCA {
		return nil, nil, errors.New("not a certificate authority")
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	block, _ = pem.Decode(keyPEM)
	if block == nil {
		return nil, nil, fmt.Errorf("%s: not a PEM key", keyPath)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	key, ok := k.(crypto.Signer)
	if !ok || !publicKeysEqual(key.Public(), ca.PublicKey) {
		return nil, nil, fmt.Errorf("%s is not the key of this certificate", keyPath)
	}
	return ca, key, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

func createCA(dir, name string, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"dvclogin"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// It signs server certificates only, never another authority.
		MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	// The key first: a crash between the two writes leaves no certificate, so the next start
	// makes a new authority instead of refusing one without its key.
	if err := writeKey(filepath.Join(dir, caKeyFile), key); err != nil {
		return nil, nil, err
	}
	return ca, key, writePEM(filepath.Join(dir, CACertFile), "CERTIFICATE", der, 0o644)
}

// staleReason says why the server certificate on disk must be issued again, or "".
func staleReason(leaf, ca *x509.Certificate, ips []net.IP, names []string, now time.Time) string {
	switch {
	case leaf.CheckSignatureFrom(ca) != nil:
		return "not signed by the current authority"
	case !now.Add(renewBefore).Before(leaf.NotAfter):
		return "expires on " + leaf.NotAfter.Format(time.DateOnly)
	case now.Before(leaf.NotBefore):
		return "not valid yet"
	case !sameHosts(leaf, ips, names):
		return "addresses or host name changed"
	}
	return ""
}

func issueServer(dir string, ca *x509.Certificate, caKey crypto.Signer, ips []net.IP, names []string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	sn, err := serial()
	if err != nil {
		return tls.Certificate{}, err
	}
	notAfter := now.Add(-backdate).Add(serverLifetime)
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: "dvclogin", Organization: []string{"dvclogin"}},
		NotBefore:    now.Add(-backdate),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		// Apple refuses a server certificate without serverAuth, from any authority.
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: ips,
		DNSNames:    names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := writeKey(filepath.Join(dir, serverKeyFile), key); err != nil {
		return tls.Certificate{}, err
	}
	if err := writePEM(filepath.Join(dir, serverCertFile), "CERTIFICATE", der, 0o644); err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// splitHosts sorts hosts into IP addresses and lower-case DNS names, each once and in order.
func splitHosts(hosts []string) ([]net.IP, []string) {
	var ips []net.IP
	var names []string
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else if h != "" {
			names = append(names, strings.ToLower(h))
		}
	}
	slices.SortFunc(ips, func(a, b net.IP) int { return strings.Compare(a.String(), b.String()) })
	ips = slices.CompactFunc(ips, net.IP.Equal)
	slices.Sort(names)
	return ips, slices.Compact(names)
}

// sameHosts reports whether leaf names exactly ips and names.
func sameHosts(leaf *x509.Certificate, ips []net.IP, names []string) bool {
	got, gotNames := splitHosts(append(ipStrings(leaf.IPAddresses), leaf.DNSNames...))
	return slices.EqualFunc(got, ips, net.IP.Equal) && slices.Equal(gotNames, names)
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

// serial is a random positive 127-bit serial number.
func serial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(path, "PRIVATE KEY", der, 0o600)
}

// writePEM replaces path with one PEM block, through a temporary file and a rename, so that a
// crash never leaves half a key.
func writePEM(path, typ string, der []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := pem.Encode(f, &pem.Block{Type: typ, Bytes: der}); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
