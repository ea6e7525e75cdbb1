package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestRewritePlaceholders(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`},
		{`UPDATE t SET x = CASE WHEN x > ?1 THEN x ELSE ?1 END WHERE id = ?2`, `UPDATE t SET x = CASE WHEN x > $1 THEN x ELSE $1 END WHERE id = $2`},
		{`SELECT '?', 'it''s ?', "a?b", ? -- why?
			/* and ? here */ FROM t WHERE x = ?`, `SELECT '?', 'it''s ?', "a?b", $1 -- why?
			/* and ? here */ FROM t WHERE x = $2`},
	} {
		if got := rewritePlaceholders(tc.in); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

// Both databases have every migration, under the same number and name.
func TestMigrationsMatch(t *testing.T) {
	names := func(pg bool) []string {
		list, err := migrationList(pg)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range list {
			out = append(out, filepath.Base(m.name))
		}
		return out
	}
	sqlite, pg := names(false), names(true)
	if len(sqlite) == 0 || !slices.Equal(sqlite, pg) {
		t.Fatalf("SQLite's migrations %v, PostgreSQL's %v", sqlite, pg)
	}
	// No stray file that the glob would not apply.
	all, _ := fs.ReadDir(migrations, "migrations/postgres")
	if len(all) != len(pg) {
		t.Fatalf("%d files in migrations/postgres, %d migrations", len(all), len(pg))
	}
}

// Twenty phones confirming one scanned QR login at once: exactly one wins, on both databases.
func TestQRConfirmHasOneWinner(t *testing.T) { eachDB(t, testQRConfirmHasOneWinner) }

func testQRConfirmHasOneWinner(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	c := seedCitizen(t, s)
	now := time.Now()
	l := QRLogin{ID: "qr1", AuthRequestID: "ar1", FrameSecret: []byte{1, 2}, BindingHash: "b", IP: "192.0.2.1",
		CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := s.CreateQRLogin(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := s.ScanQRLogin(ctx, l.ID, c.ID, "N*", "app1", false, now); err != nil {
		t.Fatal(err)
	}
	if err := s.ScanQRLogin(ctx, l.ID, c.ID, "N*", "app2", false, now); !errors.Is(err, ErrConflict) {
		t.Fatalf("a second scan: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for range 20 {
		wg.Go(func() {
			err := s.ConfirmQRLogin(ctx, l.ID, "app1", now)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, ErrConflict):
				lost++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 || lost != 19 {
		t.Fatalf("20 parallel confirms: %d won, %d refused", won, lost)
	}
	got, err := s.QRLoginByID(ctx, l.ID)
	if err != nil || got.State != QRConfirmed || got.StateAt(now.Add(time.Hour)) != QRConfirmed {
		t.Fatalf("after the confirms: %+v %v", got, err)
	}
	if err := s.ExpireQRLogin(ctx, l.ID, now.Add(time.Hour)); !errors.Is(err, ErrConflict) {
		t.Fatalf("expiring a confirmed login: %v", err)
	}
}

// A PostgreSQL database of another program, or one a newer dvclogin migrated, is refused
// before anything is written to it.
func TestOpenChecksWhosePostgresDatabase(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		ctx := context.Background()
		s, url := openTemp(t)
		latest, _ := LatestSchema()
		mustExec(t, s, fmt.Sprintf(`INSERT INTO schema_migrations VALUES (%d, 'later.sql', 0)`, latest+1))
		s.Close()
		var newer *NewerSchemaError
		if _, err := Open(ctx, url); !errors.As(err, &newer) || newer.Version != latest+1 {
			t.Fatalf("open of a newer schema: %v", err)
		}

		other, otherURL := openTemp(t)
		mustExec(t, other, `DROP TABLE schema_migrations`)
		other.Close()
		if _, err := Open(ctx, otherURL); !errors.Is(err, ErrNotDvclogin) {
			t.Fatalf("open of another program's database: %v", err)
		}
	})
}

// Writes are serialised on both databases: while one write transaction is open, another write
// (in a transaction or alone) waits for it. Counted limits and check-then-insert rely on it.
func TestWritesWaitForTheOpenWriteTransaction(t *testing.T) { eachDB(t, testWritesWait) }

func testWritesWait(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	inside, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.tx(ctx, func(tx *sql.Tx) error {
			close(inside)
			<-release
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (at, actor, action) VALUES (1, 'test', 'first')`)
			return err
		})
	}()
	<-inside
	done := make(chan error, 2)
	go func() { done <- s.Audit(ctx, Event{At: time.UnixMilli(2), Actor: "test", Action: "alone"}) }()
	go func() {
		done <- s.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (at, actor, action) VALUES (3, 'test', 'tx')`)
			return err
		})
	}()
	select {
	case err := <-done:
		t.Fatalf("a write finished while another write transaction was open: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	for _, c := range []chan error{first, done, done} {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
	}
	// The first transaction committed first: its row has the lowest id.
	var action string
	if err := s.r.QueryRowContext(ctx, `SELECT action FROM audit_events ORDER BY id LIMIT 1`).Scan(&action); err != nil || action != "first" {
		t.Fatalf("lowest id %q %v, want the first transaction's", action, err)
	}
}
