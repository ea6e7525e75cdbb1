package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// OTPChallenge is the second-factor step of one direct login: a code sent by SMS or to the
// app (or a TOTP check), bound to one OIDC auth request and one browser session.
type OTPChallenge struct {
	ID            string
	AuthRequestID string
	SessionHash   string
	CitizenID     string
	Channel       string // sms | app | totp
	CodeHash      string
	ExpiresAt     time.Time
	Failures      int
	Sends         int
	LastSentAt    time.Time
	UsedAt        time.Time
	Dead          bool
	CreatedAt     time.Time
}

const otpCols = `id, auth_request_id, session_hash, citizen_id, channel, code_hash, expires_at, failures,
	sends, last_sent_at, used_at, dead, created_at`

func scanOTP(row interface{ Scan(...any) error }) (OTPChallenge, error) {
	var c OTPChallenge
	var exp, last, used, created int64
	err := row.Scan(&c.ID, &c.AuthRequestID, &c.SessionHash, &c.CitizenID, &c.Channel, &c.CodeHash, &exp,
		&c.Failures, &c.Sends, &last, &used, &c.Dead, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.ExpiresAt, c.LastSentAt, c.UsedAt, c.CreatedAt = fromMS(exp), fromMS(last), fromMS(used), fromMS(created)
	return c, err
}

// CreateOTPChallenge stores a new challenge. Any earlier live challenge of the same auth
// request is killed, so only the newest password step's code can finish the login.
func (s *Store) CreateOTPChallenge(ctx context.Context, c OTPChallenge) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE otp_challenges SET dead = 1 WHERE auth_request_id = ? AND dead = 0`,
			c.AuthRequestID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO otp_challenges (id, auth_request_id, session_hash, citizen_id,
			channel, code_hash, expires_at, sends, last_sent_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.AuthRequestID, c.SessionHash, c.CitizenID, c.Channel, c.CodeHash, ms(c.ExpiresAt),
			c.Sends, ms(c.LastSentAt), ms(c.CreatedAt))
		return err
	})
}

// OTPChallengeByID returns a challenge.
func (s *Store) OTPChallengeByID(ctx context.Context, id string) (OTPChallenge, error) {
	return scanOTP(s.r.QueryRowContext(ctx, `SELECT `+otpCols+` FROM otp_challenges WHERE id = ?`, id))
}

// ResendOTP puts a new code (possibly on another channel) on a live challenge without touching
// its failure count: asking for a new code must never buy more guesses.
func (s *Store) ResendOTP(ctx context.Context, id, channel, codeHash string, now, expires time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE otp_challenges SET channel = ?, code_hash = ?, expires_at = ?,
		sends = sends + 1, last_sent_at = ? WHERE id = ? AND dead = 0 AND used_at = 0`,
		channel, codeHash, ms(expires), ms(now), id))
}

// UseOTP marks the challenge used when codeHash matches and it is still live at now. It is one
// conditional UPDATE, so of concurrent submissions of the same code exactly one wins.
func (s *Store) UseOTP(ctx context.Context, id, codeHash string, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE otp_challenges SET used_at = ?
		WHERE id = ? AND code_hash = ? AND dead = 0 AND used_at = 0 AND expires_at > ?`,
		ms(now), id, codeHash, ms(now)))
}

// MarkOTPUsed marks a live challenge used without a code (TOTP challenges, whose code was
// checked against the citizen's secret).
func (s *Store) MarkOTPUsed(ctx context.Context, id string, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE otp_challenges SET used_at = ?
		WHERE id = ? AND dead = 0 AND used_at = 0 AND expires_at > ?`, ms(now), id, ms(now)))
}
