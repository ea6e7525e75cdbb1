package oidcop

import (
	"context"
	"errors"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dvclogin/app/web"
	"dvclogin/store"
)

// The token half of the provider's storage: issuing, rotating, revoking and reading access
// and refresh tokens.

// refreshTokenTTL is the absolute lifetime of a refresh token family: rotation hands out new
// tokens but never extends it, like the absolute lifetime of an IdP session.
const refreshTokenTTL = 12 * time.Hour

// refreshRequest adapts a stored refresh token to op.RefreshTokenRequest.
type refreshRequest struct{ store.OIDCRefreshToken }

// GetAMR implements op.RefreshTokenRequest.
func (r *refreshRequest) GetAMR() []string { return r.AMR }

// GetACR gives the ID token of a refreshed response the acr of the original login.
func (r *refreshRequest) GetACR() string { return r.ACR }

// GetAudience implements op.RefreshTokenRequest.
func (r *refreshRequest) GetAudience() []string { return []string{r.ClientID} }

// GetAuthTime implements op.RefreshTokenRequest.
func (r *refreshRequest) GetAuthTime() time.Time { return r.AuthTime }

// GetClientID implements op.RefreshTokenRequest.
func (r *refreshRequest) GetClientID() string { return r.ClientID }

// GetScopes implements op.RefreshTokenRequest.
func (r *refreshRequest) GetScopes() []string { return r.Scopes }

// GetSubject implements op.RefreshTokenRequest.
func (r *refreshRequest) GetSubject() string { return r.Subject }

// SetCurrentScopes implements op.RefreshTokenRequest (a client may ask for fewer scopes).
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.Scopes = scopes }

// CreateAccessToken implements op.Storage: a code exchange, or a device code's redemption,
// without offline_access.
func (s *opStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	is, ok := s.firstIssue(ctx, req)
	if !ok {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	id, _, exp, err := s.issue(ctx, is, time.Time{})
	return id, exp, err
}

// CreateAccessAndRefreshTokens implements op.Storage: a code exchange or a device code's
// redemption with offline_access, or a refresh, which rotates the refresh token.
func (s *opStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, _ string) (string, string, time.Time, error) {
	if r, ok := req.(*refreshRequest); ok {
		return s.issue(ctx, store.OIDCIssue{OIDCGrant: r.OIDCGrant, RotateHash: r.Hash}, r.ExpiresAt)
	}
	is, ok := s.firstIssue(ctx, req)
	if !ok {
		return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	return s.issue(ctx, is, s.now().Add(refreshTokenTTL))
}

// firstIssue is what the first tokens of a login consume: the authorization code of an auth
// request, or the approval of a device code (the grant deviceToken put in ctx).
func (s *opStorage) firstIssue(ctx context.Context, req op.TokenRequest) (store.OIDCIssue, bool) {
	switch r := req.(type) {
	case *opAuthRequest:
		return store.OIDCIssue{OIDCGrant: r.grant(), RedeemCode: true}, true
	case *op.DeviceAuthorizationState:
		g, ok := deviceGrantFrom(ctx)
		if !ok || g.CitizenID != r.Subject {
			return store.OIDCIssue{}, false
		}
		return store.OIDCIssue{RedeemDevice: true, OIDCGrant: store.OIDCGrant{GrantID: g.ID, ClientID: g.ClientID,
			Subject: g.CitizenID, Scopes: g.Scopes, ACR: g.ACR, AMR: g.AMR, AuthTime: g.AuthTime}}, true
	}
	return store.OIDCIssue{}, false
}

// issue stores one token response: is says what it consumes (a code, a device code's approval
// or a refresh token); a refresh token is issued when refreshUntil is set.
func (s *opStorage) issue(ctx context.Context, is store.OIDCIssue, refreshUntil time.Time) (string, string, time.Time, error) {
	now := s.now()
	g, rotate := is.OIDCGrant, is.RotateHash
	is.AccessID, is.AccessExpiresAt, is.Now = web.RandomToken(16), now.Add(s.accessTTL), now
	var refresh string
	if !refreshUntil.IsZero() {
		refresh = web.RandomToken(32)
		is.RefreshHash, is.RefreshExpiresAt = store.Digest(refresh), refreshUntil
	}
	err := s.st.IssueOIDCTokens(ctx, is)
	if errors.Is(err, store.ErrConflict) {
		what := "authorization code"
		switch {
		case rotate != "":
			what = "refresh token"
		case is.RedeemDevice:
			what = "device code"
		}
		s.log.Warn("oidc: "+what+" used twice; the grant is revoked", "client_id", g.ClientID, "ip", clientIP(ctx))
		s.audit(ctx, "oidc_token_reuse", g.Subject, "client="+g.ClientID+" "+what)
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("%s already used", what)
	}
	if err != nil {
		return "", "", time.Time{}, err
	}
	// The library turns this into expires_in against the wall clock, not the injected one.
	return is.AccessID, refresh, time.Now().Add(s.accessTTL), nil
}

// TokenRequestByRefreshToken implements op.Storage. A refresh token that was already rotated
// revokes its whole grant, unless its rotation's answer may have been lost: then it rotates
// again (store.RefreshRetryLeeway).
func (s *opStorage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	t, err := s.st.OIDCRefreshTokenByHash(ctx, store.Digest(token), s.now())
	if errors.Is(err, store.ErrConflict) {
		s.log.Warn("oidc: rotated refresh token presented again; the grant is revoked", "client_id", t.ClientID,
			"ip", clientIP(ctx))
		s.audit(ctx, "oidc_token_reuse", t.Subject, "client="+t.ClientID+" refresh token")
	}
	if err != nil {
		return nil, err
	}
	return &refreshRequest{t}, nil
}

// RevokeToken implements op.Storage (RFC 7009). tokenOrID is an access token id, a refresh
// token digest (from GetRefreshTokenInfo) or an unknown token; unknown tokens are no error.
func (s *opStorage) RevokeToken(ctx context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	now := s.now()
	if err := s.st.RevokeOIDCAccessToken(ctx, tokenOrID, clientID, now); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if err := s.st.RevokeOIDCRefreshToken(ctx, tokenOrID, clientID, now); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// GetRefreshTokenInfo implements op.Storage; the token id is the token's digest.
func (s *opStorage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := s.st.OIDCRefreshTokenByHash(ctx, store.Digest(token), s.now())
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || (err == nil && t.ClientID != clientID) {
		return "", "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", err
	}
	return t.Subject, t.Hash, nil
}

// SetUserinfoFromToken implements op.Storage (the userinfo endpoint).
func (s *opStorage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.st.OIDCAccessTokenByID(ctx, tokenID, s.now())
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.Subject != subject) {
		return &oidc.Error{ErrorType: "invalid_token", Description: "access token is invalid, expired or revoked"}
	}
	if err != nil {
		return err
	}
	return s.fillUserinfo(ctx, info, t.Subject, t.Scopes, t.ACR, t.AMR)
}

// SetIntrospectionFromToken implements op.Storage. Only the client a token was issued to
// learns about it; for any other the token is inactive.
func (s *opStorage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := s.st.OIDCAccessTokenByID(ctx, tokenID, s.now())
	if err != nil {
		return err
	}
	if t.Subject != subject || t.ClientID != clientID {
		return errors.New("token of another client")
	}
	info := new(oidc.UserInfo)
	if err := s.fillUserinfo(ctx, info, t.Subject, t.Scopes, t.ACR, t.AMR); err != nil {
		return err
	}
	resp.SetUserInfo(info)
	resp.Scope, resp.ClientID, resp.TokenType = t.Scopes, t.ClientID, oidc.BearerToken
	resp.Subject, resp.Audience = t.Subject, []string{t.ClientID}
	resp.Expiration, resp.AuthTime = oidc.FromTime(t.ExpiresAt), oidc.FromTime(t.AuthTime)
	return nil
}
