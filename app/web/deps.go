// Package web is the HTTP plumbing the four actors share: rendering, errors, sessions, CSRF,
// security headers, password hashing admission, event fan-out and formatting.
package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"time"

	"dvclogin/app/regulator"
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
	AccessTokenTTL  time.Duration // an OIDC access token lives this long
}

// DefaultLimits returns the documented defaults.
func DefaultLimits() Limits {
	return Limits{
		Limits:      regulator.DefaultLimits(),
		QRFrameStep: 10 * time.Second, QRFrameAccept: 30 * time.Second, QRLoginTTL: 120 * time.Second,
		SessionIdle: 30 * time.Minute, SessionAbsolute: 12 * time.Hour, AppSessionTTL: 24 * time.Hour,
		AccessTokenTTL: 30 * time.Minute,
	}
}

// DeriveKey derives a per-purpose key from the master secret, so one leaked key does not
// expose the others.
func DeriveKey(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("dvclogin/" + purpose))
	return m.Sum(nil)
}
