package regulator_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"dvclogin/app/regulator"
	"dvclogin/store"
)

// cutShort reserves n password attempts from ip at the fake clock's now that never get an
// outcome, as a process killed mid-hash leaves them.
func (e *env) cutShort(t *testing.T, ip string, n int) {
	t.Helper()
	for i := range n {
		if _, err := e.st.ReserveAttempt(e.ctx, store.Attempt{At: e.now, IP: ip, IDNumber: fmt.Sprintf("0019950001%02d", i),
			Kind: "password"}, store.AttemptLimit{Max: 20, Window: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
}

// Attempts a crash cut short count while their hashes could still be running, then no more:
// a few crashes do not lock an office behind one address out of its window.
func TestPasswordCutShortStopsCountingAfterTheGrace(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.IPMaxFailures = 2 })
	e.cutShort(t, ip, 2)
	v, err := e.Password(e.ctx, e.unknownID("001995000001", ip), never(t))
	want(t, "while they could still be checked", v, err, limitedAt(regulator.Client, t0.Add(10*time.Minute), t0))
	e.advance(store.PendingGrace)
	v, err = e.Password(e.ctx, e.unknownID("001995000001", ip), wrong)
	want(t, "once the grace is over", v, err, wrongLeft(4, 1))
}

// Wrong passwords count for the whole window, long after the grace of cut-short attempts.
func TestPasswordFailuresOutlastTheGrace(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.IPMaxFailures = 2 })
	for i := range 2 {
		e.Password(e.ctx, e.unknownID(fmt.Sprintf("00199500000%d", i), ip), wrong)
	}
	e.advance(10*time.Minute - time.Second)
	v, err := e.Password(e.ctx, e.unknownID("001995000009", ip), never(t))
	want(t, "1 s before the window ends", v, err, limitedAt(regulator.Client, t0.Add(10*time.Minute), e.now))
}

// A client that hangs up while its password is checked still has the attempt counted, for
// the whole window: hanging up buys no checks.
func TestPasswordHangUpStillCounts(t *testing.T) {
	e := newEnv(t, func(l *regulator.Limits) { l.IPMaxFailures = 1 })
	ctx, hangUp := context.WithCancel(e.ctx)
	e.Password(ctx, e.unknownID("001995000001", ip), func() (bool, error) {
		hangUp()
		return false, nil
	})
	e.advance(store.PendingGrace + time.Minute)
	v, err := e.Password(e.ctx, e.unknownID("001995000002", ip), never(t))
	want(t, "after the hang-up", v, err, limitedAt(regulator.Client, t0.Add(10*time.Minute), e.now))
}

// A burst of parallel guesses from one client gets exactly the window's worth of checks.
func TestPasswordParallelBurstStopsAtTheLimit(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	kinds := map[regulator.Kind]int{}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			v, err := e.Password(e.ctx, e.unknownID(fmt.Sprintf("0019950000%02d", i), ip), wrong)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			kinds[v.Kind]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if kinds[regulator.Wrong] != 20 || kinds[regulator.Limited] != 20 {
		t.Fatalf("40 parallel guesses under a limit of 20: %v", kinds)
	}
}

// cutShortPasscode starts a passcode check that a crash cuts short in its hash: the check
// never returns, as in a process killed mid-hash, and nothing after it runs. Then the next
// start tidies the attempts the crash left (DropUnfinishedAttempts, as app.New does).
func (e *env) cutShortPasscode(t *testing.T, cit store.Citizen) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Passcode(e.ctx, e.by(cit, ip), func() (bool, error) {
			runtime.Goexit() // the process dies here: no outcome is ever recorded
			return false, nil
		})
		t.Error("the passcode check went on after its hash was cut short")
	}()
	<-done
	if _, err := e.st.DropUnfinishedAttempts(e.ctx); err != nil {
		t.Fatal(err)
	}
}

// A passcode guess is counted on the citizen before its hash runs: a crash between the two
// does not give it back, however long after the next start comes, and a guess cut short at the
// lock's count still locks. Unlike a password attempt (whose per-address count forgets a cut
// short one after the grace), a guesser who could kill the server mid-hash would otherwise
// get free guesses.
func TestPasscodeCutShortStillCounts(t *testing.T) {
	e := newEnv(t)
	an := e.citizen(t, 1)
	for range 3 {
		e.Passcode(e.ctx, e.by(an, ip), wrong)
	}
	e.cutShortPasscode(t, an)
	e.advance(store.PendingGrace + time.Hour)
	v, err := e.Passcode(e.ctx, e.by(an, ip), wrong)
	want(t, "the wrong guess after a cut short 4th", v, err, started(limitedAt(regulator.Account, e.now.Add(5*time.Minute), e.now), 5))

	e.advance(5 * time.Minute)
	for i := 6; i <= 8; i++ {
		v, err := e.Passcode(e.ctx, e.by(an, ip), wrong)
		want(t, fmt.Sprintf("wrong passcode %d", i), v, err, wrongLeft(10-i, i))
	}
	e.cutShortPasscode(t, an) // the 9th
	e.cutShortPasscode(t, an) // the 10th: the lock's
	e.advance(24 * time.Hour)
	v, err = e.Passcode(e.ctx, e.by(an, ip), never(t))
	want(t, "the right passcode after the 10th guess was cut short", v, err, regulator.Verdict{Kind: regulator.Locked, Scope: regulator.Account})
}
