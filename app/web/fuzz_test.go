package web

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// Fuzz targets for the parsers of outside input in this package. `go test` runs their seed
// corpora in testdata/fuzz; `go test -fuzz FuzzX` explores further (README "Development").

var (
	twelveDigits = regexp.MustCompile(`^[0-9]{12}$`)
	sixDigits    = regexp.MustCompile(`^[0-9]{6}$`)
)

// IsIDNumber accepts exactly the canonical form: twelve ASCII digits, nothing around them
// (no full-width digits, no spaces, no sign).
func FuzzIDNumber(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got := IsIDNumber(s)
		if want := twelveDigits.MatchString(s); got != want {
			t.Fatalf("IsIDNumber(%q) = %v, want %v", s, got, want)
		}
		masked := MaskIDNumber(s)
		if got && (len(masked) != 12 || masked[:2] != s[:2] || masked[10:] != s[10:] || strings.Trim(masked[2:10], "*") != "") {
			t.Fatalf("MaskIDNumber(%q) = %q", s, masked)
		}
	})
}

// IsPasscode (the passcode, the SMS or in-app code, and the authenticator code all use it)
// accepts exactly six ASCII digits.
func FuzzPasscode(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := IsPasscode(s), sixDigits.MatchString(s); got != want {
			t.Fatalf("IsPasscode(%q) = %v, want %v", s, got, want)
		}
	})
}

// Verify takes any stored string without panicking: a malformed or hostile PHC string is
// simply no match. An accepted string is canonical: it prints back exactly as stored.
func FuzzVerifyPHC(f *testing.F) {
	h := NewHasher(fast, 1)
	f.Fuzz(func(t *testing.T, phc, secret string) {
		parsed, ok := parsePHC(phc)
		if !ok {
			if match, err := h.Verify(context.Background(), phc, secret); match || err != nil {
				t.Fatalf("Verify(%q) = %v, %v for an unparsable hash", phc, match, err)
			}
			return
		}
		if again := parsed.String(); again != phc {
			t.Fatalf("parsePHC(%q) prints back as %q", phc, again)
		}
		p := parsed.Params
		if p.Time < 1 || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) || p.Memory > phcMaxMemory || p.Time > phcMaxTime {
			t.Fatalf("parsePHC(%q) accepted parameters %+v", phc, p)
		}
		if p.Memory > 256 || p.Time > 2 {
			return // valid but too costly to compute on every input; the bounds are checked above
		}
		if _, err := h.Verify(context.Background(), phc, secret); err != nil {
			t.Fatalf("Verify(%q): %v", phc, err)
		}
	})
}

// A hash the hasher writes parses back to the parameters it was made with, and verifies its
// own secret and nothing else.
func FuzzPHCRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, memory uint16, rounds, threads uint8, secret string) {
		p := Argon2Params{Threads: 1 + threads%4, Time: 1 + uint32(rounds%2)}
		p.Memory = 8*uint32(p.Threads) + uint32(memory%256)
		if len(secret) > MaxSecretLen {
			secret = secret[:MaxSecretLen]
		}
		h := NewHasher(p, 1)
		phc := h.HashNow(secret)
		parsed, ok := parsePHC(phc)
		if !ok || parsed.Params != p || len(parsed.Salt) != 16 || len(parsed.Key) != 32 {
			t.Fatalf("hash with %+v wrote %q, which parses as %+v, %v", p, phc, parsed.Params, ok)
		}
		ctx := context.Background()
		if match, err := h.Verify(ctx, phc, secret); !match || err != nil {
			t.Fatalf("Verify(own secret) = %v, %v", match, err)
		}
		if match, _ := h.Verify(ctx, phc, secret+"x"); match {
			t.Fatal("Verify accepted another secret")
		}
	})
}
