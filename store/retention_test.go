package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// countRows counts the rows of table matching where.
func countRows(t *testing.T, s *Store, table, where string, args ...any) int {
	t.Helper()
	var n int
	if err := s.r.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustExec(t *testing.T, s *Store, query string, args ...any) {
	t.Helper()
	if _, err := s.w.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func TestPurgeKeepsEachTableItsRetention(t *testing.T) {
	eachDB(t, testPurgeKeepsEachTableItsRetention)
}

func testPurgeKeepsEachTableItsRetention(t *testing.T) {
	r := DefaultRetention()
	// Each insert takes a key (?1) and the time (?2, Unix ms) the row's retention counts from.
	for _, tc := range []struct {
		name, table, key, insert string
		keep                     time.Duration
	}{
		{"Sessions", "sessions", "id_hash",
			`INSERT INTO sessions (id_hash, kind, created_at, seen_at, expires_at) VALUES (?1, 'portal', 0, ?2, ?2)`, 0},
		// Seen last at ?2, its absolute end hours away: dead once idle for the retention.
		{"IdleSessions", "sessions", "id_hash",
			`INSERT INTO sessions (id_hash, kind, created_at, seen_at, expires_at) VALUES (?1, 'idp', ?2, ?2, CAST(?2 AS BIGINT) + 43200000)`,
			r.IdleSessions},
		{"LoginAttempts", "login_attempts", "reason",
			`INSERT INTO login_attempts (at, ip, kind, success, reason) VALUES (?2, '192.0.2.1', 'password', 0, ?1)`, r.LoginAttempts},
		{"SMSSends", "sms_sends", "purpose",
			`INSERT INTO sms_sends (at, citizen_id, ip, purpose) VALUES (?2, 'c1', '192.0.2.1', ?1)`, r.SMSSends},
		{"Messages", "messages", "body",
			`INSERT INTO messages (channel, sender, recipient, body, sent_at) VALUES ('sms', 'VNeID', '0912345678', ?1, ?2)`, r.Messages},
		{"AuditEvents", "audit_events", "detail",
			`INSERT INTO audit_events (at, actor, action, detail) VALUES (?2, 'system', 'test', ?1)`, r.AuditEvents},
		{"OpenAuthRequests", "oidc_auth_requests", "id",
			`INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes, response_type, created_at, expires_at)
			VALUES (?1, 'demo', 'http://x/cb', 'openid', 'code', 0, ?2)`, 0},
		{"FinishedAuthRequests", "oidc_auth_requests", "id",
			`INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes, response_type, created_at, expires_at,
			done, code_hash, code_expires_at) VALUES (?1, 'demo', 'http://x/cb', 'openid', 'code', 0, CAST(?2 AS BIGINT) - 600000, 1, ?1, ?2)`,
			r.FinishedLogins},
		{"QRLogins", "qr_logins", "id",
			`INSERT INTO qr_logins (id, auth_request_id, frame_secret, binding_hash, state, created_at, expires_at)
			VALUES (?1, 'a', '', 'b', 'confirmed', 0, ?2)`, r.FinishedLogins},
		{"DeviceGrants", "device_grants", "id",
			`INSERT INTO device_grants (id, device_code_hash, user_code, client_id, scopes, ip, ip_key, browser, state,
			interval_s, created_at, expires_at) VALUES (?1, ?1, ?1, 'dvc-kiosk', 'openid', '', '', '', 'redeemed', 5, 0, ?2)`,
			r.FinishedLogins},
		{"OTPChallenges", "otp_challenges", "id",
			`INSERT INTO otp_challenges (id, auth_request_id, session_hash, citizen_id, channel, expires_at, created_at)
			VALUES (?1, 'a', 's', 'c1', 'sms', ?2, 0)`, r.Codes},
		{"DeviceActivations", "device_activations", "id",
			`INSERT INTO device_activations (id, device_id, citizen_id, code_hash, expires_at, created_at)
			VALUES (?1, 'd', 'c1', 'h', ?2, 0)`, r.Codes},
		{"SIMTransfers", "sim_transfers", "code_hash",
			`INSERT INTO sim_transfers (code_hash, citizen_id, created_by, created_at, expires_at) VALUES (?1, 'c1', 'console', 0, ?2)`,
			r.Codes},
		{"AccessTokens", "oidc_access_tokens", "id",
			`INSERT INTO oidc_access_tokens (id, grant_id, client_id, subject, scopes, created_at, expires_at)
			VALUES (?1, 'g', 'demo', 'c1', 'openid', 0, ?2)`, r.Tokens},
		{"RefreshTokens", "oidc_refresh_tokens", "token_hash",
			`INSERT INTO oidc_refresh_tokens (token_hash, grant_id, client_id, subject, scopes, created_at, expires_at)
			VALUES (?1, 'g', 'demo', 'c1', 'openid', 0, ?2)`, r.Tokens},
		{"UnknownIDLocks", "unknown_id_failures", "id_number",
			`INSERT INTO unknown_id_failures (id_number, failures, locked_until) VALUES (?1, 0, ?2)`, r.UnknownIDLocks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTemp(t)
			seedCitizen(t, s)
			now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
			mustExec(t, s, tc.insert, "old", ms(now.Add(-tc.keep-time.Second)))
			mustExec(t, s, tc.insert, "young", ms(now.Add(-tc.keep+time.Second)))
			if _, err := s.Purge(context.Background(), now, r); err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, s, tc.table, tc.key+` = 'old'`); n != 0 {
				t.Errorf("row past its retention of %v kept", tc.keep)
			}
			if n := countRows(t, s, tc.table, tc.key+` = 'young'`); n != 1 {
				t.Errorf("row within its retention of %v purged", tc.keep)
			}
		})
	}
}

func TestPurgeKeepsWhatLaterStepsRead(t *testing.T) { eachDB(t, testPurgeKeepsWhatLaterStepsRead) }

func testPurgeKeepsWhatLaterStepsRead(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	r := DefaultRetention()
	ins := `INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes, response_type, created_at, expires_at,
		done, code_hash, code_expires_at) VALUES (?, 'demo', 'http://x/cb', 'openid', 'code', 0, ?, 1, ?, ?)`
	// Login over long ago, but its code is still redeemable: the code exchange reads the row.
	mustExec(t, s, ins, "code-live", ms(now.Add(-time.Hour)), "h1", ms(now.Add(time.Minute)))
	// Logged in, no code yet, the callback may still come.
	mustExec(t, s, ins, "done-live", ms(now.Add(time.Minute)), nil, 0)
	// One unfailed unknown ID number's count stays whatever its age.
	mustExec(t, s, `INSERT INTO unknown_id_failures (id_number, failures, locked_until) VALUES ('counting', 3, 0)`)
	// A phone app's session has no idle end: last seen a day ago, it lives until its expiry.
	mustExec(t, s, `INSERT INTO sessions (id_hash, kind, created_at, seen_at, expires_at) VALUES ('app-live', 'app', ?, ?, ?)`,
		ms(now.Add(-25*time.Hour)), ms(now.Add(-24*time.Hour)), ms(now.Add(time.Hour)))
	if _, err := s.Purge(context.Background(), now, r); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "oidc_auth_requests", `id IN ('code-live', 'done-live')`); n != 2 {
		t.Errorf("%d of 2 auth requests a later step reads kept", n)
	}
	if n := countRows(t, s, "unknown_id_failures", `id_number = 'counting'`); n != 1 {
		t.Error("an unknown ID number's failure count was purged")
	}
	if n := countRows(t, s, "sessions", `id_hash = 'app-live'`); n != 1 {
		t.Error("a phone app's live session was purged for being idle")
	}
}

func TestPurgeNeverCutsARuleWindowShort(t *testing.T) { eachDB(t, testPurgeNeverCutsARuleWindowShort) }

func testPurgeNeverCutsARuleWindowShort(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	r := DefaultRetention()
	longest := time.Hour // the wrong-code count per account, the longest window of the attempt rules
	inside := Attempt{At: now.Add(-longest + time.Second), IP: "192.0.2.1", Kind: "otp", Reason: "inside"}
	if err := s.RecordAttempt(ctx, inside); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, Attempt{At: now, IP: "192.0.2.1", Kind: "otp", Reason: "now"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Purge(ctx, now, r); err != nil {
		t.Fatal(err)
	}
	n, err := s.CountIPFailures(ctx, "192.0.2.1", "otp", now.Add(-longest))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d failures counted within the last %v after the purge, want 2", n, longest)
	}
}

func TestPurgeKeepsTheNewestAttemptSoIDsKeepGrowing(t *testing.T) {
	eachDB(t, testPurgeKeepsTheNewestAttemptSoIDsKeepGrowing)
}

func testPurgeKeepsTheNewestAttemptSoIDsKeepGrowing(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	for range 3 {
		if err := s.RecordAttempt(ctx, Attempt{At: now.Add(-24 * time.Hour), IP: "192.0.2.1", Kind: "otp"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Purge(ctx, now, DefaultRetention()); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "login_attempts", `id = 3`); n != 1 {
		t.Fatal("the newest attempt was purged: the next one would reuse an old id")
	}
	if n := countRows(t, s, "login_attempts", `1 = 1`); n != 1 {
		t.Fatalf("%d attempts left, want only the newest", n)
	}
}

func TestPurgeCapsRowsKeepingTheNewest(t *testing.T) { eachDB(t, testPurgeCapsRowsKeepingTheNewest) }

func testPurgeCapsRowsKeepingTheNewest(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	for i := range 30 {
		mustExec(t, s, `INSERT INTO audit_events (at, actor, action, detail) VALUES (?, 'system', 'test', ?)`,
			ms(now.Add(-time.Hour)), fmt.Sprint(i))
	}
	r := DefaultRetention()
	r.AuditEventsMax, r.Batch = 10, 4
	if _, err := s.Purge(context.Background(), now, r); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "audit_events", `1 = 1`); n != 10 {
		t.Fatalf("%d audit events left, want the cap of 10", n)
	}
	if n := countRows(t, s, "audit_events", `CAST(detail AS INTEGER) >= 20`); n != 10 {
		t.Fatal("the cap did not keep the 10 newest events")
	}
}

func TestPurgeWorksOffABacklogInBatchesOverPurges(t *testing.T) {
	eachDB(t, testPurgeWorksOffABacklogInBatchesOverPurges)
}

func testPurgeWorksOffABacklogInBatchesOverPurges(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	mustExec(t, s, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
		INSERT INTO messages (channel, sender, recipient, body, sent_at) SELECT 'sms', 'VNeID', '0912345678', 'x', ? FROM n`,
		ms(now.Add(-40*24*time.Hour)))
	r := DefaultRetention()
	r.Batch, r.MaxBatches = 500, 2
	for i, want := range []int64{1000, 1000, 0} {
		n, err := s.Purge(ctx, now, r)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("purge %d deleted %d rows, want %d", i+1, n, want)
		}
	}
	if n := countRows(t, s, "messages", `1 = 1`); n != 0 {
		t.Fatalf("%d old messages left", n)
	}
}

func TestPurgeReturnsSpaceToTheFileSystem(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	var mode int
	if err := s.r.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("auto_vacuum = %d (%v), want 2 (incremental)", mode, err)
	}
	mustExec(t, s, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
		INSERT INTO audit_events (at, actor, action, detail) SELECT ?, 'system', 'test', hex(randomblob(500)) FROM n`,
		ms(now.Add(-40*24*time.Hour)))
	checkpoint := func() int64 {
		t.Helper()
		mustExec(t, s, `PRAGMA wal_checkpoint(TRUNCATE)`)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := checkpoint()
	r := DefaultRetention()
	r.MaxBatches = 10
	if _, err := s.Purge(ctx, now, r); err != nil {
		t.Fatal(err)
	}
	after := checkpoint()
	if after >= before/2 {
		t.Fatalf("database file %d bytes after the purge, %d before: the space was not returned", after, before)
	}
	var free int
	if err := s.r.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil || free != 0 {
		t.Fatalf("%d free pages left (%v)", free, err)
	}
}

func TestOpenSwitchesAnOldDatabaseToIncrementalVacuum(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	mustExec(t, s, `PRAGMA auto_vacuum = NONE`)
	mustExec(t, s, `VACUUM`)
	var mode int
	s.r.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode)
	if mode != 0 {
		t.Fatalf("setup: auto_vacuum = %d, want 0", mode)
	}
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.r.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("auto_vacuum after reopening = %d (%v), want 2 (incremental)", mode, err)
	}
}

// The write-ahead log does not keep the size of its largest burst: once checkpointed, the next
// write starts it over and truncates it to WALSizeLimit.
func TestWALShrinksBackAfterABurst(t *testing.T) {
	s, path := openTemp(t)
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// One transaction of about 12 MB: the log grows past the limit while it commits.
	mustExec(t, s, `INSERT INTO audit_events (at, actor, action, detail)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
		SELECT i, 'system', 'burst', hex(randomblob(3000)) FROM n`)
	if n := walSize(); n <= 2*WALSizeLimit {
		t.Fatalf("the burst left a log of %d bytes; the test needs one over %d", n, 2*WALSizeLimit)
	}
	mustExec(t, s, `PRAGMA wal_checkpoint(PASSIVE)`)
	mustExec(t, s, `INSERT INTO audit_events (at, actor, action, detail) VALUES (1, 'system', 'small', '')`)
	if n := walSize(); n > WALSizeLimit {
		t.Fatalf("log of %d bytes after a checkpoint and a small write; want at most %d", n, WALSizeLimit)
	}
}
