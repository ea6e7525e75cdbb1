package regulator

import (
	"context"

	"dvclogin/store"
)

// WrongCode counts a wrong second-factor code typed for target (an OTP challenge, whatever its
// channel: SMS, in-app or authenticator app; or a device activation) by citizen a.CitizenID,
// in one store transaction. Each target ends after OTPMaxFailures wrong codes, but parallel
// logins each bring their own (RFC 4226 §7.3), so the account counts them all: the
// OTPAccountMax-th wrong code of the hour, of any kind and any login, locks the account for
// PasswordLock and ends the target (Locked, Started). Otherwise the code is Wrong, with the
// tries its target has left (0: it ended). reason goes to the attempt log.
func (r *Regulator) WrongCode(ctx context.Context, a Attempt, target store.CodeTarget, reason string) (Verdict, error) {
	lim := r.limits
	f, err := r.store.CodeFailed(ctx, a.entry("otp", false, reason), target, store.CodeLimits{
		Max: lim.OTPMaxFailures, AccountMax: lim.OTPAccountMax, Window: codeWindow, LockFor: lim.PasswordLock})
	if err != nil {
		return Verdict{}, err
	}
	if !f.LockedUntil.IsZero() {
		v := lockedUntil(f.LockedUntil, a.At)
		v.Failures, v.Started = f.AccountFailures, true
		return v, nil
	}
	left := lim.OTPMaxFailures - f.Failures
	if f.Dead {
		left = 0
	}
	return Verdict{Kind: Wrong, TriesLeft: max(left, 0), Failures: f.Failures}, nil
}

// CodeRefused records a code attempt refused before any code was checked (a switch to an
// authenticator app the citizen never set up): it counts among the account's wrong codes of
// the hour from now on, but decides nothing by itself.
func (r *Regulator) CodeRefused(ctx context.Context, a Attempt, reason string) {
	r.note(ctx, a.entry("otp", false, reason))
}

// CodeAccepted records a right code in the attempt log.
func (r *Regulator) CodeAccepted(ctx context.Context, a Attempt) {
	r.note(ctx, a.entry("otp", true, ""))
}
