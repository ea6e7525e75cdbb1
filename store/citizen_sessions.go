package store

// The citizen's own view of where they are signed in: the IdP's browser sessions and the
// services holding a refresh token, each of which the citizen may end; and the history of
// their logins.

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// WebSession is one of a citizen's browser sessions at the identity provider (single
// sign-on).
type WebSession struct {
	IDHash    string
	CreatedAt time.Time
	SeenAt    time.Time
	IP        string
	UserAgent string
}

// CitizenWebSessions lists the live IdP browser sessions of citizenID, most recently used
// first: not expired at now and seen at or after seenSince (the idle timeout).
func (s *Store) CitizenWebSessions(ctx context.Context, citizenID string, seenSince, now time.Time) ([]WebSession, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id_hash, created_at, seen_at, ip, user_agent FROM sessions
		WHERE kind = 'idp' AND subject = ? AND expires_at > ? AND seen_at >= ?
		ORDER BY seen_at DESC, created_at DESC`, citizenID, ms(now), ms(seenSince))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebSession
	for rows.Next() {
		var w WebSession
		var created, seen int64
		if err := rows.Scan(&w.IDHash, &created, &seen, &w.IP, &w.UserAgent); err != nil {
			return nil, err
		}
		w.CreatedAt, w.SeenAt = fromMS(created), fromMS(seen)
		out = append(out, w)
	}
	return out, rows.Err()
}

// EndWebSession ends one IdP browser session of citizenID; ErrNotFound when citizenID has no
// such session (another citizen's session is never touched).
func (s *Store) EndWebSession(ctx context.Context, citizenID, idHash string) error {
	err := affectedOne(s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ? AND kind = 'idp' AND subject = ?`,
		idHash, citizenID))
	if errors.Is(err, ErrConflict) {
		return ErrNotFound
	}
	return err
}

// ServiceGrant is a service (OIDC client) holding a live refresh token of a citizen: one
// grant, whatever the number of rotations since.
type ServiceGrant struct {
	GrantID     string
	ClientID    string
	GrantedAt   time.Time // the first refresh token of the grant: when the service got it
	RefreshedAt time.Time // the live refresh token's issue; equal to GrantedAt before any refresh
	IP          string    // the browser whose IdP session completed the login, when known
	UserAgent   string
}

// CitizenGrants lists the grants of citizenID with a live refresh token at now, most recently
// refreshed first.
func (s *Store) CitizenGrants(ctx context.Context, citizenID string, now time.Time) ([]ServiceGrant, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT t.grant_id, t.client_id, t.created_at,
		(SELECT min(f.created_at) FROM oidc_refresh_tokens f WHERE f.grant_id = t.grant_id),
		t.ip, t.user_agent FROM oidc_refresh_tokens t
		WHERE t.subject = ? AND t.revoked_at = 0 AND t.used_at = 0 AND t.expires_at > ?
		ORDER BY t.created_at DESC, t.grant_id`, citizenID, ms(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ServiceGrant
	seen := map[string]bool{}
	for rows.Next() {
		var g ServiceGrant
		var refreshed, granted int64
		if err := rows.Scan(&g.GrantID, &g.ClientID, &refreshed, &granted, &g.IP, &g.UserAgent); err != nil {
			return nil, err
		}
		if seen[g.GrantID] {
			continue
		}
		seen[g.GrantID] = true
		g.GrantedAt, g.RefreshedAt = fromMS(granted), fromMS(refreshed)
		out = append(out, g)
	}
	return out, rows.Err()
}

// RevokeCitizenGrant revokes every token of one grant of citizenID: the service's next refresh
// fails. ErrNotFound when citizenID has no live refresh token in that grant.
func (s *Store) RevokeCitizenGrant(ctx context.Context, citizenID, grantID string, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM oidc_refresh_tokens
			WHERE grant_id = ? AND subject = ? AND revoked_at = 0 AND used_at = 0 AND expires_at > ?`,
			grantID, citizenID, ms(now)).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return revokeGrant(ctx, tx, grantID, now)
	})
}

// EndWebSessionsAndGrants ends, in one transaction, every IdP browser session of citizenID
// and every grant holding a live refresh token ("Đăng xuất tất cả"). The app's own sessions
// stay. It returns how many sessions and grants ended.
func (s *Store) EndWebSessionsAndGrants(ctx context.Context, citizenID string, now time.Time) (sessions, grants int, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE kind = 'idp' AND subject = ?`, citizenID)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		sessions = int(n)
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT grant_id FROM oidc_refresh_tokens
			WHERE subject = ? AND revoked_at = 0 AND used_at = 0 AND expires_at > ?`, citizenID, ms(now))
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if err := revokeGrant(ctx, tx, id, now); err != nil {
				return err
			}
		}
		grants = len(ids)
		return nil
	})
	return sessions, grants, err
}

// LoginRecord is one successful login of a citizen, for their login history.
type LoginRecord struct {
	ID        int64
	CitizenID string
	At        time.Time
	Method    string // qr | password_sms | password_app | password_totp | sso | app
	ClientID  string // the service logged in to; "" for the VNeID app itself
	IP        string
	UserAgent string
	GrantID   string // on recording: the auth request, whose client is the service when ClientID is ""
}

// RecordLogin appends a login to the citizen's history.
func (s *Store) RecordLogin(ctx context.Context, r LoginRecord) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO login_history (citizen_id, at, method, client_id, ip, user_agent)
		VALUES (?, ?, ?, coalesce((SELECT client_id FROM oidc_auth_requests WHERE id = ?), ?), ?, ?)`,
		r.CitizenID, ms(r.At), r.Method, r.GrantID, r.ClientID, r.IP, r.UserAgent)
	return err
}

// LoginHistory returns the newest limit logins of citizenID, newest first.
func (s *Store) LoginHistory(ctx context.Context, citizenID string, limit int) ([]LoginRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, citizen_id, at, method, client_id, ip, user_agent FROM login_history
		WHERE citizen_id = ? ORDER BY at DESC, id DESC LIMIT ?`, citizenID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LoginRecord
	for rows.Next() {
		var r LoginRecord
		var at int64
		if err := rows.Scan(&r.ID, &r.CitizenID, &at, &r.Method, &r.ClientID, &r.IP, &r.UserAgent); err != nil {
			return nil, err
		}
		r.At = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
