package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// openSecond opens another handle on the database of s, as a second instance would.
func openSecond(t *testing.T, target string) *Store {
	t.Helper()
	s, err := Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A notification sent through one handle reaches the listener of another, in order; on SQLite
// nothing listens and nothing is sent.
func TestNotifyReachesAnotherInstance(t *testing.T) { eachDB(t, testNotify) }

func testNotify(t *testing.T) {
	a, target := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if !onPostgres(t) {
		if a.Shared() {
			t.Fatal("an SQLite store says it is shared")
		}
		if err := a.Notify(ctx, "x"); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { a.Listen(ctx, time.Second, func(string) {}, func(bool, error) {}); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Listen on SQLite did not return")
		}
		return
	}
	b := openSecond(t, target)
	got := make(chan string, 10)
	ups := make(chan bool, 10)
	go b.Listen(ctx, time.Second, func(p string) { got <- p }, func(up bool, _ error) { ups <- up })
	if up := <-ups; !up {
		t.Fatal("the listener reported down first")
	}
	for _, p := range []string{"one", "two qr:abc"} {
		if err := a.Notify(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"one", "two qr:abc"} {
		select {
		case p := <-got:
			if p != want {
				t.Fatalf("payload %q, want %q", p, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no notification %q", want)
		}
	}
	if err := a.Notify(ctx, strings.Repeat("x", MaxNotifyPayload+1)); err == nil {
		t.Fatal("an oversized payload was sent")
	}
}

// The listener notices its connection was ended, says so, and listens again.
func TestListenReconnects(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		a, target := openTemp(t)
		b := openSecond(t, target)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chan string, 10)
		ups := make(chan bool, 10)
		go b.Listen(ctx, time.Second, func(p string) { got <- p }, func(up bool, _ error) { ups <- up })
		if !<-ups {
			t.Fatal("not listening")
		}
		// The server ends the listening connection, as a restart or a network cut would.
		if _, err := a.w.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		for _, want := range []bool{false, true} {
			select {
			case up := <-ups:
				if up != want {
					t.Fatalf("listener up=%v, want %v", up, want)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("the listener did not report up=%v", want)
			}
		}
		if err := a.Notify(ctx, "after"); err != nil {
			t.Fatal(err)
		}
		select {
		case p := <-got:
			if p != "after" {
				t.Fatalf("payload %q", p)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no notification after the reconnection")
		}
	})
}

// Of two instances, one runs the exclusive work at a time; the other skips it, and runs it
// once the first is done.
func TestExclusivelyOneAtATime(t *testing.T) { eachDB(t, testExclusively) }

func testExclusively(t *testing.T) {
	a, target := openTemp(t)
	ctx := context.Background()
	if !onPostgres(t) {
		ran, err := a.Exclusively(ctx, func(context.Context) error { return nil })
		if !ran || err != nil {
			t.Fatalf("SQLite: ran=%v err=%v", ran, err)
		}
		return
	}
	b := openSecond(t, target)
	inside, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ran, err := a.Exclusively(ctx, func(context.Context) error {
			close(inside)
			<-release
			return errors.New("from the work")
		})
		if !ran || err == nil || err.Error() != "from the work" {
			t.Errorf("first: ran=%v err=%v", ran, err)
		}
	})
	<-inside
	ran, err := b.Exclusively(ctx, func(context.Context) error {
		t.Error("the second instance ran while the first held the lock")
		return nil
	})
	if ran || err != nil {
		t.Fatalf("second while held: ran=%v err=%v", ran, err)
	}
	close(release)
	wg.Wait()
	ran, err = b.Exclusively(ctx, func(context.Context) error { return nil })
	if !ran || err != nil {
		t.Fatalf("second after release: ran=%v err=%v", ran, err)
	}
}

// An instance that starts leaves the attempts other instances have in flight: only those
// older than before go.
func TestDropStaleAttemptsKeepsLiveOnes(t *testing.T) { eachDB(t, testDropStale) }

func testDropStale(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	old, err := s.ReserveAttempt(ctx, Attempt{At: now.Add(-time.Minute), IP: "192.0.2.1", Kind: "password"})
	if err != nil {
		t.Fatal(err)
	}
	live, err := s.ReserveAttempt(ctx, Attempt{At: now, IP: "192.0.2.1", Kind: "password"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.DropStaleAttempts(ctx, now.Add(-PendingGrace))
	if err != nil || n != 1 {
		t.Fatalf("dropped %d (%v), want 1", n, err)
	}
	var left []int64
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM login_attempts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		left = append(left, id)
	}
	rows.Close()
	if len(left) != 1 || left[0] != live.ID || left[0] == old.ID {
		t.Fatalf("left %v, want only the live attempt %d", left, live.ID)
	}
}

// Instances that start together on an empty database seed it once.
func TestSeedCitizensOnce(t *testing.T) { eachDB(t, testSeedOnce) }

func testSeedOnce(t *testing.T) {
	s, target := openTemp(t)
	others := []*Store{s}
	if onPostgres(t) {
		others = append(others, openSecond(t, target), openSecond(t, target))
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	seeded := 0
	for i := range 6 {
		st := others[i%len(others)]
		wg.Go(func() {
			ok, err := st.SeedCitizens(ctx, DemoCitizens)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				seeded++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	n, err := s.CountCitizens(ctx)
	if err != nil || seeded != 1 || n != len(DemoCitizens) {
		t.Fatalf("%d seeded, %d citizens (%v), want 1 and %d", seeded, n, err, len(DemoCitizens))
	}
}

// BenchmarkNotifyLag measures how long a Notify through one handle takes to reach the Listen
// of another (two instances on one database), one at a time: p50 and p99 in µs.
func BenchmarkNotifyLag(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		a, target := openTemp(b)
		l, err := Open(context.Background(), target)
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chan struct{}, 1)
		ups := make(chan bool, 1)
		go l.Listen(ctx, time.Minute, func(string) { got <- struct{}{} }, func(up bool, _ error) { ups <- up })
		if !<-ups {
			b.Fatal("not listening")
		}
		lags := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			t0 := time.Now()
			if err := a.Notify(ctx, "bench qr:x"); err != nil {
				b.Fatal(err)
			}
			<-got
			lags = append(lags, time.Since(t0))
		}
		b.StopTimer()
		slices.Sort(lags)
		b.ReportMetric(float64(lags[len(lags)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds()), "p99-µs")
	})
}

// Each listening instance is counted while it listens and no longer once it stops, and a
// restore (RestoreFrom) is refused while one listens: it would replace the keys and secrets
// the instance holds in memory. (PostgreSQL only: an SQLite database is guarded by its file
// lock.)
func TestInstancesRunning(t *testing.T) { t.Run("postgres", testInstancesRunning) }

func testInstancesRunning(t *testing.T) {
	a, target := openTemp(t)
	ctx := context.Background()
	file := t.TempDir() + "/b.db"
	if err := a.BackupTo(ctx, file); err != nil {
		t.Fatal(err)
	}
	b := openSecond(t, target)
	lctx, cancel := context.WithCancel(ctx)
	ups := make(chan bool, 10)
	done := make(chan struct{})
	go func() {
		b.Listen(lctx, time.Second, func(string) {}, func(up bool, _ error) { ups <- up })
		close(done)
	}()
	if !<-ups {
		t.Fatal("the listener reported down first")
	}
	if n, err := a.InstancesRunning(ctx); err != nil || n != 1 {
		t.Fatalf("%d instances running (%v), want 1", n, err)
	}
	if _, err := a.RestoreFrom(ctx, file); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore while an instance listens: %v", err)
	}
	cancel()
	<-done
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := a.InstancesRunning(ctx)
		if err == nil && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d instances running after the listener stopped (%v)", n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := a.RestoreFrom(ctx, file); err != nil {
		t.Fatalf("restore once the instance stopped: %v", err)
	}
}
