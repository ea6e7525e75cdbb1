package idp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The authenticator-app factor (RFC 6238): SHA-1, 6 digits, 30-second steps, the defaults
// every authenticator app understands. A code is accepted for the current step and the one
// before (RFC 6238 §5.2 allows one step of transmission delay), never a later one, and each
// step at most once per citizen.

const (
	totpIssuer      = "VNeID (mô phỏng)" // i18n:vi (the name the authenticator app shows, set at enrolment)
	totpPeriod      = 30                 // seconds
	totpSealVersion = "v1."
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// newTOTPKey draws a new 160-bit secret (RFC 4226 R6 recommends 160 bits) from the CSPRNG.
func newTOTPKey(idNumber string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: idNumber, Period: totpPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// totpStep is the RFC 6238 time step of t.
func totpStep(t time.Time) int64 {
	return t.Unix() / totpPeriod
}

// matchTOTP returns the time step whose code is code, trying the server's current step and the
// previous one only; ok is false when neither matches. The time is always the server's clock:
// nothing the client sends can move the window.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	cur := totpStep(now)
	for _, s := range []int64{cur, cur - 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

var errTOTPSeal = errors.New("totp: sealed secret is malformed or was not sealed for this citizen")

// sealTOTP encrypts a TOTP secret for storage with AES-256-GCM under the server's "totp" key. A
// TOTP seed, unlike a password, must be readable again to compute codes, so it cannot be
// hashed; the citizen's id is the additional data, so a sealed secret copied onto another
// citizen's row does not open.
func (p *IdP) sealTOTP(citizenID, secret string) (string, error) {
	aead, err := p.totpAEAD()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, []byte(secret), []byte(citizenID))
	return totpSealVersion + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// openTOTP decrypts a secret sealed by sealTOTP for this citizen.
func (p *IdP) openTOTP(citizenID, sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, totpSealVersion)
	if !ok {
		return "", errTOTPSeal
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return "", errTOTPSeal
	}
	aead, err := p.totpAEAD()
	if err != nil {
		return "", err
	}
	if len(b) < aead.NonceSize() {
		return "", errTOTPSeal
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(citizenID))
	if err != nil {
		return "", errTOTPSeal
	}
	return string(plain), nil
}

func (p *IdP) totpAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(p.d.TOTPKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
