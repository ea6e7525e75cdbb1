package regulator

import (
	"context"
	"errors"

	"dvclogin/store"
)

// Claim tries a SIM transfer code and returns why it failed, for the attempt log, or "" when
// the SIM moved. An error means the code was not tried: the attempt gives its place back and
// the regulator returns that error unchanged.
type Claim func() (failure string, err error)

// SIMClaim regulates one try of a SIM transfer code, which needs no login: the code is the
// authority, so failed tries count against the client like failed passwords. The try takes its
// place as a failure under the client's window before claim runs (Limited, Client: the window
// holds IPMaxFailures failures); a failed claim is Wrong, with the tries left.
func (r *Regulator) SIMClaim(ctx context.Context, a Attempt, claim Claim) (Verdict, error) {
	lim := r.limits
	res, err := r.store.ReserveAttempt(ctx, a.entry("sim_claim", false, ""),
		store.AttemptLimit{Max: lim.IPMaxFailures, Window: lim.IPWindow})
	var full *store.LimitError
	if errors.As(err, &full) {
		return limitedUntil(Client, full.FreeAt, a.At), nil
	}
	return r.finish(ctx, res, err, claim)
}
