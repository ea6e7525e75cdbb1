package oidcop

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dvclogin/app/web"
	"dvclogin/store"
)

// Built-in OpenID Connect clients. They live in code, not in the database, and an operator
// cannot misconfigure, shadow or remove them. Clients an operator registers (store.OIDCClient)
// are read from the database at each use, so one added or removed while the server runs
// counts at once.
const (
	portalClientID = web.PortalClientID
	demoClientID   = web.DemoClientID
	kioskClientID  = web.KioskClientID
)

// Token lifetimes. The access token lives 1800 s, as on the real SSO.
const (
	authRequestTTL = 10 * time.Minute // the login must finish within this
	codeTTL        = 10 * time.Minute // ASVS 10.4.3: at most 10 minutes
	accessTokenTTL = 30 * time.Minute // the default of Deps.AccessTokenTTL
	idTokenTTL     = 30 * time.Minute
)

// client is a built-in or registered client. It implements op.Client.
type client struct {
	id         string
	name       string // shown on the login page and the phone's confirmation screen
	secretHash string // store.Digest of the client secret; "" for public clients
	registered bool   // registered by an operator, not built in
	appType    op.ApplicationType
	auth       oidc.AuthMethod
	loopback   bool     // redirect URIs follow the loopback rule of RFC 8252 §7.3
	device     bool     // logs in by device code (RFC 8628) instead of the code flow
	redirects  []string // exact redirect URIs (for loopback clients: the port-less form)
	logouts    []string // exact post-logout redirect URIs (likewise)
	loginURL   string   // the login page; the auth request id is appended
	startURL   string   // where a fresh login for this client starts ("" = the redirect URI's home page)
}

// loginPath is the login page of every client; the auth request id is appended.
const loginPath = "/idp/login?authRequestID="

// newClients builds the built-in clients for the public URL base.
func newClients(base func(path string) string, portalSecret string) map[string]*client {
	login := base(loginPath)
	return map[string]*client{
		portalClientID: {
			id: portalClientID, name: "Cổng Dịch vụ công Quốc gia", secretHash: store.Digest(portalSecret),
			appType: op.ApplicationTypeWeb, auth: oidc.AuthMethodBasic,
			redirects: []string{base("/sso")}, logouts: []string{base("/")}, loginURL: login,
			startURL: base("/dang-nhap/vneid"),
		},
		demoClientID: {
			id: demoClientID, name: "Ứng dụng demo (máy nhà phát triển)",
			appType: op.ApplicationTypeNative, auth: oidc.AuthMethodNone, loopback: true,
			redirects: []string{"http://127.0.0.1/callback", "http://localhost/callback"},
			logouts:   []string{"http://127.0.0.1/", "http://localhost/"},
			loginURL:  login,
		},
		// The counter screen of the portal (/dang-nhap-tai-quay) and any kiosk app: no keyboard,
		// no redirect; it logs in by device code, and the citizen confirms on the phone.
		kioskClientID: {
			id: kioskClientID, name: "Quầy tiếp nhận một cửa",
			appType: op.ApplicationTypeNative, auth: oidc.AuthMethodNone, device: true,
		},
	}
}

// registeredClient is the client an operator registered: confidential clients authenticate
// with their secret (client_secret_basic or client_secret_post), public ones with PKCE S256.
// Their redirect URIs match exactly, whatever their host.
func registeredClient(r store.OIDCClient, loginURL string) *client {
	c := &client{id: r.ID, name: r.Name, secretHash: r.SecretHash, registered: true,
		appType: op.ApplicationTypeWeb, auth: oidc.AuthMethodBasic,
		redirects: r.RedirectURIs, logouts: r.PostLogoutRedirectURIs, loginURL: loginURL}
	if r.Public {
		c.appType, c.auth = op.ApplicationTypeNative, oidc.AuthMethodNone
	}
	return c
}

// errUnknownClient is the answer of client for an id nobody registered.
var errUnknownClient = errors.New("unknown client")

// client returns the built-in or registered client id; errUnknownClient when there is none.
// A built-in id is answered from code before the database is asked, so no registration can
// shadow it.
func (s *opStorage) client(ctx context.Context, id string) (*client, error) {
	if c, ok := s.clients[id]; ok {
		return c, nil
	}
	r, err := s.st.OIDCClientByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnknownClient
	}
	if err != nil {
		return nil, err
	}
	return registeredClient(r, s.loginURL), nil
}

// anyAllowsLogoutRedirect reports whether some client, built in or registered, has uri as a
// post-logout redirect URI.
func (s *opStorage) anyAllowsLogoutRedirect(ctx context.Context, uri string) (bool, error) {
	for _, c := range s.clients {
		if c.allowsLogoutRedirect(uri) {
			return true, nil
		}
	}
	registered, err := s.st.ListOIDCClients(ctx)
	if err != nil {
		return false, err
	}
	for _, r := range registered {
		if slices.Contains(r.PostLogoutRedirectURIs, uri) {
			return true, nil
		}
	}
	return false, nil
}

// public reports whether the client has no secret (it proves itself with PKCE instead).
func (c *client) public() bool { return c.secretHash == "" }

// secretMatches reports whether secret is the client's, comparing digests in constant time: a
// timing difference must not tell how much of a guess was right.
func (c *client) secretMatches(secret string) bool {
	if c.public() {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(store.Digest(secret)), []byte(c.secretHash)) == 1
}

// allowsRedirect reports whether uri is a registered redirect URI of the client: an exact
// string match, or for a loopback client the registered URI with any port (RFC 8252 §7.3) and
// nothing else changed: same scheme, host spelling, path, no query, no fragment.
func (c *client) allowsRedirect(uri string) bool {
	return matchRedirect(c.redirects, c.loopback, uri)
}

// allowsLogoutRedirect is allowsRedirect for post-logout redirect URIs.
func (c *client) allowsLogoutRedirect(uri string) bool {
	return matchRedirect(c.logouts, c.loopback, uri)
}

func matchRedirect(registered []string, loopback bool, uri string) bool {
	if slices.Contains(registered, uri) {
		return true
	}
	if !loopback {
		return false
	}
	u, err := url.Parse(uri)
	if err != nil || u.Port() == "" {
		return false
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil || port < 1 || port > 65535 || strconv.Itoa(port) != u.Port() {
		return false
	}
	// Rebuild the URI without its port and compare the strings: any other difference (scheme,
	// case, user info, encoded path, query, fragment) makes the rebuilt form differ from the
	// registered one, or the original differ from what was rebuilt.
	portless := u.Scheme + "://" + u.Hostname() + u.EscapedPath()
	if uri != u.Scheme+"://"+u.Hostname()+":"+u.Port()+u.EscapedPath() {
		return false
	}
	return slices.Contains(registered, portless)
}

// GetID implements op.Client.
func (c *client) GetID() string { return c.id }

// RedirectURIs implements op.Client.
func (c *client) RedirectURIs() []string { return c.redirects }

// PostLogoutRedirectURIs implements op.Client.
func (c *client) PostLogoutRedirectURIs() []string { return c.logouts }

// ApplicationType implements op.Client.
func (c *client) ApplicationType() op.ApplicationType { return c.appType }

// AuthMethod implements op.Client.
func (c *client) AuthMethod() oidc.AuthMethod { return c.auth }

// ResponseTypes implements op.Client: the code flow only (no implicit, RFC 9700 §2.1.2).
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

// GrantTypes implements op.Client.
func (c *client) GrantTypes() []oidc.GrantType {
	if c.device {
		return []oidc.GrantType{oidc.GrantTypeDeviceCode, oidc.GrantTypeRefreshToken}
	}
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

// LoginURL implements op.Client.
func (c *client) LoginURL(authRequestID string) string {
	return c.loginURL + url.QueryEscape(authRequestID)
}

// AccessTokenType implements op.Client: opaque tokens, checked against the database, so
// revocation takes effect at once.
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }

// IDTokenLifetime implements op.Client.
func (c *client) IDTokenLifetime() time.Duration { return idTokenTTL }

// DevMode implements op.Client. In the library it only relaxes the scheme rules of redirect
// URIs (http for a public client on a host other than the loopback, a custom scheme for a
// confidential one). Registered clients get it: their URIs were checked when they were
// registered (web.NewOIDCClient) and authorize and CreateAuthRequest match them exactly before
// the library sees a request, and this offline appliance serves services on plain http hosts
// of its LAN. Built-in clients keep the library's rules.
func (c *client) DevMode() bool { return c.registered }

// RestrictAdditionalIdTokenScopes implements op.Client.
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

// RestrictAdditionalAccessTokenScopes implements op.Client.
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

// IsScopeAllowed implements op.Client: no scopes beyond the standard ones.
func (c *client) IsScopeAllowed(string) bool { return false }

// IDTokenUserinfoClaimsAssertion implements op.Client: the identity claims go into the ID
// token too, since the portal reads them there (as VNeID's clients do).
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }

// ClockSkew implements op.Client.
func (c *client) ClockSkew() time.Duration { return 0 }
