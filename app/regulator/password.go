package regulator

import (
	"context"
	"errors"

	"dvclogin/store"
)

// Password regulates one check of a citizen's password (the web login and the app login
// alike) for a.IDNumber, which may belong to a citizen (a.CitizenID) or to nobody: both count
// and lock by the same rule, so that a lock does not tell which ID numbers exist.
//
// A locked ID number is refused at once (Locked). Then the attempt takes its place as a
// failure under its client's window before check computes the hash, so parallel guesses cannot
// run past it (Limited, Client: the window holds IPMaxFailures failures). A right password
// (Allowed) clears the count of wrong ones in a row; the PasswordMaxFailures-th wrong one locks
// the ID number for PasswordLock (Locked, Started); any other is Wrong.
func (r *Regulator) Password(ctx context.Context, a Attempt, check Check) (Verdict, error) {
	lim := r.limits
	res, err := r.store.ReservePassword(ctx, a.entry("password", false, ""),
		store.AttemptLimit{Max: lim.IPMaxFailures, Window: lim.IPWindow})
	var locked *store.LockError
	if errors.As(err, &locked) {
		r.note(ctx, a.entry("password_refused", false, "locked"))
		return lockedUntil(locked.Until, a.At), nil
	}
	var full *store.LimitError
	if errors.As(err, &full) {
		refusal := a.entry("password_refused", false, "ip_limited")
		refusal.CitizenID = "" // the window is the client's, whoever it named
		r.note(ctx, refusal)
		return limitedUntil(Client, full.FreeAt, a.At), nil
	}
	if err != nil {
		return Verdict{}, err
	}
	ctx = settling(ctx)
	ok, err := check()
	if err != nil {
		r.drop(ctx, res.ID)
		return Verdict{}, err
	}
	if ok {
		if err := r.store.PasswordSucceeded(ctx, res.ID); err != nil {
			return Verdict{}, err
		}
		return Verdict{Kind: Allowed}, nil
	}
	reason := "wrong_password"
	if a.CitizenID == "" {
		reason = "unknown_id"
	}
	until, n, err := r.store.PasswordFailed(ctx, res.ID, reason, a.At, lim.PasswordMaxFailures, lim.PasswordLock)
	if err != nil {
		return Verdict{}, err
	}
	if !until.IsZero() {
		v := lockedUntil(until, a.At)
		v.Failures, v.Started = n, true
		return v, nil
	}
	return Verdict{Kind: Wrong, TriesLeft: lim.PasswordMaxFailures - n, Failures: n}, nil
}
