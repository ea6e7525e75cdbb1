package store

import (
	"context"
	"database/sql"
	"time"
)

// Attempt is one authentication attempt (password, OTP, passcode, console).
type Attempt struct {
	At        time.Time
	IP        string
	IDNumber  string
	CitizenID string
	Kind      string
	Success   bool
	Reason    string
}

// RecordAttempt appends an attempt to the attempt log.
func (s *Store) RecordAttempt(ctx context.Context, a Attempt) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO login_attempts (at, ip, ip_key, id_number, citizen_id, kind, success, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ms(a.At), a.IP, ClientKey(a.IP), a.IDNumber, a.CitizenID, a.Kind, a.Success, a.Reason)
	return err
}

// AttemptLimit caps the failed attempts of one kind in a sliding window: at most Max within
// Window before the attempt, from the attempt's client (its ClientKey), or from anywhere when AllIPs is set (an
// account-wide limit).
type AttemptLimit struct {
	Max    int
	Window time.Duration
	AllIPs bool
}

// ReserveAttempt records an attempt as a failure before its secret is checked, in one
// transaction that refuses with a *LimitError (an ErrConflict naming the full limit and when it
// frees) when any limit already holds its Max failures of the attempt's kind. Parallel attempts
// therefore each take their place under the limits, and no more than Max are ever checked.
// FinishAttempt records the outcome; DropAttempt removes an attempt that was never checked. It
// returns the attempt's id.
func (s *Store) ReserveAttempt(ctx context.Context, a Attempt, limits ...AttemptLimit) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for i, l := range limits {
			q, args := `SELECT at FROM login_attempts WHERE kind = ? AND success = 0 AND at > ?`, []any{a.Kind, ms(a.At.Add(-l.Window))}
			if !l.AllIPs {
				q, args = q+` AND ip_key = ?`, append(args, ClientKey(a.IP))
			}
			free, full, err := windowFull(ctx, tx, q, args, l.Max, l.Window)
			if err != nil {
				return err
			}
			if full {
				return &LimitError{Limit: i, FreeAt: free}
			}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO login_attempts (at, ip, ip_key, id_number, citizen_id, kind, success, reason)
			VALUES (?, ?, ?, ?, ?, ?, 0, 'pending') RETURNING id`, ms(a.At), a.IP, ClientKey(a.IP), a.IDNumber, a.CitizenID, a.Kind).Scan(&id)
	})
	return id, err
}

// FinishAttempt records the outcome of a reserved attempt.
func (s *Store) FinishAttempt(ctx context.Context, id int64, success bool, reason string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE login_attempts SET success = ?, reason = ? WHERE id = ?`, success, reason, id)
	return err
}

// DropAttempt removes a reserved attempt whose secret was never checked.
func (s *Store) DropAttempt(ctx context.Context, id int64) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM login_attempts WHERE id = ?`, id)
	return err
}

// DropUnfinishedAttempts removes the attempts ReserveAttempt took that never got an outcome.
// Only a process that ended between the two (a crash, a kill -9, a power cut) leaves one: its
// answer never went out, so it taught nobody anything, yet as a failure it would count against
// the address for the whole window, and a few crashes would lock out right passwords from a
// shared address. Call it before serving, when no attempt of this process can be in flight.
// It returns how many it removed.
func (s *Store) DropUnfinishedAttempts(ctx context.Context) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM login_attempts WHERE success = 0 AND reason = 'pending'`)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CountIPFailures counts failed attempts of one kind from ip's ClientKey at or after since.
func (s *Store) CountIPFailures(ctx context.Context, ip, kind string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts WHERE ip_key = ? AND success = 0 AND kind = ? AND at >= ?`,
		ClientKey(ip), kind, ms(since)).Scan(&n)
	return n, err
}

// Event is one line of the audit trail.
type Event struct {
	ID        int64
	At        time.Time
	Actor     string
	Action    string
	CitizenID string
	IP        string
	Detail    string
}

// Audit appends an event to the audit trail.
func (s *Store) Audit(ctx context.Context, e Event) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO audit_events (at, actor, action, citizen_id, ip, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(e.At), e.Actor, e.Action, e.CitizenID, e.IP, e.Detail)
	return err
}

// ListAudit returns the newest events first.
func (s *Store) ListAudit(ctx context.Context, limit int) ([]Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, actor, action, citizen_id, ip, detail FROM audit_events
		ORDER BY at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.CitizenID, &e.IP, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
