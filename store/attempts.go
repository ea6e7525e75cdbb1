package store

// The attempt log and the limits counted over it: every password, code and passcode attempt,
// reserved before its secret is checked so that parallel guesses cannot pass a limit.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// LimitError is a refusal by a sliding-window limit: Limit is the index of the limit that was
// full (in the order the caller gave them) and FreeAt the moment it has room again. It is an
// ErrConflict.
type LimitError struct {
	Limit  int
	FreeAt time.Time
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("store: limit %d full until %s", e.Limit, e.FreeAt.UTC().Format(time.RFC3339))
}

// Is makes a LimitError match ErrConflict.
func (e *LimitError) Is(target error) bool { return target == ErrConflict }

// windowFull reports when a sliding window of length window that already holds max events has
// room again: the max-th newest event leaves it. query selects the events' times (newest first
// is applied here) and takes args; it gets LIMIT/OFFSET appended. ok is false while there is
// room.
func windowFull(ctx context.Context, tx *sql.Tx, query string, args []any, max int, window time.Duration) (time.Time, bool, error) {
	var at int64
	err := tx.QueryRowContext(ctx, query+` ORDER BY at DESC LIMIT 1 OFFSET ?`, append(args, max-1)...).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return fromMS(at).Add(window), true, nil
}

// UnknownIDLockedUntil returns when the lock of an ID number that belongs to no citizen ends
// (zero when it is not locked).
func (s *Store) UnknownIDLockedUntil(ctx context.Context, idNumber string) (time.Time, error) {
	var until int64
	err := s.r.QueryRowContext(ctx, `SELECT locked_until FROM unknown_id_failures WHERE id_number = ?`, idNumber).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return fromMS(until), err
}

// RecordUnknownIDFailure counts one wrong password for an ID number that belongs to no citizen,
// by the rule of RecordPasswordFailure: at max the ID locks until now+lockFor and the count
// starts again. It returns the lock end (zero if not locked by this failure) and the count.
func (s *Store) RecordUnknownIDFailure(ctx context.Context, idNumber string, now time.Time, max int, lockFor time.Duration) (time.Time, int, error) {
	var lockedUntil time.Time
	var failures int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO unknown_id_failures (id_number, failures) VALUES (?, 1)
			ON CONFLICT (id_number) DO UPDATE SET failures = failures + 1 RETURNING failures`, idNumber).Scan(&failures); err != nil {
			return err
		}
		if failures >= max {
			lockedUntil = now.Add(lockFor)
			_, err := tx.ExecContext(ctx, `UPDATE unknown_id_failures SET failures = 0, locked_until = ? WHERE id_number = ?`,
				ms(lockedUntil), idNumber)
			return err
		}
		return nil
	})
	return lockedUntil, failures, err
}

// CountCodeFailures counts a citizen's wrong second-factor codes (attempts of kind "otp") at or
// after since, across every login, ignoring those before the operator's last unlock.
func (s *Store) CountCodeFailures(ctx context.Context, citizenID string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts WHERE citizen_id = ? AND success = 0
		AND kind = 'otp' AND at >= ? AND id > (SELECT code_failures_cleared_id FROM citizens WHERE id = ?)`,
		citizenID, ms(since), citizenID).Scan(&n)
	return n, err
}
