package idp

import (
	"context"
	"errors"
	"time"

	"github.com/labstack/echo/v4"
)

// oidcProvider is the OpenID Connect provider mounted under /idp.
type oidcProvider struct{}

// AuthRequestInfo is what the login pages need to know about a pending authorization request.
type AuthRequestInfo struct {
	ID         string
	ClientID   string
	ClientName string // shown on the login page and on the phone's confirmation screen
	Prompt     []string
	MaxAge     *time.Duration
	LoginHint  string
	Done       bool
	CreatedAt  time.Time
}

func (p *IdP) registerOIDC(g *echo.Group) error { return nil }

// authRequestInfo looks up a pending auth request; store.ErrNotFound when unknown or expired.
func (p *IdP) authRequestInfo(ctx context.Context, id string) (AuthRequestInfo, error) {
	return AuthRequestInfo{}, errors.New("oidc: not built yet")
}

// completeAuthRequest marks the auth request as authenticated for citizenID and returns the
// URL the browser goes to next (the provider's callback, which issues the code).
func (p *IdP) completeAuthRequest(ctx context.Context, id, citizenID string, amr []string, authTime time.Time) (string, error) {
	return "", errors.New("oidc: not built yet")
}
