package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
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
// core runs at a time (each holds ~19 MiB), and a login is admitted only when its hash can be
// expected to get a core within a bound (Wait): beyond it the login is refused at once, 429 with
// Retry-After, and a login that was admitted is never refused for want of a core, so it finishes
// in bounded time. A flood of password logins therefore cannot starve the QR login or exhaust
// memory, and no work is thrown away after it was queued.
//
// A login is admitted at its start, before it costs anything: the authorization request
// (AdmitStart), whose password step comes a moment later with priority HashStarted. A hash with
// no such start before it (an app login, the console's login, an operator's action) is its own
// start: HashNew is admitted or refused when it asks. An app login (HashJoins) is most often
// the phone's half of a QR login the desktop started: it takes a promised hash while there is
// one, and is a start of its own otherwise. Under saturation work already paid for goes
// first: a hash of priority HashPaid (the passcode of a QR confirm, whose app login already cost a
// hash) takes the next free core before any admitted hash waiting.
//
// Whether a login fits is a prediction: the hashes ahead of it times the mean time of a hash
// measured here, shared by the cores. Ahead of it are the hashes running and waiting, the
// hashes promised to logins admitted in the last moment that have not asked yet, and the
// passcodes to come of app logins admitted (paid work, which will overtake it). A promise
// counts as the share of promises whose hash did ask lately: starts that go no further (QR
// logins left waiting, people still typing, a page opened many times) stop counting, while a
// flood of programs that post their password at once counts in full.
type Hasher struct {
	Params    Argon2Params
	dummyOnce sync.Once
	dummy     string // see dummyHash

	mu           sync.Mutex
	slots        int              // hashes that may run at once
	bound        time.Duration    // the longest an admitted hash is expected to wait
	mean         time.Duration    // moving mean of a hash's time, measured
	lastDone     time.Time        // when the last hash finished
	running      int              // hashes running now
	waiting      [2][]*hashWaiter // FIFO: [queueAdmitted], [queuePaid]
	promised     []time.Time      // starts admitted in the last promiseTTL whose hash has not asked
	asks         float64          // moving share of promises whose hash asked (the rest lapsed)
	joining      int              // app logins admitted whose hash has not finished: each brings a passcode
	paidPromised []time.Time      // app logins finished in the last promiseTTL whose passcode has not asked
	saturated    int              // Saturate calls not yet released: refuse everything
	drained      *sync.Cond       // signalled when running drops
	refuseNew    int              // RefuseNew calls not yet released
	refuseStarts int              // RefuseStarts calls not yet released
}

// Priority says what a hash is to the login it belongs to.
type Priority int

const (
	HashNew     Priority = iota // starts a login by itself: the console login, an operator's action
	HashJoins                   // an app login: the phone's half of a QR login admitted at the desktop while one is promised, else a start of its own
	HashStarted                 // the password step of a login admitted at its start
	HashPaid                    // continues a login that already cost a hash: the QR confirm's passcode
)

// The queues: admitted hashes in their order of arrival, and paid work before them.
const (
	queueAdmitted = 0
	queuePaid     = 1
)

func (p Priority) queue() int {
	if p == HashPaid {
		return queuePaid
	}
	return queueAdmitted
}

const (
	// promiseTTL is how long a start admitted counts as a hash to come: a program posts its
	// password within it, and a person typing takes longer, when the cores have long moved on.
	promiseTTL = time.Second
	// perKiBPass is the time a hash is assumed to take per KiB of memory and pass before one
	// was measured: a slow core's (a 2-core x86 server takes about 0.8 µs), so a burst at
	// start-up is not all admitted on a guess.
	perKiBPass = 1500 * time.Nanosecond
	// shareWeight is the weight of one promise's outcome in the share of promises that asked
	// (1/16: a few seconds of a flood, or of starts that go no further, move it).
	shareWeight = 16
	// paidQueue bounds paid work waiting; it only follows admitted work, so it never fills in
	// use, and the bound stands against a client replaying confirms.
	paidQueue = 256
	// lostWait is how long a queued hash waits before it is given up: admission keeps waits
	// near the bound, so this is reached only by a machine stalled for other reasons.
	lostWait = 30 * time.Second
)

type hashWaiter struct {
	ready   chan struct{}
	granted bool
}

// NewHasher returns a Hasher with one running slot per core that admits a login when its hash
// is expected to wait at most wait for a core (0: one second).
func NewHasher(p Argon2Params, wait time.Duration) *Hasher {
	return newHasher(p, runtime.GOMAXPROCS(0), wait)
}

func newHasher(p Argon2Params, slots int, wait time.Duration) *Hasher {
	if wait <= 0 {
		wait = time.Second
	}
	h := &Hasher{Params: p, slots: slots, bound: wait, asks: 1}
	h.mean = h.firstMean()
	h.drained = sync.NewCond(&h.mu)
	return h
}

// firstMean is the mean hash time assumed where none was measured.
func (h *Hasher) firstMean() time.Duration {
	return time.Duration(h.Params.Memory) * time.Duration(h.Params.Time) * perKiBPass
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

// fitsLocked reports whether one more hash would get a core within the bound, and how long it
// would be expected to wait. h.mu is held.
func (h *Hasher) fitsLocked(now time.Time) (bool, time.Duration) {
	if h.running == 0 && now.Sub(h.lastDone) >= promiseTTL {
		// A mean measured under load says little of a machine that has been idle since.
		h.mean = min(h.mean, h.firstMean())
	}
	kept := unlapsed(h.promised, now)
	for range len(h.promised) - len(kept) {
		h.asks -= h.asks / shareWeight
	}
	h.promised = kept
	h.paidPromised = unlapsed(h.paidPromised, now)
	promised := int(math.Ceil(h.asks * float64(len(h.promised))))
	ahead := h.running + len(h.waiting[queueAdmitted]) + len(h.waiting[queuePaid]) + promised +
		h.joining + len(h.paidPromised)
	if ahead < h.slots {
		return true, 0
	}
	wait := time.Duration(int64(h.mean) * int64(ahead-h.slots+1) / int64(h.slots))
	return wait <= h.bound, wait
}

// unlapsed drops the promises made promiseTTL or longer before now (oldest first).
func unlapsed(promises []time.Time, now time.Time) []time.Time {
	n := 0
	for n < len(promises) && now.Sub(promises[n]) >= promiseTTL {
		n++
	}
	return promises[n:]
}

// AdmitStart admits a new login at its start, before it costs anything, when the hash it will
// ask for is expected to get a core within the bound; that hash is then counted as promised for
// a moment, so a burst of starts is not all admitted before any of them asks. A refused start
// is told when to come back.
func (h *Hasher) AdmitStart() (ok bool, retryAfter time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.saturated > 0 || h.refuseStarts > 0 {
		return false, time.Second
	}
	now := time.Now()
	fits, wait := h.fitsLocked(now)
	if !fits {
		return false, wait - h.bound
	}
	h.promised = append(h.promised, now)
	return true, 0
}

// admit waits for a core for one hash of priority pri and returns its release. A HashNew that
// would wait beyond the bound gets ErrBusy at once; admitted and paid work waits its turn.
func (h *Hasher) admit(ctx context.Context, pri Priority) (func(), error) {
	h.mu.Lock()
	if h.saturated > 0 {
		h.mu.Unlock()
		return nil, ErrBusy
	}
	fits, _ := h.fitsLocked(time.Now())
	switch {
	case pri == HashNew || pri == HashJoins && len(h.promised) == 0:
		if h.refuseNew > 0 || !fits {
			h.mu.Unlock()
			return nil, ErrBusy
		}
	case pri == HashStarted || pri == HashJoins:
		if len(h.promised) > 0 { // a login's start was counted: its hash asks now
			h.promised = h.promised[1:]
			h.asks += (1 - h.asks) / shareWeight
		}
	case pri == HashPaid:
		if len(h.paidPromised) > 0 { // the passcode an app login promised asks now
			h.paidPromised = h.paidPromised[1:]
		}
	}
	release := h.release
	if pri == HashJoins {
		h.joining++
		release = h.releaseJoin
	}
	if h.running < h.slots {
		h.running++
		h.mu.Unlock()
		return release, nil
	}
	q := pri.queue()
	if q == queuePaid && len(h.waiting[q]) >= paidQueue {
		h.mu.Unlock()
		return nil, ErrBusy
	}
	w := &hashWaiter{ready: make(chan struct{})}
	h.waiting[q] = append(h.waiting[q], w)
	h.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, lostWait)
	defer cancel()
	select {
	case <-w.ready:
		return release, nil
	case <-ctx.Done():
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.granted { // the core came as the wait ended
		return release, nil
	}
	h.waiting[q] = slices.DeleteFunc(h.waiting[q], func(x *hashWaiter) bool { return x == w })
	if pri == HashJoins {
		h.joining--
	}
	return nil, ErrBusy
}

// releaseJoin releases the core of an app login, whose passcode is now to come.
func (h *Hasher) releaseJoin() {
	h.mu.Lock()
	h.joining--
	h.paidPromised = append(h.paidPromised, time.Now())
	h.mu.Unlock()
	h.release()
}

// release hands the core to the first waiting hash, paid work first.
func (h *Hasher) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.saturated == 0 {
		for _, q := range []int{queuePaid, queueAdmitted} {
			if len(h.waiting[q]) > 0 {
				w := h.waiting[q][0]
				h.waiting[q] = h.waiting[q][1:]
				w.granted = true
				close(w.ready)
				return
			}
		}
	}
	h.running--
	h.drained.Broadcast()
}

// measured folds one hash's time into the mean (weight 1/8: a few hashes follow a change of
// load).
func (h *Hasher) measured(took time.Duration) {
	h.mu.Lock()
	h.mean += (took - h.mean) / 8
	h.lastDone = time.Now()
	h.mu.Unlock()
}

// Saturate refuses every hash and every start with ErrBusy at once until release is called, as
// under a flood. Tests use it to see the saturated answers without generating the flood. It
// waits for running hashes to finish.
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

// RefuseNew refuses hashes of priority HashNew with ErrBusy until release is called, while
// admitted and paid work still runs: the state of a server whose cores are promised beyond the
// bound, with no promised hash left for an app login to take. For tests.
func (h *Hasher) RefuseNew() (release func()) {
	h.mu.Lock()
	h.refuseNew++
	h.promised = nil
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.refuseNew--
		h.mu.Unlock()
	}
}

// RefuseStarts makes AdmitStart refuse until release is called, while hashes of logins already
// started still run. For tests.
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
	t0 := time.Now()
	key := idKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, keyLen)
	h.measured(time.Since(t0))
	return phcHash{Params: p, Salt: salt, Key: key}.String()
}

// Verify checks secret against a PHC string. An empty phc (unknown account) is checked against
// a dummy hash, so an unknown ID costs the same time as a wrong password.
func (h *Hasher) Verify(ctx context.Context, phc, secret string) (bool, error) {
	return h.VerifyAt(ctx, HashNew, phc, secret)
}

// VerifyAt is Verify at priority pri: HashStarted for the password step of a login admitted
// at its start, HashPaid for work that continues a login.
func (h *Hasher) VerifyAt(ctx context.Context, pri Priority, phc, secret string) (bool, error) {
	release, err := h.admit(ctx, pri)
	if err != nil {
		return false, err
	}
	defer release()
	t0 := time.Now()
	defer func() { h.measured(time.Since(t0)) }()
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
