package regulator

import (
	"context"
	"errors"

	"dvclogin/store"
)

// Passcode regulates one check of a citizen's app passcode (a.CitizenID): NIST 800-63B-4
// §3.2.10 allows at most 10 consecutive failures for an activation secret.
//
// The guess is counted, and a cooldown it earns started, before check computes the hash, so
// parallel guesses cannot run past either. While the passcode is locked it is refused (Locked);
// while it cools down, too (Limited, Account). A right passcode (Allowed) clears the count. Every
// PasscodeCooldownEvery-th wrong one starts a cooldown of PasscodeCooldown (Limited, Started);
// the PasscodeLockAt-th locks the passcode until an operator resets it (Locked, Started, no
// Until); any other is Wrong, with the tries left before that lock.
func (r *Regulator) Passcode(ctx context.Context, a Attempt, check Check) (Verdict, error) {
	lim := r.limits
	n, err := r.store.ReservePasscodeGuess(ctx, a.CitizenID, a.At, lim.PasscodeLockAt, lim.PasscodeCooldownEvery, lim.PasscodeCooldown)
	var refused *store.PasscodeRefusal
	if errors.As(err, &refused) {
		if refused.Locked {
			return Verdict{Kind: Locked, Scope: Account}, nil
		}
		return limitedUntil(Account, refused.CooldownUntil, a.At), nil
	}
	if err != nil {
		return Verdict{}, err
	}
	ok, err := check()
	if err != nil {
		if rerr := r.store.ReleasePasscodeGuess(ctx, a.CitizenID, n, lim.PasscodeCooldownEvery); rerr != nil {
			r.log.Warn("release passcode guess", "err", rerr)
		}
		return Verdict{}, err
	}
	if ok {
		r.note(ctx, a.entry("passcode", true, ""))
		if err := r.store.ResetPasscodeFailures(ctx, a.CitizenID); err != nil {
			return Verdict{}, err
		}
		return Verdict{Kind: Allowed}, nil
	}
	r.note(ctx, a.entry("passcode", false, "wrong_passcode"))
	pv, err := r.store.PasscodeGuessFailed(ctx, a.CitizenID, n, a.At, lim.PasscodeCooldownEvery, lim.PasscodeCooldown, lim.PasscodeLockAt)
	if err != nil {
		return Verdict{}, err
	}
	switch {
	case pv.Locked:
		return Verdict{Kind: Locked, Scope: Account, Failures: pv.Failures, Started: true}, nil
	case !pv.CooldownUntil.IsZero():
		v := limitedUntil(Account, pv.CooldownUntil, a.At)
		v.Failures, v.Started = pv.Failures, true
		return v, nil
	}
	return Verdict{Kind: Wrong, TriesLeft: lim.PasscodeLockAt - pv.Failures, Failures: pv.Failures}, nil
}
