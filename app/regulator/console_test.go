package regulator_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"dvclogin/app/regulator"
)

// operator is a console login attempt from ip at the fake clock's now.
func (e *env) operator(ip string) regulator.Attempt {
	return regulator.Attempt{At: e.now, IP: ip}
}

// One client may fail the console password 3 times (here) in 10 minutes; each failure says
// how many are left, then the client is refused before any hash, others are not.
func TestConsoleClientWindow(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.ConsoleIPMaxFailures = 3 })
	for i := 1; i <= 3; i++ {
		v, err := e.Console(e.ctx, e.operator(ip), wrong)
		want(t, fmt.Sprintf("wrong password %d", i), v, err, regulator.Verdict{Kind: regulator.Wrong, TriesLeft: 3 - i})
		e.advance(time.Second)
	}
	v, err := e.Console(e.ctx, e.operator(ip), never(t))
	want(t, "4th attempt", v, err, limitedAt(regulator.Client, t0.Add(10*time.Minute), e.now))
	v, err = e.Console(e.ctx, e.operator("198.51.100.1"), right)
	want(t, "right password from another client", v, err, allowed())
	e.now = t0.Add(10 * time.Minute)
	v, err = e.Console(e.ctx, e.operator(ip), right)
	want(t, "once the oldest failure left the window", v, err, allowed())
}

// The console has one password: 10 failures from anywhere in 15 minutes lock its login for
// everyone, the right password too, until the oldest leaves the window.
func TestConsoleAccountWideLock(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		v, err := e.Console(e.ctx, e.operator(fmt.Sprintf("203.0.113.%d", i+1)), wrong)
		want(t, fmt.Sprintf("failure %d", i+1), v, err, regulator.Verdict{Kind: regulator.Wrong, TriesLeft: 9 - i})
		e.advance(time.Minute)
	}
	v, err := e.Console(e.ctx, e.operator("198.51.100.7"), never(t))
	want(t, "right password from a fresh client", v, err, lockedAt(t0.Add(15*time.Minute), e.now))
	e.now = t0.Add(15 * time.Minute)
	v, err = e.Console(e.ctx, e.operator("198.51.100.7"), right)
	want(t, "after the window", v, err, allowed())
}

// Console attempts count from before their hash: with a console-wide limit of 2, a third
// attempt made while two are being checked is refused.
func TestConsoleAttemptsInFlightCount(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.ConsoleMaxFailures = 2 })
	var third regulator.Verdict
	var thirdErr error
	e.Console(e.ctx, e.operator("203.0.113.1"), func() (bool, error) {
		e.Console(e.ctx, e.operator("203.0.113.2"), func() (bool, error) {
			third, thirdErr = e.Console(e.ctx, e.operator("203.0.113.3"), never(t))
			return false, nil
		})
		return false, nil
	})
	want(t, "attempt while two are checked", third, thirdErr, lockedAt(t0.Add(15*time.Minute), t0))
}

// A console password that was never checked gives its place back.
func TestConsoleUncheckedGivesItsPlaceBack(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.ConsoleMaxFailures = 1 })
	if _, err := e.Console(e.ctx, e.operator(ip), busy); !errors.Is(err, errBusy) {
		t.Fatalf("unchecked password: %v, want the check's error", err)
	}
	v, err := e.Console(e.ctx, e.operator(ip), right)
	want(t, "the next attempt", v, err, allowed())
}
