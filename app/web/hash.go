package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"slices"
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
//
// Under saturation work already paid for goes first: a hash of priority HashPaid (the passcode of
// a QR confirm, whose app login already cost a hash) takes the next free core before any
// waiting hash of priority HashNew (a password step or app login that starts a login), and has a
// queue of its own, so a full queue of new logins never refuses it. A login that got in thus
// finishes, and the excess is refused at its first step.
type Hasher struct {
	Params    Argon2Params
	wait      time.Duration
	dummyOnce sync.Once
	dummy     string // see dummyHash

	mu           sync.Mutex
	slots        int              // hashes that may run at once
	running      int              // hashes running now
	queue        [2]int           // how many of each priority may wait
	waiting      [2][]*hashWaiter // FIFO by priority
	saturated    int              // Saturate calls not yet released: refuse everything
	drained      *sync.Cond       // signalled when running drops
	refuseNew    int              // RefuseNew calls not yet released
	refuseStarts int              // RefuseStarts calls not yet released
}

// Priority orders hashes waiting for a core.
type Priority int

const (
	HashNew  Priority = iota // starts a login: the password step, an app login, the console login
	HashPaid                 // continues a login that already cost a hash: the QR confirm's passcode
)

type hashWaiter struct {
	ready   chan struct{}
	granted bool
}

// NewHasher returns a Hasher with one running slot per core and a queue of queue waiting.
func NewHasher(p Argon2Params, queue int) *Hasher {
	n := runtime.GOMAXPROCS(0)
	return newHasher(p, n, queue)
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

// newHasher has slots running places. Paid work has a long queue and a long wait: it only
// follows new work that was admitted, so it cannot grow beyond what the new queue let in, and
// refusing it would throw away a hash already spent (a load run at 256 users on 2 cores saw
// confirms refused after 3 s while cheap requests took the cores from the hashes).
func newHasher(p Argon2Params, slots, queue int) *Hasher {
	h := &Hasher{Params: p, slots: slots, queue: [2]int{queue, max(64, queue+slots)}, wait: 3 * time.Second}
	h.drained = sync.NewCond(&h.mu)
	return h
}

// admit waits for a core for one hash of priority pri and returns its release; ErrBusy at once
// when the queue of that priority is full, or after h.wait without a core.
func (h *Hasher) admit(ctx context.Context, pri Priority) (func(), error) {
	h.mu.Lock()
	if h.saturated > 0 || (pri == HashNew && h.refuseNew > 0) {
		h.mu.Unlock()
		return nil, ErrBusy
	}
	if h.running < h.slots {
		h.running++
		h.mu.Unlock()
		return h.release, nil
	}
	if len(h.waiting[pri]) >= h.queue[pri] {
		h.mu.Unlock()
		return nil, ErrBusy
	}
	w := &hashWaiter{ready: make(chan struct{})}
	h.waiting[pri] = append(h.waiting[pri], w)
	h.mu.Unlock()

	wait := h.wait
	if pri == HashPaid {
		wait *= 5
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	select {
	case <-w.ready:
		return h.release, nil
	case <-ctx.Done():
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.granted { // the core came as the wait ended
		return h.release, nil
	}
	h.waiting[pri] = slices.DeleteFunc(h.waiting[pri], func(x *hashWaiter) bool { return x == w })
	return nil, ErrBusy
}

// release hands the core to the first waiting hash, paid work first.
func (h *Hasher) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.saturated == 0 {
		for _, pri := range []Priority{HashPaid, HashNew} {
			if len(h.waiting[pri]) > 0 {
				w := h.waiting[pri][0]
				h.waiting[pri] = h.waiting[pri][1:]
				w.granted = true
				close(w.ready)
				return
			}
		}
	}
	h.running--
	h.drained.Broadcast()
}

// Saturate refuses every hash with ErrBusy at once until release is called, as under a flood.
// Tests use it to see the saturated answers without generating the flood. It waits for running
// hashes to finish.
func (h *Hasher) Saturate() (release func()) {
	h.mu.Lock()
	h.saturated++
	for h.running > 0 {
		h.drained.Wait()
	}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.saturated--
		h.mu.Unlock()
	}
}

// RefuseNew refuses hashes of priority HashNew with ErrBusy until release is called, while paid
// work still runs: the state of a server whose queue of new logins is full. For tests.
func (h *Hasher) RefuseNew() (release func()) {
	h.mu.Lock()
	h.refuseNew++
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.refuseNew--
		h.mu.Unlock()
	}
}

// RefusesStarts reports whether a new login should be refused at its start (429 with
// Retry-After), before it costs anything: every core is hashing and the queue of new logins is
// at least half full, so its hash would wait its turn behind them or be refused. Under
// saturation the cheap first requests of logins that would not get a hash (the authorization
// request, the login page, the QR start) would otherwise take the cores from the hashes of
// logins already admitted.
func (h *Hasher) RefusesStarts() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.refuseStarts > 0 ||
		(h.running >= h.slots && 2*len(h.waiting[HashNew]) >= max(h.queue[HashNew], 1))
}

// RefuseStarts makes RefusesStarts true until release is called, while hashes of logins
// already started still run: the state of a server whose queue of new logins is filling. For
// tests.
func (h *Hasher) RefuseStarts() (release func()) {
	h.mu.Lock()
	h.refuseStarts++
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.refuseStarts--
		h.mu.Unlock()
	}
}

// Hash returns the PHC string of secret.
func (h *Hasher) Hash(ctx context.Context, secret string) (string, error) {
	if len(secret) > MaxSecretLen {
		return "", fmt.Errorf("secret too long")
	}
	release, err := h.admit(ctx, HashNew)
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
	return h.VerifyAt(ctx, HashNew, phc, secret)
}

// VerifyAt is Verify at priority pri: HashPaid for work that continues a login.
func (h *Hasher) VerifyAt(ctx context.Context, pri Priority, phc, secret string) (bool, error) {
	release, err := h.admit(ctx, pri)
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
