package client

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// The provider's built-in public client, and a loopback redirect URI it accepts (RFC 8252
// §7.3). Nothing listens there: a client walking the flow reads the code off the redirect.
const (
	DemoApp      = "demo-app"
	DemoRedirect = "http://127.0.0.1:9/callback"
)

// PKCE is a code verifier and its S256 challenge (RFC 7636).
type PKCE struct{ Verifier, Challenge string }

// NewPKCE makes a fresh verifier and its challenge.
func NewPKCE() PKCE {
	v := oauth2.GenerateVerifier()
	return PKCE{Verifier: v, Challenge: oauth2.S256ChallengeFromVerifier(v)}
}

// Authorization is one authorization request as its client remembers it: what comes back
// must carry its state, the code is redeemed with its verifier, the ID token names its nonce.
type Authorization struct {
	State, Nonce string
	PKCE
}

// NewAuthorization makes a fresh state, nonce and verifier.
func NewAuthorization() Authorization {
	return Authorization{State: RandomString(12), Nonce: RandomString(12), PKCE: NewPKCE()}
}

// RandomString returns n random bytes in URL-safe base64.
func RandomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// RP is a relying party of the provider: the authorization code flow with PKCE, with its ID
// tokens checked by go-oidc (the provider's published key, issuer, audience, expiry) and by
// their nonce. An RP that only builds authorization requests needs no Provider.
type RP struct {
	Provider *oidc.Provider
	OAuth    oauth2.Config
	HTTP     *http.Client // what go-oidc and oauth2 send their requests through
}

// NewRP discovers the provider at issuer through hc and returns a relying party for the
// client conf describes: its endpoints come from discovery and "openid" joins its scopes. A
// client without a secret is public and sends its client_id in the token request's body.
func NewRP(ctx context.Context, hc *http.Client, issuer string, conf oauth2.Config) (*RP, error) {
	r := &RP{HTTP: hc}
	p, err := oidc.NewProvider(r.Context(ctx), issuer)
	if err != nil {
		return nil, fmt.Errorf("discovery of %s: %w", issuer, err)
	}
	r.Provider, r.OAuth = p, conf
	r.OAuth.Endpoint = p.Endpoint()
	if conf.ClientSecret == "" {
		r.OAuth.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	r.OAuth.Scopes = append([]string{oidc.ScopeOpenID}, conf.Scopes...)
	return r, nil
}

// Context returns ctx carrying the RP's HTTP client, for calls to go-oidc and oauth2.
func (r *RP) Context(ctx context.Context) context.Context { return oidc.ClientContext(ctx, r.HTTP) }

// AuthCodeURL is the authorization request for a, with extra parameters (prompt, max_age).
func (r *RP) AuthCodeURL(a Authorization, extra ...oauth2.AuthCodeOption) string {
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(a.Nonce), oauth2.S256ChallengeOption(a.Verifier)}, extra...)
	return r.OAuth.AuthCodeURL(a.State, opts...)
}

// toClient reports whether u goes to the client's redirect URI.
func (r *RP) toClient(u *url.URL) bool {
	s := u.String()
	return s == r.OAuth.RedirectURL || strings.HasPrefix(s, r.OAuth.RedirectURL+"?")
}

// Code checks the redirect back to the client and returns its code: it must go to the
// redirect URI and carry a's state.
func (r *RP) Code(a Authorization, redirect *url.URL) (string, error) {
	q := redirect.Query()
	switch {
	case !r.toClient(redirect):
		return "", fmt.Errorf("the login ended at %s, not at the client's redirect URI", redirect.Redacted())
	case q.Get("error") != "":
		return "", fmt.Errorf("the provider answered %s: %s", q.Get("error"), q.Get("error_description"))
	case q.Get("state") != a.State:
		return "", errors.New("the redirect does not carry the request's state")
	case q.Get("code") == "":
		return "", errors.New("the redirect carries no code")
	}
	return q.Get("code"), nil
}

// Exchange redeems the code with a's verifier. A refusal is an *oauth2.RetrieveError.
func (r *RP) Exchange(ctx context.Context, a Authorization, code string) (*oauth2.Token, error) {
	return r.OAuth.Exchange(r.Context(ctx), code, oauth2.VerifierOption(a.Verifier))
}

// Refresh redeems a refresh token. The provider rotates them: an answer without a new one is
// an error.
func (r *RP) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	tok, err := r.OAuth.TokenSource(r.Context(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, err
	}
	// oauth2 keeps the old refresh token when the answer has none: the raw answer tells.
	if rt, _ := tok.Extra("refresh_token").(string); rt == "" {
		return nil, errors.New("the answer carries no new refresh token")
	}
	return tok, nil
}

// Verify checks the ID token of a token answer; nonce, if not "", is the one the request
// carried.
func (r *RP) Verify(ctx context.Context, tok *oauth2.Token, nonce string) (*oidc.IDToken, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New("the token answer has no id_token")
	}
	idt, err := r.Provider.Verifier(&oidc.Config{ClientID: r.OAuth.ClientID}).Verify(r.Context(ctx), raw)
	if err != nil {
		return nil, err
	}
	if nonce != "" && idt.Nonce != nonce {
		return nil, errors.New("the ID token carries another nonce")
	}
	return idt, nil
}
