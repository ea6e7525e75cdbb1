package regulator_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"dvclogin/app/regulator"
)

// Wrong passcodes count down to the lock; the 5th starts a 5-minute cooldown that refuses even
// the right passcode before its hash; the 10th locks the passcode for good (an operator resets
// it).
func TestPasscodeCooldownThenLock(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	for i := 1; i <= 4; i++ {
		v, err := e.Passcode(e.ctx, e.by(an, ip), wrong)
		want(t, fmt.Sprintf("wrong passcode %d", i), v, err, wrongLeft(10-i, i))
	}
	v, err := e.Passcode(e.ctx, e.by(an, ip), wrong)
	cooldown := limitedAt(regulator.Account, t0.Add(5*time.Minute), t0)
	want(t, "5th wrong passcode", v, err, started(cooldown, 5))
	e.advance(4 * time.Minute)
	v, err = e.Passcode(e.ctx, e.by(an, ip), never(t))
	want(t, "right passcode during the cooldown", v, err, limitedAt(regulator.Account, t0.Add(5*time.Minute), e.now))

	e.advance(time.Minute)
	for i := 6; i <= 9; i++ {
		v, err := e.Passcode(e.ctx, e.by(an, ip), wrong)
		want(t, fmt.Sprintf("wrong passcode %d, after the cooldown", i), v, err, wrongLeft(10-i, i))
	}
	v, err = e.Passcode(e.ctx, e.by(an, ip), wrong)
	want(t, "10th wrong passcode", v, err, started(regulator.Verdict{Kind: regulator.Locked, Scope: regulator.Account}, 10))
	e.advance(24 * time.Hour)
	v, err = e.Passcode(e.ctx, e.by(an, ip), never(t))
	want(t, "right passcode a day later", v, err, regulator.Verdict{Kind: regulator.Locked, Scope: regulator.Account})
}

// A right passcode starts the count again.
func TestPasscodeRightClearsTheCount(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	for range 4 {
		e.Passcode(e.ctx, e.by(an, ip), wrong)
	}
	v, err := e.Passcode(e.ctx, e.by(an, ip), right)
	want(t, "right passcode after 4 wrong", v, err, allowed())
	v, err = e.Passcode(e.ctx, e.by(an, ip), wrong)
	want(t, "wrong passcode after it", v, err, wrongLeft(9, 1))
}

// The guess that earns a cooldown starts it before its hash: no other guess is checked while
// it is.
func TestPasscodeCooldownStartsBeforeTheHash(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	for range 4 {
		e.Passcode(e.ctx, e.by(an, ip), wrong)
	}
	var during regulator.Verdict
	var duringErr error
	e.Passcode(e.ctx, e.by(an, ip), func() (bool, error) {
		during, duringErr = e.Passcode(e.ctx, e.by(an, ip), never(t))
		return false, nil
	})
	want(t, "guess while the 5th is checked", during, duringErr, limitedAt(regulator.Account, t0.Add(5*time.Minute), t0))
}

// Guesses being checked count towards the lock: no more than the lock's worth are ever checked.
func TestPasscodeGuessesInFlightCountTowardsTheLock(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.PasscodeLockAt, l.PasscodeCooldownEvery = 2, 0 })
	an := e.citizen(t, 1)
	var third regulator.Verdict
	var thirdErr error
	e.Passcode(e.ctx, e.by(an, ip), func() (bool, error) {
		e.Passcode(e.ctx, e.by(an, ip), func() (bool, error) {
			third, thirdErr = e.Passcode(e.ctx, e.by(an, ip), never(t))
			return false, nil
		})
		return false, nil
	})
	want(t, "guess while two are checked", third, thirdErr, regulator.Verdict{Kind: regulator.Locked, Scope: regulator.Account})
}

// A passcode that was never checked gives its guess back, with the cooldown it would have
// started.
func TestPasscodeUncheckedGivesTheGuessBack(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	for range 4 {
		e.Passcode(e.ctx, e.by(an, ip), wrong)
	}
	if _, err := e.Passcode(e.ctx, e.by(an, ip), busy); !errors.Is(err, errBusy) {
		t.Fatalf("unchecked passcode: %v, want the check's error", err)
	}
	v, err := e.Passcode(e.ctx, e.by(an, ip), wrong)
	want(t, "the next guess is the 5th", v, err, started(limitedAt(regulator.Account, t0.Add(5*time.Minute), t0), 5))
}
