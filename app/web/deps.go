// Package web is the HTTP plumbing the four actors share: rendering, errors, sessions, CSRF,
// security headers, password hashing admission, event fan-out and formatting.
package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"
	"net/url"
	"time"

	"dvclogin/app/regulator"
	"dvclogin/store"
)

// Limits are the configurable numbers of the server: the login rules (regulator.Limits, whose
// fields are promoted) and the QR and session timings.
type Limits struct {
	regulator.Limits

	QRFrameStep   time.Duration // frames rotate this often
	QRFrameAccept time.Duration // a frame is accepted this long after it was first shown
	QRLoginTTL    time.Duration // a QR login request lives this long

	SessionIdle     time.Duration // a portal/IdP/console session ends after this much inactivity
	SessionAbsolute time.Duration // and after this long in any case
	AppSessionTTL   time.Duration // a phone app login lives this long
}

// DefaultLimits returns the documented defaults.
func DefaultLimits() Limits {
	return Limits{
		Limits:      regulator.DefaultLimits(),
		QRFrameStep: 10 * time.Second, QRFrameAccept: 30 * time.Second, QRLoginTTL: 120 * time.Second,
		SessionIdle: 30 * time.Minute, SessionAbsolute: 12 * time.Hour, AppSessionTTL: 24 * time.Hour,
	}
}

// Deps is what every actor is built from. The composition root (package app) fills it once.
type Deps struct {
	Store     *store.Store
	Log       *slog.Logger
	Now       func() time.Time // injected clock
	Render    *Renderer
	Sessions  *Sessions
	Hasher    *Hasher
	Hub       *Hub
	SMS       Sender
	PublicURL *url.URL // scheme://host[:port], no trailing slash
	Limits    Limits
	Master    []byte // server master secret; use Key to derive per-purpose keys

	PortalClientSecret string // the dvc-portal client's secret (shared with the portal RP)
	SecondFactor       string // default second factor of the direct login: sms | app
	AdminPasswordHash  string // console password (argon2id PHC)

	// OAuthRoutes are the route paths whose errors are OAuth error JSON (RFC 6749 §5.2) even
	// when the request is refused before its handler runs (a body over the size limit). The
	// identity provider fills it while routes are registered; it is only read afterwards.
	OAuthRoutes map[string]bool
}

// Key derives a per-purpose key from the master secret, so one leaked key does not expose the
// others.
func (d *Deps) Key(purpose string) []byte {
	m := hmac.New(sha256.New, d.Master)
	m.Write([]byte("dvclogin/" + purpose))
	return m.Sum(nil)
}

// URL returns an absolute URL on the public origin for path.
func (d *Deps) URL(path string) string {
	return d.PublicURL.String() + path
}

// Secure reports whether the public URL is HTTPS (cookies then get the Secure flag).
func (d *Deps) Secure() bool {
	return d.PublicURL.Scheme == "https"
}

// BrowserSession is an actor's browser session: its own cookie "dvc_<kind>" on path, with the
// configured idle and absolute lifetimes.
func (d *Deps) BrowserSession(kind, path string) SessionKind {
	return SessionKind{Kind: kind, Cookie: "dvc_" + kind, Path: path,
		Idle: d.Limits.SessionIdle, Absolute: d.Limits.SessionAbsolute}
}

// CSRFFor is an actor's CSRF protection: its own cookie "dvc_<kind>_csrf" on path and a key
// derived for that actor alone.
func (d *Deps) CSRFFor(kind, path string) *CSRF {
	return &CSRF{Key: d.Key("csrf/" + kind), Cookie: "dvc_" + kind + "_csrf", Path: path,
		Secure: d.Secure(), Origin: d.PublicURL.String()}
}
