// Package regulator holds the brute-force rules of every login secret (passwords, second-factor
// codes, the app passcode, the console password) and the SMS budget, over the attempt log in the
// store: plain inputs in, a typed verdict out, for the HTTP handlers to put into words.
package regulator

import (
	"context"
	"log/slog"
	"time"

	"dvclogin/store"
)

// Regulator applies Limits to attempts, recording each in the store.
type Regulator struct {
	store  *store.Store
	limits Limits
	log    *slog.Logger
}

// New returns a regulator over st with lim.
func New(st *store.Store, lim Limits, log *slog.Logger) *Regulator {
	return &Regulator{store: st, limits: lim, log: log}
}

// Attempt is one try at a secret, in plain values the HTTP layer read from its request.
type Attempt struct {
	At        time.Time // now, by the server's clock
	IP        string    // the client's address; per-client limits count its store.ClientKey
	IDNumber  string    // the ID number typed, or the citizen's
	CitizenID string    // "" for an ID number that belongs to nobody (and for the console)
}

// Check checks the secret of an attempt that holds its place under the limits, and reports
// whether it was right. An error means it was not checked (password hashing was saturated):
// the attempt gives its place back and the regulator returns that error unchanged.
type Check func() (bool, error)

// failing is c as a Claim that fails for reason.
func (c Check) failing(reason string) Claim {
	return func() (string, error) {
		ok, err := c()
		if ok || err != nil {
			return "", err
		}
		return reason, nil
	}
}

// Kind is what a Verdict says. The zero Kind is no verdict, so a zero Verdict allows nothing.
type Kind int

const (
	// Allowed: the secret was right, or the SMS may go.
	Allowed Kind = iota + 1
	// Locked: a lock refused the attempt, or this attempt started it (Started): an account's
	// password login, the console login or an app passcode. Until says when it ends; a
	// passcode lock has no end (an operator lifts it).
	Locked
	// Limited: a limit refused the attempt, or this attempt started it (Started): a
	// per-client window, a passcode cooldown, the SMS budget. RetryAfter says when to try
	// again.
	Limited
	// Wrong: the secret was wrong. TriesLeft more are allowed before a lock (or, for a
	// code, before the challenge or activation it was typed for ends: 0 means it ended).
	Wrong
)

// String names the kind, for logs and test failures.
func (k Kind) String() string {
	switch k {
	case Allowed:
		return "allowed"
	case Locked:
		return "locked"
	case Limited:
		return "limited"
	case Wrong:
		return "wrong"
	}
	return "none"
}

// Scope is whose lock or limit a verdict names.
type Scope int

const (
	// Account is one citizen's account, or the console's one operator password.
	Account Scope = iota + 1
	// Client is one client: an IPv4 address or an IPv6 /64 (store.ClientKey).
	Client
)

// String names the scope, for logs.
func (s Scope) String() string {
	switch s {
	case Account:
		return "account"
	case Client:
		return "client"
	}
	return "none"
}

// Verdict is the regulator's answer to one attempt.
type Verdict struct {
	Kind       Kind
	Scope      Scope         // Locked, Limited: whose lock or limit
	Until      time.Time     // Locked, Limited: when it ends (zero for a passcode lock)
	RetryAfter time.Duration // Locked, Limited: the time left until then, from the attempt
	TriesLeft  int           // Wrong: tries left
	Failures   int           // the failures counted by the rule that decided, this one included
	Started    bool          // this attempt started the lock or cooldown: audit it, tell the citizen
}

// lockedUntil is a Locked verdict for the account until until, seen at now.
func lockedUntil(until, now time.Time) Verdict {
	return Verdict{Kind: Locked, Scope: Account, Until: until, RetryAfter: until.Sub(now)}
}

// limitedUntil is a Limited verdict for scope until until, seen at now.
func limitedUntil(scope Scope, until, now time.Time) Verdict {
	return Verdict{Kind: Limited, Scope: scope, Until: until, RetryAfter: until.Sub(now)}
}

// entry is the attempt as a row of the attempt log.
func (a Attempt) entry(kind string, success bool, reason string) store.Attempt {
	return store.Attempt{At: a.At, IP: a.IP, IDNumber: a.IDNumber, CitizenID: a.CitizenID, Kind: kind,
		Success: success, Reason: reason}
}

// note appends an attempt to the log outside any decision (a refusal, a passcode guess, whose
// count is kept with the citizen, a right code): best effort, a failure is logged.
func (r *Regulator) note(ctx context.Context, e store.Attempt) {
	if err := r.store.RecordAttempt(ctx, e); err != nil {
		r.log.Warn("record attempt", "kind", e.Kind, "err", err)
	}
}

// settling is ctx for recording the outcome of a reserved attempt: it outlives the request, so
// that a client who hangs up mid-check still has its attempt counted. Left pending, the attempt
// would stop counting after store.PendingGrace, and hanging up would buy checks.
func settling(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// drop gives back the place of an attempt whose secret was never checked: best effort, a
// failure is logged (the attempt then counts as a failure until store.PendingGrace passes).
func (r *Regulator) drop(ctx context.Context, id int64) {
	if err := r.store.DropAttempt(ctx, id); err != nil {
		r.log.Warn("drop attempt", "err", err)
	}
}
