package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"dvclogin/app/web"
	"dvclogin/store"
)

// Config is everything the application needs to start. main fills it from flags and the
// environment; tests build it as a literal on top of DefaultConfig.
type Config struct {
	Addr          string // listen address
	DataDir       string // folder for the database (SQLite) and the TLS authority
	DB            string // PostgreSQL URL (postgres://…) of the database; "" = SQLite in DataDir
	PublicURL     string // base URL in QR codes and the OIDC issuer; "" = derived from Addr
	Seed          bool   // create the demo citizens on an empty database
	AdminPassword string // console password; "" = keep the stored one or generate one

	TLS     bool   // serve HTTPS, with a certificate from the server's own authority in DataDir/tls
	TLSCert string // or with the office's certificate (PEM, chain after it) and key; implies TLS
	TLSKey  string

	Limits    web.Limits
	Retention store.Retention // how long growing tables keep rows; Validate raises it to cover Limits
	// RetentionBelowRules keeps the attempt and SMS retentions as set even when shorter than
	// the windows the rules count: the rules then forget older failures. Demonstrations of the
	// purge only (a soak that must outlast every retention in minutes).
	RetentionBelowRules bool
	PurgeEvery          time.Duration // how often the janitor purges; 0 = every minute
	Argon2              web.Argon2Params
	HashWait            time.Duration // the longest a login's password hash may be expected to wait for a core; beyond it, 429
	SecondFactor        string        // default second factor of the direct login: sms | app

	SMSCommand string // optional: run COMMAND <phone> <text> for every SMS (e.g. a GSM modem tool)
	SMSWebhook string // optional: POST every SMS as JSON to this URL

	TrustedProxies []string // CIDRs whose X-Forwarded-For is believed; empty = use the peer address

	Now    func() time.Time // clock; tests inject a fake
	Logger *slog.Logger
}

// DefaultConfig returns the documented defaults (README: "Command line" and "Security rules and default limits").
func DefaultConfig() Config {
	return Config{
		Addr:         ":8080",
		DataDir:      "./data",
		Seed:         true,
		Limits:       web.DefaultLimits(),
		Retention:    store.DefaultRetention(),
		Argon2:       web.DefaultArgon2,
		HashWait:     time.Second,
		SecondFactor: "sms",
		Now:          time.Now,
		Logger:       slog.Default(),
	}
}

// Validate checks the configuration and fills derived values (the public URL).
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr must not be empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data folder must not be empty"))
	}
	if c.DB != "" && !store.IsPostgresURL(c.DB) {
		errs = append(errs, errors.New("-db (DVC_DB) must be a PostgreSQL URL: postgres://USER:PASSWORD@HOST:PORT/DATABASE; leave it empty for SQLite in the data folder"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("-tls-cert and -tls-key (DVC_TLS_CERT, DVC_TLS_KEY) go together: the certificate and its private key"))
	}
	c.TLS = c.TLS || c.TLSCert != ""
	if c.PublicURL == "" {
		c.PublicURL = DefaultPublicURL(c.Addr)
		if c.TLS {
			c.PublicURL = "https://" + strings.TrimPrefix(c.PublicURL, "http://")
		}
	}
	u, err := url.Parse(strings.TrimRight(c.PublicURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		errs = append(errs, fmt.Errorf("public URL %q must look like http://HOST:PORT (no path)", c.PublicURL))
	} else {
		c.PublicURL = u.Scheme + "://" + u.Host
		if c.TLS && u.Scheme != "https" {
			errs = append(errs, fmt.Errorf("public URL %q must start with https:// when the server serves HTTPS", c.PublicURL))
		}
	}
	if c.SecondFactor != "sms" && c.SecondFactor != "app" {
		errs = append(errs, fmt.Errorf("second factor %q must be sms or app", c.SecondFactor))
	}
	var weak *web.Error
	if c.AdminPassword != "" && errors.As(web.CheckPassword(c.AdminPassword, "", ""), &weak) {
		errs = append(errs, fmt.Errorf("admin password refused: %v (at least %d characters, not a common password)",
			weak.Err, web.MinPasswordLen))
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			errs = append(errs, fmt.Errorf("trusted proxy %q is not a CIDR", p))
		}
	}
	l := c.Limits
	if l.PasswordMaxFailures < 1 || l.OTPMaxFailures < 1 || l.OTPAccountMax < 1 || l.PasscodeLockAt < 1 || l.IPMaxFailures < 1 ||
		l.ConsoleIPMaxFailures < 1 || l.ConsoleMaxFailures < 1 {
		errs = append(errs, errors.New("failure limits must be at least 1"))
	}
	if l.SMSAccountMax < 1 || l.SMSAccountHourMax < 1 || l.SMSIPHourMax < 1 {
		errs = append(errs, errors.New("SMS budgets must be at least 1"))
	}
	if l.SMSAccountWindow <= 0 || l.SMSAccountWindow > time.Hour {
		errs = append(errs, errors.New("the short SMS window must be positive and at most an hour"))
	}
	if l.QRFrameStep <= 0 || l.QRFrameAccept < l.QRFrameStep || l.QRLoginTTL < l.QRFrameStep {
		errs = append(errs, errors.New("QR timings: frame step > 0, accept window and login lifetime at least one step"))
	}
	if l.OTPTTL <= 0 || l.SessionIdle <= 0 || l.SessionAbsolute <= 0 || l.AppSessionTTL <= 0 || l.AccessTokenTTL <= 0 {
		errs = append(errs, errors.New("lifetimes must be positive"))
	}
	// Purging attempts or sent SMS a rule still counts would quietly shorten the rule.
	if !c.RetentionBelowRules {
		c.Retention.LoginAttempts = max(c.Retention.LoginAttempts, l.AttemptWindow())
		c.Retention.SMSSends = max(c.Retention.SMSSends, l.SMSWindow())
	}
	// A browser session is dead once idle this long; purging it sooner would sign people out.
	c.Retention.IdleSessions = max(c.Retention.IdleSessions, l.SessionIdle)
	if c.PurgeEvery <= 0 {
		c.PurgeEvery = time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return errors.Join(errs...)
}

// DefaultPublicURL is http://<first LAN IPv4>:<port>, else http://127.0.0.1:<port>.
func DefaultPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		port = "8080"
	}
	if host != "" && host != "0.0.0.0" && host != "::" {
		return "http://" + net.JoinHostPort(host, port)
	}
	if ip := LANAddress(); ip != "" {
		return "http://" + net.JoinHostPort(ip, port)
	}
	return "http://" + net.JoinHostPort("127.0.0.1", port)
}

// LANAddress returns the first private IPv4 address of LANAddresses, else its first IPv4
// address, or "".
func LANAddress() string {
	var fallback string
	for _, ip := range LANAddresses() {
		if ip.To4() == nil {
			continue
		}
		if ip.IsPrivate() {
			return ip.String()
		}
		if fallback == "" {
			fallback = ip.String()
		}
	}
	return fallback
}

// LANAddresses lists the unicast addresses, IPv4 and IPv6, of the up, non-loopback
// interfaces, without link-local ones (a phone cannot use those in a URL): the addresses a
// phone on the LAN may reach this machine at.
func LANAddresses() []net.IP {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsGlobalUnicast() {
				out = append(out, ipn.IP)
			}
		}
	}
	return out
}
