package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// reserveAt reserves a password attempt from one address at at under a limit of max in 10
// minutes.
func reserveAt(s *Store, at time.Time, max int) (Reservation, error) {
	return s.ReserveAttempt(context.Background(), Attempt{At: at, IP: "203.0.113.7", Kind: "password"},
		AttemptLimit{Max: max, Window: 10 * time.Minute})
}

// wantFull fails unless err is a full limit that frees at free.
func wantFull(t *testing.T, what string, err error, free time.Time) {
	t.Helper()
	var full *LimitError
	if !errors.As(err, &full) || !full.FreeAt.Equal(free) {
		t.Fatalf("%s: %v, want the limit full until %s", what, err, free)
	}
}

// A reservation that never gets an outcome (its process was killed mid-hash) counts while
// its hash could still be running, then no more: crashes do not fill an address's window.
func TestPendingAttemptStopsCountingAfterTheGrace(t *testing.T) {
	eachDB(t, testPendingAttemptStopsCountingAfterTheGrace)
}

func testPendingAttemptStopsCountingAfterTheGrace(t *testing.T) {
	s, _ := openTemp(t)
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for range 2 {
		if _, err := reserveAt(s, t0, 2); err != nil {
			t.Fatal(err)
		}
	}
	_, err := reserveAt(s, t0.Add(PendingGrace-time.Second), 2)
	wantFull(t, "while the two could still be checked", err, t0.Add(10*time.Minute))
	if _, err := reserveAt(s, t0.Add(PendingGrace), 2); err != nil {
		t.Fatalf("once the grace is over: %v, want room", err)
	}
}

// A finished failure counts for the whole window, however old the grace of pending ones.
func TestFinishedFailuresCountTheWholeWindow(t *testing.T) {
	eachDB(t, testFinishedFailuresCountTheWholeWindow)
}

func testFinishedFailuresCountTheWholeWindow(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for range 2 {
		r, err := reserveAt(s, t0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishAttempt(ctx, r.ID, false, "wrong_password"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := reserveAt(s, t0.Add(10*time.Minute-time.Second), 2)
	wantFull(t, "1 s before the window ends", err, t0.Add(10*time.Minute))
	if _, err := reserveAt(s, t0.Add(10*time.Minute), 2); err != nil {
		t.Fatalf("at the window's end: %v, want room", err)
	}
}

// A burst of parallel guesses from one address takes exactly the limit's places: the grace
// forgives only reservations older than any live check.
func TestParallelReservationsStopAtTheLimit(t *testing.T) {
	eachDB(t, testParallelReservationsStopAtTheLimit)
}

func testParallelReservationsStopAtTheLimit(t *testing.T) {
	s, _ := openTemp(t)
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	var taken, refused atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			_, err := reserveAt(s, t0, 20)
			switch {
			case err == nil:
				taken.Add(1)
			case errors.Is(err, ErrConflict):
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if taken.Load() != 20 || refused.Load() != 20 {
		t.Fatalf("40 parallel reservations under a limit of 20: %d taken, %d refused", taken.Load(), refused.Load())
	}
}
