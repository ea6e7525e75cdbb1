package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Authenticator-app (TOTP) enrollment and the TOTP channel of a login challenge. Secrets reach
// the store already sealed by the identity provider; the store never sees a plain seed.

// SetTOTPPending stores a new, not yet confirmed, sealed secret for the citizen, replacing any
// earlier unconfirmed one. An active secret stays active until the new one is confirmed.
func (s *Store) SetTOTPPending(ctx context.Context, citizenID, sealed string, at time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET totp_pending = ?, totp_pending_at = ? WHERE id = ?`,
		sealed, ms(at), citizenID))
}

// TOTPPending returns the citizen's unconfirmed sealed secret and when it was created, or
// ErrNotFound when there is none.
func (s *Store) TOTPPending(ctx context.Context, citizenID string) (string, time.Time, error) {
	var sealed string
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT totp_pending, totp_pending_at FROM citizens WHERE id = ?`, citizenID).Scan(&sealed, &at)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && sealed == "") {
		return "", time.Time{}, ErrNotFound
	}
	return sealed, fromMS(at), err
}

// ActivateTOTP makes the pending secret sealed the citizen's active one, and records step as
// used so the code that confirmed the enrollment cannot also log in. It is conditional on that
// exact pending secret (ErrConflict otherwise), so a concurrent re-enrollment is never
// activated by a code checked against the secret it replaced.
func (s *Store) ActivateTOTP(ctx context.Context, citizenID, sealed string, step int64) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET totp_secret = totp_pending, totp_last_step = ?,
		totp_pending = '', totp_pending_at = 0 WHERE id = ? AND totp_pending = ? AND totp_pending <> ''`,
		step, citizenID, sealed))
}

// RemoveTOTP removes the citizen's authenticator app, active and pending. It fails with
// ErrConflict when there was no active one.
func (s *Store) RemoveTOTP(ctx context.Context, citizenID string) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET totp_secret = '', totp_last_step = 0,
		totp_pending = '', totp_pending_at = 0 WHERE id = ? AND totp_secret <> ''`, citizenID))
}

// SwitchOTPToTOTP moves a live challenge to the TOTP channel: nothing is sent, the code sent
// earlier stops working, and the failure count, the sends and the expiry are left alone, so
// switching channels never buys more guesses or time.
func (s *Store) SwitchOTPToTOTP(ctx context.Context, id string) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE otp_challenges SET channel = 'totp', code_hash = ''
		WHERE id = ? AND dead = 0 AND used_at = 0`, id))
}
