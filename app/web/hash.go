package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters. The defaults are OWASP's first
// recommendation (m=19 MiB, t=2, p=1).
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 is OWASP's first recommended argon2id setting.
var DefaultArgon2 = Argon2Params{Memory: 19456, Time: 2, Threads: 1}

// ErrBusy means the hashing queue is full: answer 429 with Retry-After rather than queue
// without limit.
var ErrBusy = errors.New("password hashing is saturated")

// MaxSecretLen bounds what is hashed: a passphrase of 256 characters is plenty, and an
// unbounded input is a CPU and memory lever for an attacker.
const MaxSecretLen = 1024 // bytes (256 Vietnamese characters of up to 4 bytes each)

// Hasher computes and checks argon2id hashes under admission control: at most one hash per
// core runs at a time (each holds ~19 MiB), a short queue waits, and anything beyond gets
// ErrBusy at once. A flood of password logins therefore cannot starve the QR login or exhaust
// memory.
type Hasher struct {
	Params Argon2Params
	run    chan struct{} // slots for hashes running now
	queue  chan struct{} // slots for running + waiting
	wait   time.Duration

	dummyOnce sync.Once
	dummy     string // see dummyHash
}

// NewHasher returns a Hasher with one running slot per core and a queue of queue waiting.
func NewHasher(p Argon2Params, queue int) *Hasher {
	n := runtime.GOMAXPROCS(0)
	return &Hasher{Params: p, run: make(chan struct{}, n), queue: make(chan struct{}, n+queue), wait: 3 * time.Second}
}

// dummyHash is what a secret of an unknown account is checked against. Checking costs one
// argon2id derivation with the hash's parameters and key length, whatever the salt and key
// hold: so it is made of random bytes in the shape hash gives (same parameters, salt and key
// length) instead of being hashed, and a start pays no argon2id for it. It is made at the
// first need, with the parameters the Hasher has then.
func (h *Hasher) dummyHash() string {
	h.dummyOnce.Do(func() {
		b := make([]byte, saltLen+keyLen)
		if _, err := rand.Read(b); err != nil {
			panic(err)
		}
		h.dummy = phcHash{Params: h.Params, Salt: b[:saltLen], Key: b[saltLen:]}.String()
	})
	return h.dummy
}

// The salt and key lengths of the hashes hash makes.
const (
	saltLen = 16
	keyLen  = 32
)

// idKey is argon2.IDKey; tests count its calls.
var idKey = argon2.IDKey

func (h *Hasher) admit(ctx context.Context) (func(), error) {
	select {
	case h.queue <- struct{}{}:
	default:
		return nil, ErrBusy
	}
	ctx, cancel := context.WithTimeout(ctx, h.wait)
	defer cancel()
	select {
	case h.run <- struct{}{}:
		return func() { <-h.run; <-h.queue }, nil
	case <-ctx.Done():
		<-h.queue
		return nil, ErrBusy
	}
}

// Saturate takes every place in the queue until release is called: meanwhile every hash is
// refused with ErrBusy at once, as under a flood. Tests use it to see the saturated answers
// without generating the flood. It waits for running hashes to finish.
func (h *Hasher) Saturate() (release func()) {
	n := cap(h.queue)
	for i := 0; i < n; i++ {
		h.queue <- struct{}{}
	}
	return func() {
		for i := 0; i < n; i++ {
			<-h.queue
		}
	}
}

// Hash returns the PHC string of secret.
func (h *Hasher) Hash(ctx context.Context, secret string) (string, error) {
	if len(secret) > MaxSecretLen {
		return "", fmt.Errorf("secret too long")
	}
	release, err := h.admit(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return h.hash(secret), nil
}

func (h *Hasher) hash(secret string) string {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	p := h.Params
	key := idKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, keyLen)
	return phcHash{Params: p, Salt: salt, Key: key}.String()
}

// Verify checks secret against a PHC string. An empty phc (unknown account) is checked against
// a dummy hash, so an unknown ID costs the same time as a wrong password.
func (h *Hasher) Verify(ctx context.Context, phc, secret string) (bool, error) {
	release, err := h.admit(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	if phc == "" || len(secret) > MaxSecretLen {
		verifyPHC(h.dummyHash(), secret[:min(len(secret), MaxSecretLen)])
		return false, nil
	}
	return verifyPHC(phc, secret), nil
}

// HashNow hashes without admission control, for seeding and operator actions at startup.
func (h *Hasher) HashNow(secret string) string { return h.hash(secret) }

// These limits bound what a stored PHC string may ask of Verify. The argon2 package panics on
// t=0 or p=0, and a string with m near 2^32 KiB or a huge t would allocate terabytes or run
// for hours: a stored hash is data (a restored backup, an edited database), not code, so it
// must not be able to crash or stall the server.
const (
	phcMaxMemory  = 1 << 20 // KiB (1 GiB), far above any sensible setting
	phcMaxTime    = 64
	phcMinSaltLen = 8
	phcMaxSaltLen = 64
	phcMinKeyLen  = 16
	phcMaxKeyLen  = 64
)

// phcHash is a parsed argon2id PHC string.
type phcHash struct {
	Params Argon2Params
	Salt   []byte
	Key    []byte
}

// String is the PHC string: $argon2id$v=19$m=M,t=T,p=P$salt$key (unpadded standard base64).
func (h phcHash) String() string {
	b64 := base64.RawStdEncoding
	p := h.Params
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(h.Salt), b64.EncodeToString(h.Key))
}

// parsePHC reads an argon2id PHC string as hash writes it. Only the canonical form is
// accepted (no signs, spaces, leading zeros or trailing text in the numbers, version 19), and
// the parameters must be within the limits above.
func parsePHC(phc string) (phcHash, bool) {
	var h phcHash
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return h, false
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return h, false
	}
	m, okM := phcNumber(params[0], "m=", phcMaxMemory)
	t, okT := phcNumber(params[1], "t=", phcMaxTime)
	p, okP := phcNumber(params[2], "p=", 255)
	if !okM || !okT || !okP || m < 8*p {
		return h, false
	}
	h.Params = Argon2Params{Memory: m, Time: t, Threads: uint8(p)}
	b64 := base64.RawStdEncoding.Strict()
	var err error
	if h.Salt, err = b64.DecodeString(parts[4]); err != nil || len(h.Salt) < phcMinSaltLen || len(h.Salt) > phcMaxSaltLen {
		return h, false
	}
	if h.Key, err = b64.DecodeString(parts[5]); err != nil || len(h.Key) < phcMinKeyLen || len(h.Key) > phcMaxKeyLen {
		return h, false
	}
	return h, true
}

// phcNumber reads "<prefix><n>" with 1 <= n <= max, digits only and no leading zero.
func phcNumber(s, prefix string, max uint32) (uint32, bool) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok || digits == "" || len(digits) > 10 || digits[0] == '0' {
		return 0, false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(digits, 10, 32)
	if err != nil || n < 1 || n > uint64(max) {
		return 0, false
	}
	return uint32(n), true
}

func verifyPHC(phc, secret string) bool {
	h, ok := parsePHC(phc)
	if !ok {
		return false
	}
	p := h.Params
	got := idKey([]byte(secret), h.Salt, p.Time, p.Memory, p.Threads, uint32(len(h.Key)))
	return subtle.ConstantTimeCompare(got, h.Key) == 1
}
