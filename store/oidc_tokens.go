package store

// OpenID Connect tokens: access and refresh tokens, each tied to the grant (auth request) it
// descends from, so that reusing a code or a rotated refresh token revokes the family.

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// OIDCGrant is who a token speaks for, to which client, and how they authenticated.
type OIDCGrant struct {
	GrantID  string // the auth request the tokens descend from
	ClientID string
	Subject  string
	Scopes   []string
	ACR      string
	AMR      []string
	AuthTime time.Time
}

// OIDCAccessToken is a stored access token.
type OIDCAccessToken struct {
	OIDCGrant
	ID        string
	ExpiresAt time.Time
}

// OIDCRefreshToken is a stored refresh token (by digest).
type OIDCRefreshToken struct {
	OIDCGrant
	Hash      string
	ExpiresAt time.Time
}

// OIDCIssue is one token response to store: an access token, maybe a refresh token, and what
// it consumes (the code, or the refresh token it rotates).
type OIDCIssue struct {
	OIDCGrant
	RedeemCode       bool   // consumes the grant's authorization code
	RedeemDevice     bool   // consumes the approval of the grant's device code (RFC 8628)
	RotateHash       string // consumes this refresh token (digest)
	AccessID         string
	AccessExpiresAt  time.Time
	RefreshHash      string // "" when no refresh token is issued
	RefreshExpiresAt time.Time
	Now              time.Time
}

// RefreshRetryLeeway is how long after its rotation a refresh token is taken once more, when
// nothing of the answer to that rotation was used. A process killed before the answer went
// out, or a dropped connection, otherwise ends the citizen's login at the client's retry.
// Rather than hand out the lost successor again (only its digest is kept), the retry
// supersedes it: the lost successor and its access token die and a fresh pair is issued,
// which is the same to the client. A thief replaying a stolen token within the leeway gains
// nothing lasting: the successor he superseded counts as used, so the rightful client's next
// refresh with it is a reuse that revokes the whole grant.
const RefreshRetryLeeway = 30 * time.Second

// IssueOIDCTokens stores the tokens of one token response in one transaction, consuming the
// code or the rotated refresh token with a conditional update. When that was already consumed
// (two redemptions raced, or a copy was replayed), nothing is issued, every token of the grant
// is revoked, and the answer is ErrConflict, unless it is a refresh retried within
// RefreshRetryLeeway, which supersedes the unused successor. Expired tokens are purged on the
// way.
func (s *Store) IssueOIDCTokens(ctx context.Context, is OIDCIssue) error {
	now := ms(is.Now)
	reused := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE expires_at < ?`, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_refresh_tokens WHERE expires_at < ?`, now); err != nil {
			return err
		}
		var res sql.Result
		var err error
		switch {
		case is.RedeemCode:
			res, err = tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET code_used_at = ?
				WHERE id = ? AND code_hash IS NOT NULL AND code_used_at = 0 AND code_expires_at > ?`, now, is.GrantID, now)
		case is.RedeemDevice:
			res, err = tx.ExecContext(ctx, `UPDATE device_grants SET state = ? WHERE id = ? AND state = ?`,
				DeviceRedeemed, is.GrantID, DeviceApproved)
		case is.RotateHash != "":
			res, err = tx.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET used_at = ?, successor = ?
				WHERE token_hash = ? AND grant_id = ? AND used_at = 0 AND revoked_at = 0 AND expires_at > ?`,
				now, is.RefreshHash, is.RotateHash, is.GrantID, now)
		default:
			return errors.New("store: token issue consumes neither a code, a device code nor a refresh token")
		}
		err = affectedOne(res, err)
		if errors.Is(err, ErrConflict) && is.RotateHash != "" {
			err = retryRotation(ctx, tx, is)
		}
		if err != nil {
			if errors.Is(err, ErrConflict) {
				reused = true
				return revokeGrant(ctx, tx, is.GrantID, is.Now)
			}
			return err
		}
		scopes, amr := strings.Join(is.Scopes, " "), strings.Join(is.AMR, " ")
		if _, err := tx.ExecContext(ctx, `INSERT INTO oidc_access_tokens (id, grant_id, client_id, subject,
			scopes, acr, amr, auth_time, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			is.AccessID, is.GrantID, is.ClientID, is.Subject, scopes, is.ACR, amr, ms(is.AuthTime), now,
			ms(is.AccessExpiresAt)); err != nil {
			return err
		}
		if is.RefreshHash == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO oidc_refresh_tokens (token_hash, grant_id, client_id, subject,
			scopes, acr, amr, auth_time, created_at, expires_at, access_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			is.RefreshHash, is.GrantID, is.ClientID, is.Subject, scopes, is.ACR, amr, ms(is.AuthTime), now,
			ms(is.RefreshExpiresAt), is.AccessID)
		return err
	})
	if err == nil && reused {
		return ErrConflict
	}
	return err
}

// queryRower is a connection or a transaction.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// unusedSuccessor finds the successor of refresh token hash (of grantID) and the access token
// issued with it when a retry may supersede them (RefreshRetryLeeway): the token was rotated
// at most the leeway before now, and neither the successor nor its access token was used
// since. ErrConflict otherwise.
func unusedSuccessor(ctx context.Context, q queryRower, hash, grantID string, now time.Time) (string, string, error) {
	var successor, accessID string
	err := q.QueryRowContext(ctx, `SELECT s.token_hash, s.access_id FROM oidc_refresh_tokens t
		JOIN oidc_refresh_tokens s ON s.token_hash = t.successor
		LEFT JOIN oidc_access_tokens a ON a.id = s.access_id
		WHERE t.token_hash = ? AND t.grant_id = ? AND t.used_at >= ? AND t.revoked_at = 0 AND t.expires_at > ?
		AND s.used_at = 0 AND s.revoked_at = 0 AND coalesce(a.used_at, 0) = 0`,
		hash, grantID, ms(now.Add(-RefreshRetryLeeway)), ms(now)).Scan(&successor, &accessID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrConflict
	}
	return successor, accessID, err
}

// retryRotation rotates refresh token is.RotateHash once more, within RefreshRetryLeeway of
// its rotation and while its successor is unused: the successor counts as used from now on
// (presenting it later is a reuse), its access token is revoked, and is.RefreshHash becomes
// the successor. ErrConflict when the retry is not allowed.
func retryRotation(ctx context.Context, tx *sql.Tx, is OIDCIssue) error {
	successor, accessID, err := unusedSuccessor(ctx, tx, is.RotateHash, is.GrantID, is.Now)
	if err != nil {
		return err
	}
	now := ms(is.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET used_at = ? WHERE token_hash = ?`, now, successor); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE oidc_access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`,
		now, accessID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET successor = ? WHERE token_hash = ?`, is.RefreshHash, is.RotateHash)
	return err
}

// revokeGrant revokes every access and refresh token issued from one grant.
func revokeGrant(ctx context.Context, tx *sql.Tx, grantID string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE oidc_access_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at = 0`,
		ms(now), grantID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at = 0`,
		ms(now), grantID)
	return err
}

// OIDCAccessTokenByID returns a live (unrevoked, unexpired) access token; ErrNotFound otherwise.
// Its first use is recorded: the answer that carried it was not lost, so the refresh that
// issued it may no longer be retried (RefreshRetryLeeway).
func (s *Store) OIDCAccessTokenByID(ctx context.Context, id string, now time.Time) (OIDCAccessToken, error) {
	var t OIDCAccessToken
	var scopes, amr string
	var authTime, expires, used int64
	err := s.r.QueryRowContext(ctx, `SELECT id, grant_id, client_id, subject, scopes, acr, amr, auth_time, expires_at,
		used_at FROM oidc_access_tokens WHERE id = ? AND revoked_at = 0 AND expires_at > ?`, id, ms(now)).Scan(
		&t.ID, &t.GrantID, &t.ClientID, &t.Subject, &scopes, &t.ACR, &amr, &authTime, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, err
	}
	t.Scopes, t.AMR, t.AuthTime, t.ExpiresAt = strings.Fields(scopes), strings.Fields(amr), fromMS(authTime), fromMS(expires)
	if used == 0 {
		_, err = s.w.ExecContext(ctx, `UPDATE oidc_access_tokens SET used_at = ? WHERE id = ? AND used_at = 0`, ms(now), id)
	}
	return t, err
}

// OIDCRefreshTokenByHash returns a live refresh token. One that was already rotated is a
// replayed copy: its whole grant is revoked and the answer is ErrConflict (RFC 9700 §4.14.2),
// unless the answer to its rotation may have been lost (RefreshRetryLeeway): then it is
// returned for IssueOIDCTokens to rotate again. Unknown, revoked or expired tokens are
// ErrNotFound.
func (s *Store) OIDCRefreshTokenByHash(ctx context.Context, hash string, now time.Time) (OIDCRefreshToken, error) {
	var t OIDCRefreshToken
	var scopes, amr string
	var authTime, expires, used, revoked int64
	err := s.r.QueryRowContext(ctx, `SELECT token_hash, grant_id, client_id, subject, scopes, acr, amr, auth_time,
		expires_at, used_at, revoked_at FROM oidc_refresh_tokens WHERE token_hash = ?`, hash).Scan(
		&t.Hash, &t.GrantID, &t.ClientID, &t.Subject, &scopes, &t.ACR, &amr, &authTime, &expires, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, err
	}
	t.Scopes, t.AMR, t.AuthTime, t.ExpiresAt = strings.Fields(scopes), strings.Fields(amr), fromMS(authTime), fromMS(expires)
	if used != 0 {
		_, _, err := unusedSuccessor(ctx, s.r, hash, t.GrantID, now)
		if !errors.Is(err, ErrConflict) {
			return t, err
		}
		if err := s.tx(ctx, func(tx *sql.Tx) error { return revokeGrant(ctx, tx, t.GrantID, now) }); err != nil {
			return t, err
		}
		return t, ErrConflict
	}
	if revoked != 0 || !now.Before(t.ExpiresAt) {
		return t, ErrNotFound
	}
	return t, nil
}

// RevokeOIDCAccessToken revokes one access token of a client. Unknown tokens are no error
// (RFC 7009 §2.2).
func (s *Store) RevokeOIDCAccessToken(ctx context.Context, id, clientID string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE oidc_access_tokens SET revoked_at = ?
		WHERE id = ? AND client_id = ? AND revoked_at = 0`, ms(now), id, clientID)
	return err
}

// RevokeOIDCRefreshToken revokes a client's refresh token and, with it, every token of the same
// grant (RFC 7009 §2.1). Unknown tokens are no error.
func (s *Store) RevokeOIDCRefreshToken(ctx context.Context, hash, clientID string, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var grantID string
		err := tx.QueryRowContext(ctx, `SELECT grant_id FROM oidc_refresh_tokens WHERE token_hash = ? AND client_id = ?`,
			hash, clientID).Scan(&grantID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return revokeGrant(ctx, tx, grantID, now)
	})
}

// RevokeOIDCTokensOf revokes every token a client holds for subject (all clients when
// clientID is "") and returns how many were live.
func (s *Store) RevokeOIDCTokensOf(ctx context.Context, subject, clientID string, now time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"oidc_access_tokens", "oidc_refresh_tokens"} {
			res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET revoked_at = ?
				WHERE subject = ? AND (client_id = ? OR ? = '') AND revoked_at = 0 AND expires_at > ?`,
				ms(now), subject, clientID, clientID, ms(now))
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
