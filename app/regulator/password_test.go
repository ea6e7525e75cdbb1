package regulator_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"dvclogin/app/regulator"
)

const ip = "203.0.113.7"

// Each wrong password says how many are left; the 5th in a row locks the account for 15
// minutes, and only that one says it started the lock.
func TestPasswordWrongCountsDownThenLocks(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	for i := 1; i <= 4; i++ {
		v, err := e.Password(e.ctx, e.by(an, ip), wrong)
		want(t, fmt.Sprintf("wrong password %d", i), v, err, wrongLeft(5-i, i))
	}
	v, err := e.Password(e.ctx, e.by(an, ip), wrong)
	want(t, "5th wrong password", v, err, started(lockedAt(t0.Add(15*time.Minute), t0), 5))
	e.advance(time.Minute)
	v, err = e.Password(e.ctx, e.by(an, ip), never(t))
	want(t, "right password during the lock", v, err, lockedAt(t0.Add(15*time.Minute), e.now))
}

// The lock holds to its last second, refusing the right password before any hash, and is over
// at its end.
func TestPasswordLockExpires(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	for range 5 {
		e.Password(e.ctx, e.by(an, ip), wrong)
	}
	e.advance(15*time.Minute - time.Second)
	v, err := e.Password(e.ctx, e.by(an, ip), never(t))
	want(t, "1 s before the end", v, err, lockedAt(t0.Add(15*time.Minute), e.now))
	e.advance(time.Second)
	v, err = e.Password(e.ctx, e.by(an, ip), right)
	want(t, "at the end", v, err, allowed())
}

// A right password starts the count of wrong ones in a row again.
func TestPasswordRightClearsTheCount(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	for range 4 {
		e.Password(e.ctx, e.by(an, ip), wrong)
	}
	v, err := e.Password(e.ctx, e.by(an, ip), right)
	want(t, "right password after 4 wrong", v, err, allowed())
	v, err = e.Password(e.ctx, e.by(an, ip), wrong)
	want(t, "wrong password after it", v, err, wrongLeft(4, 1))
}

// An ID number that belongs to nobody gets the same verdicts as a citizen's at every attempt,
// before, at and after the lock, and its lock ends alike.
func TestPasswordUnknownIDLocksLikeACitizen(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	for i := 1; i <= 7; i++ {
		known, kerr := e.Password(e.ctx, e.by(an, ip), wrong)
		unknown, uerr := e.Password(e.ctx, e.unknownID("001099999999", ip), wrong)
		want(t, fmt.Sprintf("unknown ID, attempt %d", i), unknown, uerr, known)
		if kerr != nil || (i >= 5) != (known.Kind == regulator.Locked) {
			t.Fatalf("attempt %d: %s (%v)", i, show(known), kerr)
		}
	}
	e.advance(15 * time.Minute)
	v, err := e.Password(e.ctx, e.unknownID("001099999999", ip), wrong)
	want(t, "unknown ID after its lock", v, err, wrongLeft(4, 1))
}

// One client may fail 20 passwords in 10 minutes across all accounts; the 21st is refused
// before its hash until the oldest failure leaves the window, which then slides on. Other
// clients are not affected.
func TestPasswordClientWindowSlides(t *testing.T) {
	e := newEnv(t)
	for i := range 20 {
		v, err := e.Password(e.ctx, e.unknownID(fmt.Sprintf("0019950000%02d", i), ip), wrong)
		want(t, fmt.Sprintf("guess %d", i+1), v, err, wrongLeft(4, 1))
		e.advance(10 * time.Second)
	}
	v, err := e.Password(e.ctx, e.unknownID("001995000099", ip), never(t))
	want(t, "21st guess", v, err, limitedAt(regulator.Client, t0.Add(10*time.Minute), e.now))
	v, err = e.Password(e.ctx, e.unknownID("001995000099", "198.51.100.1"), wrong)
	want(t, "another client", v, err, wrongLeft(4, 1))

	e.now = t0.Add(10 * time.Minute)
	v, err = e.Password(e.ctx, e.unknownID("001995000098", ip), wrong)
	want(t, "once the oldest failure left the window", v, err, wrongLeft(4, 1))
	v, err = e.Password(e.ctx, e.unknownID("001995000097", ip), never(t))
	want(t, "the next one", v, err, limitedAt(regulator.Client, t0.Add(10*time.Minute+10*time.Second), e.now))
}

// The addresses of one IPv6 /64 are one client.
func TestPasswordClientIsAnIPv6Slash64(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.IPMaxFailures = 2 })
	for i := range 2 {
		e.Password(e.ctx, e.unknownID(fmt.Sprintf("0019950000%02d", i), fmt.Sprintf("2001:db8:7:7::%d", i+1)), wrong)
	}
	v, err := e.Password(e.ctx, e.unknownID("001995000099", "2001:db8:7:7:abcd::1"), never(t))
	want(t, "third address of the /64", v, err, limitedAt(regulator.Client, t0.Add(10*time.Minute), e.now))
}

// An attempt counts against its client's window from before its hash: with a limit of 2, a
// third attempt made while two are being checked is refused.
func TestPasswordAttemptInFlightCounts(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.IPMaxFailures = 2 })
	var third regulator.Verdict
	var thirdErr error
	first, err := e.Password(e.ctx, e.unknownID("001995000001", ip), func() (bool, error) {
		second, err := e.Password(e.ctx, e.unknownID("001995000002", ip), func() (bool, error) {
			third, thirdErr = e.Password(e.ctx, e.unknownID("001995000003", ip), never(t))
			return false, nil
		})
		want(t, "second attempt", second, err, wrongLeft(4, 1))
		return false, nil
	})
	want(t, "first attempt", first, err, wrongLeft(4, 1))
	want(t, "attempt while two are checked", third, thirdErr, limitedAt(regulator.Client, t0.Add(10*time.Minute), t0))
}

// A password that was never checked (no core free for its hash) gives its place back: it is
// neither a failure of the client nor of the account.
func TestPasswordUncheckedGivesItsPlaceBack(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.IPMaxFailures = 1 })
	an := e.citizen(t, 1)
	if _, err := e.Password(e.ctx, e.by(an, ip), busy); !errors.Is(err, errBusy) {
		t.Fatalf("unchecked password: %v, want the check's error", err)
	}
	v, err := e.Password(e.ctx, e.by(an, ip), wrong)
	want(t, "the next password", v, err, wrongLeft(4, 1))
	v, err = e.Password(e.ctx, e.by(an, ip), never(t))
	want(t, "one more", v, err, limitedAt(regulator.Client, t0.Add(10*time.Minute), t0))
}
