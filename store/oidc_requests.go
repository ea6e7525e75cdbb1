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
	UILocales           []string // ui_locales: the languages the login pages should speak, preferred first
	BrowserHash         string   // digest of the binding cookie of the browser that created it
	ClientKey           string   // the client address that created it (IPv6: its /64), for the per-address cap

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

const oidcAuthCols = `id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode,
	code_challenge, code_challenge_method, prompt, max_age, login_hint, ui_locales, browser_hash, client_key, subject,
	session_hash, acr, amr, auth_time, done, code_expires_at, code_used_at, created_at, expires_at`

func scanOIDCAuthRequest(row interface{ Scan(...any) error }) (OIDCAuthRequest, error) {
	var a OIDCAuthRequest
	var scopes, prompt, amr, locales string
	var maxAge sql.NullInt64
	var authTime, codeExp, codeUsed, created, expires int64
	err := row.Scan(&a.ID, &a.ClientID, &a.RedirectURI, &scopes, &a.State, &a.Nonce, &a.ResponseType,
		&a.ResponseMode, &a.CodeChallenge, &a.CodeChallengeMethod, &prompt, &maxAge, &a.LoginHint,
		&locales, &a.BrowserHash, &a.ClientKey, &a.Subject, &a.SessionHash, &a.ACR, &amr, &authTime, &a.Done, &codeExp, &codeUsed, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, err
	}
	a.Scopes, a.Prompt, a.AMR = strings.Fields(scopes), strings.Fields(prompt), strings.Fields(amr)
	a.UILocales = strings.Fields(locales)
	if maxAge.Valid {
		d := time.Duration(maxAge.Int64) * time.Second
		a.MaxAge = &d
	}
	a.AuthTime, a.CodeExpiresAt, a.CodeUsedAt = fromMS(authTime), fromMS(codeExp), fromMS(codeUsed)
	a.CreatedAt, a.ExpiresAt = fromMS(created), fromMS(expires)
	return a, nil
}

// CreateOIDCAuthRequest stores a new authorization request (Purge removes it after its
// retention).
func (s *Store) CreateOIDCAuthRequest(ctx context.Context, a OIDCAuthRequest) error {
	var maxAge sql.NullInt64
	if a.MaxAge != nil {
		maxAge = sql.NullInt64{Int64: int64(*a.MaxAge / time.Second), Valid: true}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes,
			state, nonce, response_type, response_mode, code_challenge, code_challenge_method, prompt, max_age,
			login_hint, ui_locales, browser_hash, client_key, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.ClientID, a.RedirectURI, strings.Join(a.Scopes, " "), a.State, a.Nonce, a.ResponseType,
			a.ResponseMode, a.CodeChallenge, a.CodeChallengeMethod, strings.Join(a.Prompt, " "), maxAge,
			a.LoginHint, strings.Join(a.UILocales, " "), a.BrowserHash, a.ClientKey, ms(a.CreatedAt), ms(a.ExpiresAt))
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
		amr = ?, auth_time = ?, done = 1,
		ip = coalesce((SELECT s.ip FROM sessions s WHERE s.id_hash = ?), ''),
		user_agent = coalesce((SELECT s.user_agent FROM sessions s WHERE s.id_hash = ?), '')
		WHERE id = ? AND done = 0 AND expires_at > ?`,
		subject, sessionHash, acr, strings.Join(amr, " "), ms(authTime), sessionHash, sessionHash, id, ms(now)))
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
