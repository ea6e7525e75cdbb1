package store

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dvclogin/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// eachDB runs test on SQLite and on PostgreSQL, as subtests named "sqlite" and "postgres";
// the PostgreSQL one skips, saying why, where PostgreSQL is not installed.
func eachDB(t *testing.T, test func(t *testing.T)) {
	t.Run("sqlite", test)
	t.Run("postgres", test)
}

// onPostgres reports whether t runs inside eachDB's "postgres" subtest.
func onPostgres(t testing.TB) bool {
	return slices.Contains(strings.Split(t.Name(), "/"), "postgres")
}

// openTemp opens a new empty store, and returns it and what Open was given: a file in a
// temporary folder, or a new PostgreSQL database when t runs on PostgreSQL.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	if onPostgres(t) {
		path = pgtest.URL(t)
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestMigrationsApplyOnce(t *testing.T) { eachDB(t, testMigrationsApplyOnce) }

func testMigrationsApplyOnce(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	var n1 int
	s.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n1)
	if n1 == 0 {
		t.Fatal("no migration recorded")
	}
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	var n2 int
	s2.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n2)
	if n1 != n2 {
		t.Fatalf("migrations %d then %d", n1, n2)
	}
}

func TestSecretPersists(t *testing.T) { eachDB(t, testSecretPersists) }

func testSecretPersists(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	gen := func() ([]byte, error) { return []byte("first"), nil }
	v1, err := s.Secret(ctx, "k", gen)
	if err != nil || string(v1) != "first" {
		t.Fatal(v1, err)
	}
	s.Close()
	s2, _ := Open(ctx, path)
	defer s2.Close()
	v2, _ := s2.Secret(ctx, "k", func() ([]byte, error) { return []byte("second"), nil })
	if string(v2) != "first" {
		t.Fatalf("secret changed across reopen: %q", v2)
	}
}

func seedCitizen(t *testing.T, s *Store) Citizen {
	t.Helper()
	c := Citizen{ID: "c1", IDNumber: "001085012345", FullName: "Nguyễn Văn An", BirthDate: "1985-03-12",
		Gender: "Nam", Phone: "0912345678", Level: 2, PasswordHash: "x", PasscodeHash: "y", CreatedAt: time.Now()}
	if err := s.CreateCitizen(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode counts one wrong code on OTP challenge id of citizenID (whose account does not lock
// here), failing at max; it returns the challenge's failures and whether it died.
func wrongCode(ctx context.Context, s *Store, citizenID, id string, max int) (int, bool, error) {
	f, err := s.CodeFailed(ctx, Attempt{At: time.Now(), IP: "192.0.2.1", CitizenID: citizenID, Reason: "wrong_code"},
		OTPChallengeCode(id), CodeLimits{Max: max, AccountMax: 1000, Window: time.Hour})
	return f.Failures, f.Dead, err
}

// wrongPassword reserves a password attempt of citizenID at now and records it as wrong; it
// returns the lock end (zero if not locked) and the failures counted.
func wrongPassword(ctx context.Context, s *Store, citizenID string, now time.Time, max int, lockFor time.Duration) (time.Time, int, error) {
	r, err := s.ReservePassword(ctx, Attempt{At: now, IP: "192.0.2.1", CitizenID: citizenID, Kind: "password"})
	if err != nil {
		return time.Time{}, 0, err
	}
	return s.PasswordFailed(ctx, r.ID, "wrong_password", now, max, lockFor)
}

// Of many concurrent uses of one code, exactly one wins: the conditional UPDATE is the lock.
func TestUseOTPOnce(t *testing.T) { eachDB(t, testUseOTPOnce) }

func testUseOTPOnce(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	c := seedCitizen(t, s)
	now := time.Now()
	ch := OTPChallenge{ID: "ch1", AuthRequestID: "ar1", SessionHash: "sh", CitizenID: c.ID, Channel: "sms",
		CodeHash: "h", ExpiresAt: now.Add(time.Minute), CreatedAt: now}
	if err := s.CreateOTPChallenge(ctx, ch); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.UseOTP(ctx, "ch1", "h", now); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, ErrConflict) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d wins", wins.Load())
	}
	if err := s.UseOTP(ctx, "ch1", "h", now); !errors.Is(err, ErrConflict) {
		t.Fatalf("reuse: %v", err)
	}
}

func TestOTPFailuresSurviveResend(t *testing.T) { eachDB(t, testOTPFailuresSurviveResend) }

func testOTPFailuresSurviveResend(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	c := seedCitizen(t, s)
	now := time.Now()
	s.CreateOTPChallenge(ctx, OTPChallenge{ID: "ch", AuthRequestID: "ar", SessionHash: "sh", CitizenID: c.ID,
		Channel: "sms", CodeHash: "a", ExpiresAt: now.Add(time.Minute), CreatedAt: now})
	for i := 0; i < 3; i++ {
		wrongCode(ctx, s, c.ID, "ch", 5)
	}
	if err := s.ResendOTP(ctx, "ch", "app", "b", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, dead, _ := wrongCode(ctx, s, c.ID, "ch", 5)
	if n != 4 || dead {
		t.Fatalf("after resend: %d failures, dead %v; want 4, alive", n, dead)
	}
	if n, dead, _ = wrongCode(ctx, s, c.ID, "ch", 5); n != 5 || !dead {
		t.Fatalf("5th failure: %d, dead %v", n, dead)
	}
	if err := s.UseOTP(ctx, "ch", "b", now); !errors.Is(err, ErrConflict) {
		t.Fatal("a dead challenge accepted its code")
	}
}

func TestPasswordLockAfterMaxFailures(t *testing.T) { eachDB(t, testPasswordLockAfterMaxFailures) }

func testPasswordLockAfterMaxFailures(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	c := seedCitizen(t, s)
	now := time.Now()
	for i := 1; i <= 4; i++ {
		until, n, err := wrongPassword(ctx, s, c.ID, now, 5, 15*time.Minute)
		if err != nil || !until.IsZero() || n != i {
			t.Fatalf("failure %d: %v %d %v", i, until, n, err)
		}
	}
	until, _, _ := wrongPassword(ctx, s, c.ID, now, 5, 15*time.Minute)
	if !until.Equal(now.Add(15 * time.Minute)) {
		t.Fatalf("lock until %v", until)
	}
	got, _ := s.CitizenByID(ctx, c.ID)
	if !got.LockedUntil.After(now) || got.PasswordFailures != 0 {
		t.Fatalf("stored: locked %v failures %d", got.LockedUntil, got.PasswordFailures)
	}
}

// The app's "one device at a time": a new session of a subject ends the previous ones.
func TestReplaceSubjectSession(t *testing.T) { eachDB(t, testReplaceSubjectSession) }

func testReplaceSubjectSession(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	mk := func(h string) Session {
		return Session{IDHash: h, Kind: "app", Subject: "c1", Data: "{}", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	s.ReplaceSubjectSession(ctx, mk("a"))
	ended, err := s.ReplaceSubjectSession(ctx, mk("b"))
	if err != nil || ended != 1 {
		t.Fatalf("ended %d, %v", ended, err)
	}
	if _, err := s.SessionByHash(ctx, "app", "a", now); !errors.Is(err, ErrNotFound) {
		t.Fatal("the first device's session survived")
	}
	if _, err := s.SessionByHash(ctx, "app", "b", now); err != nil {
		t.Fatal(err)
	}
}

func TestPurgeExpired(t *testing.T) { eachDB(t, testPurgeExpired) }

func testPurgeExpired(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	c := seedCitizen(t, s)
	now := time.Now()
	old, fresh := now.Add(-48*time.Hour), now
	s.CreateSession(ctx, Session{IDHash: "old", Kind: "portal", Data: "{}", CreatedAt: old, SeenAt: old, ExpiresAt: old})
	s.CreateSession(ctx, Session{IDHash: "new", Kind: "portal", Data: "{}", CreatedAt: fresh, SeenAt: fresh, ExpiresAt: fresh.Add(time.Hour)})
	s.CreateOTPChallenge(ctx, OTPChallenge{ID: "old", AuthRequestID: "a", SessionHash: "s", CitizenID: c.ID, Channel: "sms", ExpiresAt: old, CreatedAt: old})
	s.CreateOTPChallenge(ctx, OTPChallenge{ID: "new", AuthRequestID: "b", SessionHash: "s", CitizenID: c.ID, Channel: "sms", ExpiresAt: fresh.Add(time.Minute), CreatedAt: fresh})
	if _, err := s.Purge(ctx, now, DefaultRetention()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OTPChallengeByID(ctx, "old"); !errors.Is(err, ErrNotFound) {
		t.Error("old challenge kept")
	}
	if _, err := s.OTPChallengeByID(ctx, "new"); err != nil {
		t.Error("live challenge purged")
	}
	var n int
	s.r.QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&n)
	if n != 1 {
		t.Errorf("%d sessions left, want 1", n)
	}
}
