package regulator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"dvclogin/app/regulator"
	"dvclogin/store"
)

// t0 is when every test's fake clock starts.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// errBusy stands for a hash the server had no core for.
var errBusy = errors.New("hashing saturated")

// env is a regulator over a real SQLite store in a temporary folder, with a fake clock.
type env struct {
	*regulator.Regulator
	st  *store.Store
	now time.Time
	ctx context.Context
}

// newEnv opens a fresh store; tweak adjusts the default limits.
func newEnv(t *testing.T, tweak ...func(*regulator.Limits)) *env {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "regulator.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	lim := regulator.DefaultLimits()
	for _, f := range tweak {
		f(&lim)
	}
	return &env{Regulator: regulator.New(st, lim, slog.New(slog.NewTextHandler(io.Discard, nil))), st: st, now: t0,
		ctx: context.Background()}
}

// advance moves the fake clock on.
func (e *env) advance(d time.Duration) { e.now = e.now.Add(d) }

// citizen creates a citizen with a 12-digit ID number derived from n.
func (e *env) citizen(t *testing.T, n int) store.Citizen {
	t.Helper()
	c := store.Citizen{ID: fmt.Sprintf("c%d", n), IDNumber: fmt.Sprintf("0010850%05d", n), FullName: "Nguyễn Văn An",
		BirthDate: "1985-03-12", Gender: "Nam", Phone: fmt.Sprintf("09123%05d", n), Level: 2, PasswordHash: "x",
		PasscodeHash: "y", CreatedAt: t0}
	if err := e.st.CreateCitizen(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// by is an attempt of cit from ip at the fake clock's now.
func (e *env) by(cit store.Citizen, ip string) regulator.Attempt {
	return regulator.Attempt{At: e.now, IP: ip, IDNumber: cit.IDNumber, CitizenID: cit.ID}
}

// unknownID is an attempt for an ID number that belongs to nobody.
func (e *env) unknownID(idNumber, ip string) regulator.Attempt {
	return regulator.Attempt{At: e.now, IP: ip, IDNumber: idNumber}
}

func right() (bool, error) { return true, nil }
func wrong() (bool, error) { return false, nil }
func busy() (bool, error)  { return false, errBusy }

// never is a check the rules must not reach.
func never(t *testing.T) regulator.Check {
	return func() (bool, error) {
		t.Error("a secret was checked that the rules should have refused first")
		return true, nil
	}
}

// want fails unless the regulator answered w.
func want(t *testing.T, what string, got regulator.Verdict, err error, w regulator.Verdict) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got.Kind != w.Kind || got.Scope != w.Scope || !got.Until.Equal(w.Until) || got.RetryAfter != w.RetryAfter ||
		got.TriesLeft != w.TriesLeft || got.Failures != w.Failures || got.Started != w.Started {
		t.Fatalf("%s:\n got %s\nwant %s", what, show(got), show(w))
	}
}

func show(v regulator.Verdict) string {
	s := fmt.Sprintf("%s scope=%s tries_left=%d failures=%d started=%v", v.Kind, v.Scope, v.TriesLeft, v.Failures, v.Started)
	if !v.Until.IsZero() || v.RetryAfter != 0 {
		s += fmt.Sprintf(" until=+%s retry_after=%s", v.Until.Sub(t0), v.RetryAfter)
	}
	return s
}

// Verdict shorthands.
func allowed() regulator.Verdict { return regulator.Verdict{Kind: regulator.Allowed} }

func wrongLeft(left, failures int) regulator.Verdict {
	return regulator.Verdict{Kind: regulator.Wrong, TriesLeft: left, Failures: failures}
}

func lockedAt(until time.Time, now time.Time) regulator.Verdict {
	return regulator.Verdict{Kind: regulator.Locked, Scope: regulator.Account, Until: until, RetryAfter: until.Sub(now)}
}

func started(v regulator.Verdict, failures int) regulator.Verdict {
	v.Started, v.Failures = true, failures
	return v
}

func limitedAt(scope regulator.Scope, until, now time.Time) regulator.Verdict {
	return regulator.Verdict{Kind: regulator.Limited, Scope: scope, Until: until, RetryAfter: until.Sub(now)}
}

// The zero verdict allows nothing: a forgotten answer is never a login.
func TestZeroVerdictIsNoAllowance(t *testing.T) {
	if (regulator.Verdict{}).Kind == regulator.Allowed {
		t.Fatal("the zero Verdict is Allowed")
	}
}
