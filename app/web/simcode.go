package web

import (
	"crypto/rand"
	"strings"
	"time"
)

// A SIM transfer code moves the SIM of a citizen's (simulated) phone number to another device.
// The console and the holding app both show one, as a QR code of SIMTransferURL and as text to
// type; the phone simulator sends it to POST /api/mobile/v1/sim/claim.

// SIMTransferTTL is how long a transfer code works (once).
const SIMTransferTTL = 10 * time.Minute

// simCodeAlphabet is Crockford's base32: no I, L, O or U, so a code read aloud or typed from a
// projector is not misread.
const simCodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// simCodeLen characters of 5 bits: 60 bits, far beyond guessing within 10 minutes.
const simCodeLen = 12

// NewSIMTransferCode returns a fresh transfer code, uniformly random, as 12 characters.
func NewSIMTransferCode() string {
	b := make([]byte, simCodeLen)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = simCodeAlphabet[int(b[i])%len(simCodeAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b)
}

// FormatCode groups a code by four for reading: a SIM transfer code ABCD-EFGH-JKMN, a counter's
// user code BCDF-GHJK.
func FormatCode(code string) string {
	var parts []string
	for len(code) > 4 {
		parts = append(parts, code[:4])
		code = code[4:]
	}
	return strings.Join(append(parts, code), "-")
}

// SIMTransferPath is where the QR of a transfer code points: the simulator reads the code from
// the fragment (which stays out of server logs and Referer headers).
const SIMTransferPath = "/app/sim"

// ParseSIMTransferCode reads a transfer code from what a person typed or a scanner read: the
// QR's URL (…/app/sim#CODE) or the code itself, in any case, with spaces or dashes. Letters a
// person may confuse are read as Crockford's base32 does (O as 0, I and L as 1).
func ParseSIMTransferCode(text string) (string, bool) {
	text = strings.TrimSpace(text)
	if i := strings.Index(text, SIMTransferPath+"#"); i >= 0 {
		text = text[i+len(SIMTransferPath)+1:]
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(text) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if !strings.ContainsRune(simCodeAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != simCodeLen {
		return "", false
	}
	return b.String(), true
}
