// Package web is the HTTP plumbing the four actors share: rendering, errors, sessions, CSRF,
// security headers, password hashing admission, event fan-out and formatting.
package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"time"
)

// Limits are the configurable numbers of the login rules (the README's "Security rules and default limits").
type Limits struct {
	PasswordMaxFailures int           // consecutive wrong passwords before a lock
	PasswordLock        time.Duration // how long the lock lasts
	IPMaxFailures       int           // failed attempts per client IP in IPWindow, across accounts
	IPWindow            time.Duration

	OTPTTL           time.Duration // lifetime of an OTP / in-app code
	OTPMaxFailures   int           // wrong codes that end a challenge
	OTPResendEvery   time.Duration // at most one resend per this interval
	OTPResendPerHour int           // resends per account per hour
	OTPAccountMax    int           // wrong codes per account per hour, across logins, that lock the account

	// Every SMS counts against these (login codes, resends, notices); in-app notices do not.
	SMSAccountMax     int           // SMS to one account in SMSAccountWindow
	SMSAccountWindow  time.Duration // the short window of SMSAccountMax
	SMSAccountHourMax int           // SMS to one account in an hour
	SMSIPHourMax      int           // SMS set off from one client IP in an hour, across accounts

	PasscodeCooldownEvery int           // every Nth wrong passcode starts a cooldown
	PasscodeCooldown      time.Duration // its length
	PasscodeLockAt        int           // wrong passcodes that lock the passcode

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
		PasswordMaxFailures: 5, PasswordLock: 15 * time.Minute,
		IPMaxFailures: 20, IPWindow: 10 * time.Minute,
		OTPTTL: 5 * time.Minute, OTPMaxFailures: 5, OTPResendEvery: time.Minute, OTPResendPerHour: 5,
		OTPAccountMax: 10,
		SMSAccountMax: 5, SMSAccountWindow: 15 * time.Minute, SMSAccountHourMax: 10, SMSIPHourMax: 30,
		PasscodeCooldownEvery: 5, PasscodeCooldown: 5 * time.Minute, PasscodeLockAt: 10,
		QRFrameStep: 10 * time.Second, QRFrameAccept: 30 * time.Second, QRLoginTTL: 120 * time.Second,
		SessionIdle: 30 * time.Minute, SessionAbsolute: 12 * time.Hour, AppSessionTTL: 24 * time.Hour,
	}
}

// DeriveKey derives a per-purpose key from the master secret, so one leaked key does not
// expose the others.
func DeriveKey(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("dvclogin/" + purpose))
	return m.Sum(nil)
}
