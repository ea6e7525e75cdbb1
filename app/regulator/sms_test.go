package regulator_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"dvclogin/app/regulator"
)

// An account receives at most 5 SMS in 15 minutes and 10 in an hour; both windows slide.
func TestSMSBudgetPerAccount(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	send := func(what string, w regulator.Verdict) {
		t.Helper()
		v, err := e.SMS(e.ctx, e.by(an, ip), "login_otp")
		want(t, what, v, err, w)
	}
	for i := range 5 {
		send(fmt.Sprintf("SMS %d", i+1), allowed())
	}
	send("6th SMS in 15 minutes", limitedAt(regulator.Account, t0.Add(15*time.Minute), t0))
	e.now = t0.Add(15 * time.Minute)
	for i := range 5 {
		send(fmt.Sprintf("SMS %d, 15 minutes later", i+6), allowed())
	}
	e.now = t0.Add(30 * time.Minute)
	send("11th SMS in the hour", limitedAt(regulator.Account, t0.Add(time.Hour), e.now))
	e.now = t0.Add(time.Hour)
	send("after the hour", allowed())
}

// One client sets off at most 30 SMS an hour, whatever accounts they go to.
func TestSMSBudgetPerClient(t *testing.T) {
	e := newEnv(t)
	for i := range 30 {
		v, err := e.SMS(e.ctx, e.by(e.citizen(t, i), ip), "login_otp")
		want(t, fmt.Sprintf("SMS to account %d", i+1), v, err, allowed())
	}
	other := e.citizen(t, 99)
	v, err := e.SMS(e.ctx, e.by(other, ip), "login_otp")
	want(t, "31st SMS from the client", v, err, limitedAt(regulator.Client, t0.Add(time.Hour), t0))
	v, err = e.SMS(e.ctx, e.by(other, "198.51.100.1"), "login_otp")
	want(t, "the same account from another client", v, err, allowed())
}

// Failed SIM transfer codes count against the client like failed passwords: the claim is not
// even tried once the window is full, and a claim that was not tried gives its place back.
func TestSIMClaimClientWindow(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.IPMaxFailures = 2 })
	fails := func() (string, error) { return "unknown, used or expired", nil }
	if _, err := e.SIMClaim(e.ctx, e.operator(ip), func() (string, error) { return "", errBusy }); !errors.Is(err, errBusy) {
		t.Fatalf("claim not tried: %v, want its error", err)
	}
	for i := 1; i <= 2; i++ {
		v, err := e.SIMClaim(e.ctx, e.operator(ip), fails)
		want(t, fmt.Sprintf("failed claim %d", i), v, err, regulator.Verdict{Kind: regulator.Wrong, TriesLeft: 2 - i})
	}
	v, err := e.SIMClaim(e.ctx, e.operator(ip), func() (string, error) {
		t.Error("a claim was tried over the limit")
		return "", nil
	})
	want(t, "3rd claim", v, err, limitedAt(regulator.Client, t0.Add(10*time.Minute), t0))
	v, err = e.SIMClaim(e.ctx, e.operator("198.51.100.1"), func() (string, error) { return "", nil })
	want(t, "a right code from another client", v, err, allowed())
}
