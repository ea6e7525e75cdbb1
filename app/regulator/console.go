package regulator

import (
	"context"
	"errors"

	"dvclogin/store"
)

// Console regulates one check of the operator console's password from a.IP. The attempt takes
// its place as a failure under two windows before check computes the hash, in one store
// transaction, so neither a guessing script nor a burst of parallel guesses costs more than the
// windows' worth of hashes: its client's (Limited, Client: ConsoleIPMaxFailures in
// ConsoleIPWindow) and, the console having one password, everyone's (Locked, Account:
// ConsoleMaxFailures in ConsoleWindow lock the console login for everyone until the oldest
// leaves the window). A wrong password is Wrong, with the tries left before either refuses.
func (r *Regulator) Console(ctx context.Context, a Attempt, check Check) (Verdict, error) {
	lim := r.limits
	res, err := r.store.ReserveAttempt(ctx, a.entry("console", false, ""),
		store.AttemptLimit{Max: lim.ConsoleIPMaxFailures, Window: lim.ConsoleIPWindow},
		store.AttemptLimit{Max: lim.ConsoleMaxFailures, Window: lim.ConsoleWindow, AllIPs: true})
	var full *store.LimitError
	if errors.As(err, &full) {
		if full.Limit == 0 {
			r.note(ctx, a.entry("console_refused", false, "ip_limited"))
			return limitedUntil(Client, full.FreeAt, a.At), nil
		}
		r.note(ctx, a.entry("console_refused", false, "console_locked"))
		return lockedUntil(full.FreeAt, a.At), nil
	}
	return r.finish(ctx, res, err, check.failing("wrong_password"))
}

// finish runs try for an attempt reserved under windows (res, or the store's error err) and
// records its outcome: Allowed, or Wrong with the reservation's room as the tries left.
func (r *Regulator) finish(ctx context.Context, res store.Reservation, err error, try Claim) (Verdict, error) {
	if err != nil {
		return Verdict{}, err
	}
	ctx = settling(ctx)
	failure, err := try()
	if err != nil {
		r.drop(ctx, res.ID)
		return Verdict{}, err
	}
	v := Verdict{Kind: Allowed}
	if failure != "" {
		v = Verdict{Kind: Wrong, TriesLeft: res.Room}
	}
	if err := r.store.FinishAttempt(ctx, res.ID, failure == "", failure); err != nil {
		return Verdict{}, err
	}
	return v, nil
}
