package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// OIDCAuthRequest is an OpenID Connect authorization request: the login in progress, then the
// grant its code and tokens descend from.
type OIDCAuthRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	Scopes              []string
	State               string
	Nonce               string
	ResponseType        string
	ResponseMode        string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	MaxAge              *time.Duration // nil when the client set no max_age
	LoginHint           string
	BrowserHash         string // digest of the binding cookie of the browser that created it
	ClientKey           string // the client address that created it (IPv6: its /64), for the per-address cap

	Subject     string // citizen id once authenticated
	SessionHash string // digest of the IdP session id that completed it
	ACR         string
	AMR         []string
	AuthTime    time.Time
	Done        bool

	CodeExpiresAt time.Time
	CodeUsedAt    time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time // the login must finish before this
}

// oidcKeep is how long a finished or abandoned auth request stays (so a late reuse of its code
// is still recognised and revokes the tokens) before it is purged.
const oidcKeep = 24 * time.Hour

const oidcAuthCols = `id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode,
	code_challenge, code_challenge_method, prompt, max_age, login_hint, browser_hash, client_key, subject,
	session_hash, acr, amr, auth_time, done, code_expires_at, code_used_at, created_at, expires_at`

func scanOIDCAuthRequest(row interface{ Scan(...any) error }) (OIDCAuthRequest, error) {
	var a OIDCAuthRequest
	var scopes, prompt, amr string
	var maxAge sql.NullInt64
	var authTime, codeExp, codeUsed, created, expires int64
	err := row.Scan(&a.ID, &a.ClientID, &a.RedirectURI, &scopes, &a.State, &a.Nonce, &a.ResponseType,
		&a.ResponseMode, &a.CodeChallenge, &a.CodeChallengeMethod, &prompt, &maxAge, &a.LoginHint,
		&a.BrowserHash, &a.ClientKey, &a.Subject, &a.SessionHash, &a.ACR, &amr, &authTime, &a.Done, &codeExp, &codeUsed, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, err
	}
	a.Scopes, a.Prompt, a.AMR = strings.Fields(scopes), strings.Fields(prompt), strings.Fields(amr)
	if maxAge.Valid {
		d := time.Duration(maxAge.Int64) * time.Second
		a.MaxAge = &d
	}
	a.AuthTime, a.CodeExpiresAt, a.CodeUsedAt = fromMS(authTime), fromMS(codeExp), fromMS(codeUsed)
	a.CreatedAt, a.ExpiresAt = fromMS(created), fromMS(expires)
	return a, nil
}

// CreateOIDCAuthRequest stores a new authorization request. Requests older than a day are
// purged in the same transaction, so the table stays small without a separate job.
func (s *Store) CreateOIDCAuthRequest(ctx context.Context, a OIDCAuthRequest) error {
	var maxAge sql.NullInt64
	if a.MaxAge != nil {
		maxAge = sql.NullInt64{Int64: int64(*a.MaxAge / time.Second), Valid: true}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE created_at < ?`,
			ms(a.CreatedAt.Add(-oidcKeep))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes,
			state, nonce, response_type, response_mode, code_challenge, code_challenge_method, prompt, max_age,
			login_hint, browser_hash, client_key, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.ClientID, a.RedirectURI, strings.Join(a.Scopes, " "), a.State, a.Nonce, a.ResponseType,
			a.ResponseMode, a.CodeChallenge, a.CodeChallengeMethod, strings.Join(a.Prompt, " "), maxAge,
			a.LoginHint, a.BrowserHash, a.ClientKey, ms(a.CreatedAt), ms(a.ExpiresAt))
		return err
	})
}

// OIDCAuthRequestByID returns an authorization request whose login is still open or just
// finished (not past its expiry); ErrNotFound otherwise.
func (s *Store) OIDCAuthRequestByID(ctx context.Context, id string, now time.Time) (OIDCAuthRequest, error) {
	return scanOIDCAuthRequest(s.r.QueryRowContext(ctx, `SELECT `+oidcAuthCols+` FROM oidc_auth_requests
		WHERE id = ? AND expires_at > ?`, id, ms(now)))
}

// CountOpenOIDCAuthRequests counts the requests created from clientKey whose login is still
// open (not completed, not expired): the anonymous rows one address holds at once.
func (s *Store) CountOpenOIDCAuthRequests(ctx context.Context, clientKey string, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM oidc_auth_requests
		WHERE client_key = ? AND done = 0 AND expires_at > ?`, clientKey, ms(now)).Scan(&n)
	return n, err
}

// CompleteOIDCAuthRequest records that subject authenticated for the request in the IdP
// session whose id digest is sessionHash, in one conditional update: ErrConflict when it was
// already completed, ErrNotFound when it is unknown or expired.
func (s *Store) CompleteOIDCAuthRequest(ctx context.Context, id, subject, sessionHash, acr string, amr []string, authTime, now time.Time) error {
	err := affectedOne(s.w.ExecContext(ctx, `UPDATE oidc_auth_requests SET subject = ?, session_hash = ?, acr = ?,
		amr = ?, auth_time = ?, done = 1 WHERE id = ? AND done = 0 AND expires_at > ?`,
		subject, sessionHash, acr, strings.Join(amr, " "), ms(authTime), id, ms(now)))
	if !errors.Is(err, ErrConflict) {
		return err
	}
	var done bool
	err = s.w.QueryRowContext(ctx, `SELECT done FROM oidc_auth_requests WHERE id = ? AND expires_at > ?`, id, ms(now)).Scan(&done)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return ErrConflict
}

// SaveOIDCCode attaches the digest of the authorization code to a completed request. A request
// gets one code only: ErrConflict when it already has one (a replayed callback), is not
// completed, or has expired.
func (s *Store) SaveOIDCCode(ctx context.Context, id, codeHash string, expiresAt, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE oidc_auth_requests SET code_hash = ?, code_expires_at = ?
		WHERE id = ? AND done = 1 AND code_hash IS NULL AND expires_at > ?`, codeHash, ms(expiresAt), id, ms(now)))
}

// OIDCAuthRequestByCode returns the request an unused, unexpired code was issued for. A code
// that was already redeemed is a stolen or replayed code: every token issued from it is
// revoked (RFC 6749 §4.1.2) and the answer is ErrConflict. Unknown or expired codes are
// ErrNotFound.
func (s *Store) OIDCAuthRequestByCode(ctx context.Context, codeHash string, now time.Time) (OIDCAuthRequest, error) {
	a, err := scanOIDCAuthRequest(s.r.QueryRowContext(ctx, `SELECT `+oidcAuthCols+` FROM oidc_auth_requests
		WHERE code_hash = ?`, codeHash))
	if err != nil {
		return a, err
	}
	if !a.CodeUsedAt.IsZero() {
		if err := s.tx(ctx, func(tx *sql.Tx) error { return revokeGrant(ctx, tx, a.ID, now) }); err != nil {
			return a, err
		}
		return a, ErrConflict
	}
	if !now.Before(a.CodeExpiresAt) {
		return a, ErrNotFound
	}
	return a, nil
}

// DeleteOIDCAuthRequest removes a request whose login did not complete (it failed or was
// refused). ErrConflict when it was completed meanwhile or is already gone.
func (s *Store) DeleteOIDCAuthRequest(ctx context.Context, id string) error {
	return affectedOne(s.w.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE id = ? AND done = 0`, id))
}

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
	RotateHash       string // consumes this refresh token (digest)
	AccessID         string
	AccessExpiresAt  time.Time
	RefreshHash      string // "" when no refresh token is issued
	RefreshExpiresAt time.Time
	Now              time.Time
}

// IssueOIDCTokens stores the tokens of one token response in one transaction, consuming the
// code or the rotated refresh token with a conditional update. When that was already consumed
// (two redemptions raced, or a copy was replayed), nothing is issued, every token of the grant
// is revoked, and the answer is ErrConflict. Expired tokens are purged on the way.
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
		case is.RotateHash != "":
			res, err = tx.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET used_at = ?
				WHERE token_hash = ? AND grant_id = ? AND used_at = 0 AND revoked_at = 0 AND expires_at > ?`,
				now, is.RotateHash, is.GrantID, now)
		default:
			return errors.New("store: token issue consumes neither a code nor a refresh token")
		}
		if err := affectedOne(res, err); err != nil {
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
			scopes, acr, amr, auth_time, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			is.RefreshHash, is.GrantID, is.ClientID, is.Subject, scopes, is.ACR, amr, ms(is.AuthTime), now,
			ms(is.RefreshExpiresAt))
		return err
	})
	if err == nil && reused {
		return ErrConflict
	}
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
func (s *Store) OIDCAccessTokenByID(ctx context.Context, id string, now time.Time) (OIDCAccessToken, error) {
	var t OIDCAccessToken
	var scopes, amr string
	var authTime, expires int64
	err := s.r.QueryRowContext(ctx, `SELECT id, grant_id, client_id, subject, scopes, acr, amr, auth_time, expires_at
		FROM oidc_access_tokens WHERE id = ? AND revoked_at = 0 AND expires_at > ?`, id, ms(now)).Scan(
		&t.ID, &t.GrantID, &t.ClientID, &t.Subject, &scopes, &t.ACR, &amr, &authTime, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	t.Scopes, t.AMR, t.AuthTime, t.ExpiresAt = strings.Fields(scopes), strings.Fields(amr), fromMS(authTime), fromMS(expires)
	return t, err
}

// OIDCRefreshTokenByHash returns a live refresh token. One that was already rotated is a
// replayed copy: its whole grant is revoked and the answer is ErrConflict (RFC 9700 §4.14.2).
// Unknown, revoked or expired tokens are ErrNotFound.
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

// OIDCSigningKey is a stored token signing key.
type OIDCSigningKey struct {
	ID         string // JWK key id
	Algorithm  string
	PrivateDER []byte // PKCS #8
	CreatedAt  time.Time
}

// OIDCSigningKeys returns every signing key, newest first.
func (s *Store) OIDCSigningKeys(ctx context.Context) ([]OIDCSigningKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, algorithm, private_der, created_at FROM oidc_signing_keys
		ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OIDCSigningKey
	for rows.Next() {
		var k OIDCSigningKey
		var created int64
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PrivateDER, &created); err != nil {
			return nil, err
		}
		k.CreatedAt = fromMS(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// EnsureOIDCSigningKey returns the newest signing key, creating one with gen when there is
// none. gen runs outside any transaction (RSA key generation takes a while); if another
// instance stored a key meanwhile, that one wins and the generated key is dropped.
func (s *Store) EnsureOIDCSigningKey(ctx context.Context, gen func() (OIDCSigningKey, error)) (OIDCSigningKey, error) {
	keys, err := s.OIDCSigningKeys(ctx)
	if err != nil || len(keys) > 0 {
		if err != nil {
			return OIDCSigningKey{}, err
		}
		return keys[0], nil
	}
	k, err := gen()
	if err != nil {
		return k, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM oidc_signing_keys`).Scan(&n); err != nil || n > 0 {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_signing_keys (id, algorithm, private_der, created_at)
			VALUES (?, ?, ?, ?)`, k.ID, k.Algorithm, k.PrivateDER, ms(k.CreatedAt))
		return err
	})
	if err != nil {
		return k, err
	}
	keys, err = s.OIDCSigningKeys(ctx)
	if err != nil {
		return k, err
	}
	return keys[0], nil
}
