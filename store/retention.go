package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Retention says how long each table that grows with use keeps its rows, and how the purge
// works through them. Every duration is counted from the moment the row stopped mattering: an
// attempt's or message's time, a login's or code's expiry.
type Retention struct {
	// LoginAttempts must cover the longest window any rule counts attempts in (the caller
	// checks it against its limits): a shorter one would forget failures a rule still counts.
	LoginAttempts  time.Duration
	SMSSends       time.Duration // the SMS budget's longest window, likewise
	Messages       time.Duration // the outbox the simulated phones and the console read
	MessagesMax    int           // and at most this many, the newest
	AuditEvents    time.Duration
	AuditEventsMax int
	// FinishedLogins is how long an OIDC auth request stays past the later of its own and its
	// code's expiry (so a replayed code within it still revokes the grant's tokens), and a QR
	// login past its expiry.
	FinishedLogins time.Duration
	// Codes is how long an OTP challenge, a device activation or a SIM transfer code stays
	// past its expiry: the login page may still read an expired challenge to offer a resend
	// while its auth request lives.
	Codes time.Duration
	// Tokens is how long an OIDC access or refresh token stays past its expiry: reuse of a
	// rotated refresh token is recognised by its family.
	Tokens time.Duration
	// UnknownIDLocks is how long an unknown ID number's row stays once its lock has ended and
	// it counts no failures. A row that counts failures stays, like a citizen's count: dropping
	// it would tell which ID numbers exist.
	UnknownIDLocks time.Duration
	// IdleSessions is how long a browser session (portal, IdP, console: every kind but the
	// phone app's, which ends only at its expiry) stays once it was last seen. A row's expiry is
	// its absolute end (12 hours by default); one left idle is dead long before it, and without
	// this rule every abandoned login page would keep its row until then. The caller keeps it at
	// least the sessions' idle timeout.
	IdleSessions time.Duration

	Batch       int // rows deleted per statement; each statement is its own short transaction
	MaxBatches  int // statements per table per purge; the rest waits for the next purge
	VacuumPages int // free pages returned to the file system after a purge that deleted rows
}

// DefaultRetention returns the documented defaults.
func DefaultRetention() Retention {
	return Retention{
		LoginAttempts: 2 * time.Hour, SMSSends: 2 * time.Hour,
		Messages: 30 * 24 * time.Hour, MessagesMax: 100_000,
		AuditEvents: 30 * 24 * time.Hour, AuditEventsMax: 100_000,
		FinishedLogins: 10 * time.Minute, Codes: 30 * time.Minute,
		Tokens: 24 * time.Hour, UnknownIDLocks: 24 * time.Hour, IdleSessions: 30 * time.Minute,
		Batch: 500, MaxBatches: 20, VacuumPages: 2000,
	}
}

// withDefaults fills every zero field with its default, so that a Retention left out of a
// configuration never reads as "keep nothing".
func (r Retention) withDefaults() Retention {
	d := DefaultRetention()
	for _, f := range []struct{ v, def *time.Duration }{
		{&r.LoginAttempts, &d.LoginAttempts}, {&r.SMSSends, &d.SMSSends}, {&r.Messages, &d.Messages},
		{&r.AuditEvents, &d.AuditEvents}, {&r.FinishedLogins, &d.FinishedLogins}, {&r.Codes, &d.Codes},
		{&r.Tokens, &d.Tokens}, {&r.UnknownIDLocks, &d.UnknownIDLocks}, {&r.IdleSessions, &d.IdleSessions},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	for _, f := range []struct{ v, def *int }{
		{&r.MessagesMax, &d.MessagesMax}, {&r.AuditEventsMax, &d.AuditEventsMax},
		{&r.Batch, &d.Batch}, {&r.MaxBatches, &d.MaxBatches}, {&r.VacuumPages, &d.VacuumPages},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return r
}

// purgeRule deletes the rows of table that match where (with args).
type purgeRule struct {
	table, where string
	args         []any
}

// purgeRules lists what each growing table no longer needs at now.
func (r Retention) purgeRules(now time.Time) []purgeRule {
	before := func(d time.Duration) int64 { return ms(now.Add(-d)) }
	return []purgeRule{
		{"sessions", `expires_at <= ?`, []any{ms(now)}},
		{"sessions", `kind <> 'app' AND seen_at < ?`, []any{before(r.IdleSessions)}},
		// The newest attempt always stays: ids must keep growing, since an operator's unlock
		// remembers the last id and counts wrong codes only above it. Without AUTOINCREMENT an
		// emptied table would hand out old ids again.
		{"login_attempts", `at < ? AND id < (SELECT max(id) FROM login_attempts)`, []any{before(r.LoginAttempts)}},
		{"sms_sends", `at < ?`, []any{before(r.SMSSends)}},
		{"messages", `sent_at < ?`, []any{before(r.Messages)}},
		{"audit_events", `at < ?`, []any{before(r.AuditEvents)}},
		// A request nobody logged in to has nothing later steps read: gone at its expiry.
		{"oidc_auth_requests", `done = 0 AND expires_at <= ?`, []any{ms(now)}},
		{"oidc_auth_requests", `expires_at < ? AND code_expires_at < ?`, []any{before(r.FinishedLogins), before(r.FinishedLogins)}},
		{"qr_logins", `expires_at < ?`, []any{before(r.FinishedLogins)}},
		{"device_grants", `expires_at < ?`, []any{before(r.FinishedLogins)}},
		{"otp_challenges", `expires_at < ?`, []any{before(r.Codes)}},
		{"device_activations", `expires_at < ?`, []any{before(r.Codes)}},
		{"sim_transfers", `expires_at < ?`, []any{before(r.Codes)}},
		{"oidc_access_tokens", `expires_at < ?`, []any{before(r.Tokens)}},
		{"oidc_refresh_tokens", `expires_at < ?`, []any{before(r.Tokens)}},
		{"unknown_id_failures", `failures = 0 AND locked_until < ?`, []any{before(r.UnknownIDLocks)}},
	}
}

// rowCap keeps only the newest max rows of a table whose id grows with time.
type rowCap struct {
	table string
	max   int
}

func (r Retention) rowCaps() []rowCap {
	return []rowCap{{"messages", r.MessagesMax}, {"audit_events", r.AuditEventsMax}}
}

// Purge deletes what the retention no longer keeps at now and returns how many rows went (a
// zero field of r takes its default). It deletes in batches of r.Batch rows, each its own transaction, at most r.MaxBatches per table,
// so that a login waits for one small batch at most and a large backlog is worked off over
// several purges. When rows went, up to r.VacuumPages free pages are handed back to the file
// system (SQLite). Run it periodically, off the request path.
func (s *Store) Purge(ctx context.Context, now time.Time, r Retention) (int64, error) {
	r = r.withDefaults()
	// A batch is picked by physical row address: SQLite's rowid, PostgreSQL's ctid (stable
	// within the statement that reads and deletes it).
	rowid := "rowid"
	if s.pg {
		rowid = "ctid"
	}
	var total int64
	for _, p := range r.purgeRules(now) {
		n, err := s.purgeBatches(ctx, r, `DELETE FROM `+p.table+` WHERE `+rowid+` IN
			(SELECT `+rowid+` FROM `+p.table+` WHERE `+p.where+` LIMIT ?)`, p.args...)
		total += n
		if err != nil {
			return total, fmt.Errorf("purge %s: %w", p.table, err)
		}
	}
	for _, c := range r.rowCaps() {
		// Oldest first: the rows at or below the (max+1)-th newest id.
		n, err := s.purgeBatches(ctx, r, `DELETE FROM `+c.table+` WHERE id IN
			(SELECT id FROM `+c.table+` WHERE id <= (SELECT id FROM `+c.table+` ORDER BY id DESC LIMIT 1 OFFSET ?)
			ORDER BY id LIMIT ?)`, c.max)
		total += n
		if err != nil {
			return total, fmt.Errorf("cap %s: %w", c.table, err)
		}
	}
	// PostgreSQL's autovacuum makes the room of deleted rows reusable without being asked.
	if total > 0 && !s.pg {
		if _, err := s.w.ExecContext(ctx, fmt.Sprintf(`PRAGMA incremental_vacuum(%d)`, r.VacuumPages)); err != nil {
			return total, fmt.Errorf("incremental vacuum: %w", err)
		}
	}
	return total, nil
}

// purgeBatches runs query (args, then the batch size as its last placeholder) until
// a batch deletes fewer than r.Batch rows or r.MaxBatches ran.
func (s *Store) purgeBatches(ctx context.Context, r Retention, query string, args ...any) (int64, error) {
	var total int64
	for range r.MaxBatches {
		n, err := rowsAffected(s.w.ExecContext(ctx, query, append(args, r.Batch)...))
		total += n
		if err != nil || n < int64(r.Batch) {
			return total, err
		}
	}
	return total, nil
}

func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// useIncrementalVacuum makes the database hand deleted pages back to the file system on
// request (PRAGMA incremental_vacuum) instead of keeping them forever. A new file gets the mode
// from the connection's pragmas before its first page is written; a database made before
// cannot switch without being rebuilt, so it is rebuilt once here with VACUUM (which may take a
// while on a large file, on the first start that needs it only).
func useIncrementalVacuum(ctx context.Context, db *sql.DB) error {
	const incremental = 2
	var mode int
	if err := db.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode == incremental {
		return err
	}
	if _, err := db.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("switch to incremental vacuum: %w", err)
	}
	return nil
}
