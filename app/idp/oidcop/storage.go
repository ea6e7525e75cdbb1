package oidcop

import (
	"context"
	"errors"
	"log/slog"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dvclogin/app/web"
	"dvclogin/store"
)

// opStorage is op.Storage on SQLite. The provider library drives it; every state change is
// one store call, so a restart loses no login, code or token.
type opStorage struct {
	st       *store.Store
	now      func() time.Time
	log      *slog.Logger
	clients  map[string]*client // the built-in clients; registered ones are in the store
	loginURL string             // the login page of every client; the auth request id is appended
	key      *signingKey
	keys     []op.Key

	accessTTL time.Duration
}

var _ op.Storage = (*opStorage)(nil)

// requestInfoKey carries the client address of an OP request into the storage (for the audit
// trail), since the library passes only a context.
type requestInfoKey struct{}

func withClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ip)
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(requestInfoKey{}).(string)
	return ip
}

// opAuthRequest adapts a stored auth request to op.AuthRequest.
type opAuthRequest struct{ store.OIDCAuthRequest }

// GetID implements op.AuthRequest.
func (a *opAuthRequest) GetID() string { return a.ID }

// GetACR implements op.AuthRequest: the account level (mức độ) at login, as a string.
func (a *opAuthRequest) GetACR() string { return a.ACR }

// GetAMR implements op.AuthRequest.
func (a *opAuthRequest) GetAMR() []string { return a.AMR }

// GetAudience implements op.AuthRequest.
func (a *opAuthRequest) GetAudience() []string { return []string{a.ClientID} }

// GetAuthTime implements op.AuthRequest.
func (a *opAuthRequest) GetAuthTime() time.Time { return a.AuthTime }

// GetClientID implements op.AuthRequest.
func (a *opAuthRequest) GetClientID() string { return a.ClientID }

// GetCodeChallenge implements op.AuthRequest.
func (a *opAuthRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: oidc.CodeChallengeMethod(a.CodeChallengeMethod)}
}

// GetNonce implements op.AuthRequest.
func (a *opAuthRequest) GetNonce() string { return a.Nonce }

// GetRedirectURI implements op.AuthRequest.
func (a *opAuthRequest) GetRedirectURI() string { return a.RedirectURI }

// GetResponseType implements op.AuthRequest.
func (a *opAuthRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseType(a.ResponseType) }

// GetResponseMode implements op.AuthRequest.
func (a *opAuthRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(a.ResponseMode) }

// GetScopes implements op.AuthRequest.
func (a *opAuthRequest) GetScopes() []string { return a.Scopes }

// GetState implements op.AuthRequest.
func (a *opAuthRequest) GetState() string { return a.State }

// GetSubject implements op.AuthRequest.
func (a *opAuthRequest) GetSubject() string { return a.Subject }

// Done implements op.AuthRequest.
func (a *opAuthRequest) Done() bool { return a.OIDCAuthRequest.Done }

// LogValue lets the library log a request without its state, nonce or challenge.
func (a *opAuthRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.ID), slog.String("client_id", a.ClientID),
		slog.Any("scopes", a.Scopes))
}

func (a *opAuthRequest) grant() store.OIDCGrant {
	return store.OIDCGrant{GrantID: a.ID, ClientID: a.ClientID, Subject: a.Subject, Scopes: a.Scopes,
		ACR: a.ACR, AMR: a.AMR, AuthTime: a.AuthTime}
}

// CreateAuthRequest implements op.Storage. The library has checked the client, redirect URI,
// response type and scopes; the rules of this provider are checked again here so no path
// around the authorize handler skips them: loopback-exact redirect URIs and PKCE with S256
// (required for public clients, plain refused for all, RFC 9700 §2.1.1).
func (s *opStorage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, err := s.client(ctx, req.ClientID)
	if errors.Is(err, errUnknownClient) || (err == nil && !c.allowsRedirect(req.RedirectURI)) {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("redirect_uri is not registered for this client")
	}
	if err != nil {
		return nil, err
	}
	if err := checkPKCE(c, req.CodeChallenge, req.CodeChallengeMethod); err != nil {
		return nil, err
	}
	b := browserFrom(ctx)
	if b.hash == "" {
		// Every way in is the authorize handler, which binds the browser; a request without a
		// binding could be completed by anyone.
		return nil, oidc.ErrServerError().WithDescription("authorization request without a browser binding")
	}
	now := s.now()
	a := store.OIDCAuthRequest{BrowserHash: b.hash, ClientKey: b.clientKey,
		ID: web.RandomToken(16), ClientID: req.ClientID, RedirectURI: req.RedirectURI, Scopes: req.Scopes,
		State: req.State, Nonce: req.Nonce, ResponseType: string(req.ResponseType),
		ResponseMode: string(req.ResponseMode), CodeChallenge: req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod), Prompt: req.Prompt, LoginHint: req.LoginHint,
		UILocales: localeTags(req.UILocales), CreatedAt: now, ExpiresAt: now.Add(authRequestTTL),
	}
	if req.MaxAge != nil {
		d := time.Duration(*req.MaxAge) * time.Second
		a.MaxAge = &d
	}
	if err := s.st.CreateOIDCAuthRequest(ctx, a); err != nil {
		return nil, err
	}
	return &opAuthRequest{a}, nil
}

// maxUILocales is how many of a request's ui_locales are kept: the first one the site speaks
// is all the login pages use, and a client has no reason to list many.
const maxUILocales = 8

// localeTags is ui_locales as stored: BCP 47 tags, preferred first.
func localeTags(l oidc.Locales) []string {
	var out []string
	for _, tag := range l {
		if len(out) == maxUILocales {
			break
		}
		out = append(out, tag.String())
	}
	return out
}

// checkPKCE applies the PKCE policy to an authorization request.
func checkPKCE(c *client, challenge string, method oidc.CodeChallengeMethod) error {
	if challenge == "" {
		if c.public() {
			return oidc.ErrInvalidRequest().WithDescription("code_challenge is required (PKCE with S256)")
		}
		return nil
	}
	if method != oidc.CodeChallengeMethodS256 {
		return oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	return nil
}

// AuthRequestByID implements op.Storage.
func (s *opStorage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	a, err := s.st.OIDCAuthRequestByID(ctx, id, s.now())
	if err != nil {
		return nil, err
	}
	return &opAuthRequest{a}, nil
}

// AuthRequestByCode implements op.Storage. A code that was already redeemed revokes every
// token issued from it.
func (s *opStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	a, err := s.st.OIDCAuthRequestByCode(ctx, store.Digest(code), s.now())
	if errors.Is(err, store.ErrConflict) {
		s.log.Warn("oidc: authorization code used twice; its tokens are revoked", "client_id", a.ClientID,
			"auth_request", a.ID, "ip", clientIP(ctx))
		s.audit(ctx, "oidc_code_reuse", a.Subject, "client="+a.ClientID)
	}
	if err != nil {
		return nil, err
	}
	return &opAuthRequest{a}, nil
}

// SaveAuthCode implements op.Storage: only the code's digest is kept, and a request gets one
// code (a replayed callback gets none).
func (s *opStorage) SaveAuthCode(ctx context.Context, id, code string) error {
	now := s.now()
	err := s.st.SaveOIDCCode(ctx, id, store.Digest(code), now.Add(codeTTL), now)
	if errors.Is(err, store.ErrConflict) {
		return oidc.ErrInvalidRequest().WithDescription("the authorization code of this request was already issued")
	}
	return err
}

// DeleteAuthRequest implements op.Storage. The library calls it once the code is exchanged;
// the row stays as the record of the grant, so that a second use of the code is recognised
// and revokes the tokens. Old rows are purged when new requests are created.
func (s *opStorage) DeleteAuthRequest(context.Context, string) error { return nil }

// TerminateSession implements op.Storage. The library's end_session handler, its only caller,
// is not mounted: Provider.endSession ends the IdP session of the requesting browser alone.
// Ending a subject's sessions everywhere on the strength of an ID token is what this must never
// do.
func (s *opStorage) TerminateSession(context.Context, string, string) error {
	return errors.New("logout goes through Provider.endSession")
}

// SigningKey implements op.Storage.
func (s *opStorage) SigningKey(context.Context) (op.SigningKey, error) { return s.key, nil }

// SignatureAlgorithms implements op.Storage: RS256 only, so discovery never offers "none".
func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet implements op.Storage.
func (s *opStorage) KeySet(context.Context) ([]op.Key, error) { return s.keys, nil }

// GetClientByClientID implements op.Storage.
func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.client(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AuthorizeClientIDSecret implements op.Storage (client_secret_basic and client_secret_post).
func (s *opStorage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := s.client(ctx, id)
	if err != nil {
		return err
	}
	if !c.secretMatches(secret) {
		return errors.New("wrong client credentials")
	}
	return nil
}

// SetUserinfoFromScopes implements op.Storage; SetUserinfoFromRequest does the work.
func (s *opStorage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's identity claims.
func (s *opStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	var acr string
	if r, ok := req.(interface{ GetACR() string }); ok {
		acr = r.GetACR()
	}
	return s.fillUserinfo(ctx, info, req.GetSubject(), scopes, acr, req.GetAMR())
}

// GetPrivateClaimsFromScopes implements op.Storage; it only feeds JWT access tokens, which
// this provider does not issue.
func (s *opStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID implements op.Storage; no client authenticates with its own keys.
func (s *opStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("private_key_jwt is not supported")
}

// ValidateJWTProfileScopes implements op.Storage; the JWT profile grant is not supported.
func (s *opStorage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("jwt profile grant is not supported")
}

// Health implements op.Storage.
func (s *opStorage) Health(ctx context.Context) error { return s.st.Ping(ctx) }

// audit records a provider event; a failure to audit is logged, never shown.
func (s *opStorage) audit(ctx context.Context, action, citizenID, detail string) {
	e := store.Event{At: s.now(), Actor: "idp", Action: action, CitizenID: citizenID, IP: clientIP(ctx), Detail: detail}
	if err := s.st.Audit(ctx, e); err != nil {
		s.log.Warn("audit failed", "action", action, "err", err)
	}
}
