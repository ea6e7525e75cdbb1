package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Session is a server-side session of one kind (portal, idp, console, app).
type Session struct {
	IDHash    string
	Kind      string
	Subject   string // citizen id once authenticated, "" before
	Data      string // JSON owned by the actor of this kind
	CreatedAt time.Time
	SeenAt    time.Time
	ExpiresAt time.Time
	ClientKey string // ClientKey of the address that created it; only written at creation
	DeviceID  string // app sessions: the device the app was signed in on
	IP        string // the address that opened it (or regenerated it after a factor)
	UserAgent string // the browser that did
}

// CreateSession stores a new session under the digest of its id.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (id_hash, kind, subject, data, created_at, seen_at, expires_at, client_key, device_id,
		ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sess.IDHash, sess.Kind, sess.Subject, sess.Data,
		ms(sess.CreatedAt), ms(sess.SeenAt), ms(sess.ExpiresAt), sess.ClientKey, sess.DeviceID, sess.IP, sess.UserAgent)
	return err
}

// SessionByHash returns a live (not expired at now) session of the given kind.
func (s *Store) SessionByHash(ctx context.Context, kind, idHash string, now time.Time) (Session, error) {
	var sess Session
	var created, seen, expires int64
	err := s.r.QueryRowContext(ctx, `SELECT id_hash, kind, subject, data, created_at, seen_at, expires_at, device_id
		FROM sessions WHERE id_hash = ? AND kind = ? AND expires_at > ?`, idHash, kind, ms(now)).
		Scan(&sess.IDHash, &sess.Kind, &sess.Subject, &sess.Data, &created, &seen, &expires, &sess.DeviceID)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, ErrNotFound
	}
	sess.CreatedAt, sess.SeenAt, sess.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return sess, err
}

// UpdateSession saves a session's subject, data and expiry.
func (s *Store) UpdateSession(ctx context.Context, sess Session) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE sessions SET subject = ?, data = ?, seen_at = ?, expires_at = ?
		WHERE id_hash = ? AND kind = ?`, sess.Subject, sess.Data, ms(sess.SeenAt), ms(sess.ExpiresAt), sess.IDHash, sess.Kind))
}

// ReplaceSession moves a session to a new id in one step: the old id stops working at once
// (session fixation defence after each authentication factor).
func (s *Store) ReplaceSession(ctx context.Context, oldHash string, sess Session) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if oldHash != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, oldHash); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, kind, subject, data, created_at, seen_at, expires_at, client_key, device_id,
			ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sess.IDHash, sess.Kind, sess.Subject, sess.Data,
			ms(sess.CreatedAt), ms(sess.SeenAt), ms(sess.ExpiresAt), sess.ClientKey, sess.DeviceID, sess.IP, sess.UserAgent)
		return err
	})
}

// CountAnonymousSessions counts the live sessions of one kind, not (yet) authenticated, that
// the client key created at or after since.
func (s *Store) CountAnonymousSessions(ctx context.Context, kind, clientKey string, since, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sessions
		WHERE kind = ? AND subject = '' AND client_key = ? AND created_at >= ? AND expires_at > ?`,
		kind, clientKey, ms(since), ms(now)).Scan(&n)
	return n, err
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteSessionsOf ends every session of one kind that belongs to subject and returns how many
// there were.
func (s *Store) DeleteSessionsOf(ctx context.Context, kind, subject string) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE kind = ? AND subject = ?`, kind, subject)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ReplaceSubjectSession stores sess after ending every other session of the same kind and
// subject, in one transaction: the "one device at a time" rule of the VNeID app.
func (s *Store) ReplaceSubjectSession(ctx context.Context, sess Session) (ended int64, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE kind = ? AND subject = ?`, sess.Kind, sess.Subject)
		if err != nil {
			return err
		}
		ended, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, kind, subject, data, created_at, seen_at, expires_at, device_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sess.IDHash, sess.Kind, sess.Subject, sess.Data,
			ms(sess.CreatedAt), ms(sess.SeenAt), ms(sess.ExpiresAt), sess.DeviceID)
		return err
	})
	return ended, err
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
