package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

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

// SMSBudget is how many SMS may go out in sliding windows: per account (a short window and an
// hour) and per client IP that set them off (an hour, across accounts).
type SMSBudget struct {
	AccountMax     int
	AccountWindow  time.Duration
	AccountHourMax int
	IPHourMax      int
}

// ReserveSMS takes one SMS for citizenID, set off from ip (counted by its ClientKey), out of the budget at now, or refuses
// with a *LimitError (Limit 0: the account's short window, 1: its hour, 2: the IP's hour).
// Counting and recording are one transaction on the single writer, so parallel sends cannot
// together exceed the budget.
func (s *Store) ReserveSMS(ctx context.Context, citizenID, ip, purpose string, now time.Time, b SMSBudget) error {
	ip = ClientKey(ip)
	return s.tx(ctx, func(tx *sql.Tx) error {
		for i, l := range []struct {
			where string
			key   string
			max   int
			win   time.Duration
		}{
			{"citizen_id = ?", citizenID, b.AccountMax, b.AccountWindow},
			{"citizen_id = ?", citizenID, b.AccountHourMax, time.Hour},
			{"ip = ?", ip, b.IPHourMax, time.Hour},
		} {
			free, full, err := windowFull(ctx, tx, `SELECT at FROM sms_sends WHERE `+l.where+` AND at > ?`,
				[]any{l.key, ms(now.Add(-l.win))}, l.max, l.win)
			if err != nil {
				return err
			}
			if full {
				return &LimitError{Limit: i, FreeAt: free}
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sms_sends (at, citizen_id, ip, purpose) VALUES (?, ?, ?, ?)`,
			ms(now), citizenID, ip, purpose)
		return err
	})
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

// EndCitizenSessions signs a citizen out everywhere, in one transaction: the IdP's browser
// sessions (single sign-on) and the app's sessions of that subject, and every OpenID Connect
// access and refresh token issued for them that is still live at now. It returns how many
// sessions and tokens ended.
func (s *Store) EndCitizenSessions(ctx context.Context, citizenID string, now time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM sessions WHERE kind IN ('idp', 'app') AND subject = ?`, []any{citizenID}},
			{`UPDATE oidc_access_tokens SET revoked_at = ? WHERE subject = ? AND revoked_at = 0 AND expires_at > ?`,
				[]any{ms(now), citizenID, ms(now)}},
			{`UPDATE oidc_refresh_tokens SET revoked_at = ? WHERE subject = ? AND revoked_at = 0 AND expires_at > ?`,
				[]any{ms(now), citizenID, ms(now)}},
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.args...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, err
}
