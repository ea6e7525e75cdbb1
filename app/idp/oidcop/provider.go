// Package oidcop is the OpenID Connect provider of the identity provider: zitadel's op.Provider
// on SQLite, its clients, keys, tokens and claims, RP-initiated logout, and the binding of each
// authorization request to the browser that made it. The IdP's login pages reach it only
// through AuthRequest, Complete, Fail and the SameBrowserOnly wrapper.
package oidcop

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dvclogin/app/web"
	"dvclogin/store"
)

// Provider is the OpenID Connect provider mounted under /idp: zitadel's op.Provider on our
// SQLite storage, behind a few checks of our own (see authorize).
type Provider struct {
	d       Deps
	op      *op.Provider
	storage *opStorage
	issuer  string
	handler http.Handler // the provider with /idp stripped from the path
}

// Deps is what the provider is built from.
type Deps struct {
	Store              *store.Store
	Log                *slog.Logger
	Now                func() time.Time
	Render             *web.Renderer            // the page of a login opened in another browser
	URL                func(path string) string // an absolute URL on the public origin
	Secure             bool                     // the public URL is HTTPS: cookies get the Secure flag
	CryptoKey          []byte                   // 32 bytes derived for the provider alone; encrypts its codes and tokens
	PortalClientSecret string                   // the dvc-portal client's secret

	// BrowserSession returns this browser's IdP session: its citizen and the digest of its id,
	// both "" when it has none. The callback hands out a code only in the session that
	// completed the login; logout ends it.
	BrowserSession func(c echo.Context) (subject, idHash string, err error)
	// EndBrowserSession ends this browser's IdP session (RP-initiated logout).
	EndBrowserSession func(c echo.Context) error

	// OAuthRoutes receives the paths of the endpoints whose errors are OAuth error JSON, even
	// when the request is refused before its handler runs.
	OAuthRoutes map[string]bool

	AccessTokenTTL time.Duration // an access token lives this long; 0 = 30 minutes

	// AdmitStart admits a login that will need a password hash: an authorization request of a
	// browser without an IdP session it refuses is answered at once, 429 with Retry-After, so
	// that logins already started get the cores and finish in bounded time.
	AdmitStart func() (ok bool, retryAfter time.Duration)
}

// AuthRequest is what the login pages need to know about a pending authorization request.
type AuthRequest struct {
	ID         string
	ClientID   string
	ClientName string // shown on the login page and on the phone's confirmation screen
	Prompt     []string
	UILocales  []string // ui_locales: the languages the client asked the login pages to speak
	MaxAge     *time.Duration
	Done       bool

	restartURL  string // where a fresh login for the same client starts
	browserHash string // digest of the binding key of the browser that created it
}

// Messages of the authorization endpoint's error page. Nothing is redirected to an
// unregistered address: that is how codes leak (RFC 9700 §2.1).
const (
	msgUnknownClient   = "Ứng dụng yêu cầu đăng nhập chưa được đăng ký với Cổng thông tin định danh điện tử."
	msgBadRedirect     = "Địa chỉ chuyển hướng (redirect_uri) không khớp với địa chỉ đã đăng ký cho ứng dụng này."
	msgRepeatedParam   = "Yêu cầu không hợp lệ: một tham số xuất hiện nhiều lần."
	msgBadLogout       = "Địa chỉ chuyển hướng sau khi đăng xuất (post_logout_redirect_uri) không được đăng ký."
	msgLoginExpiredIdP = "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng quay lại Cổng Dịch vụ công Quốc gia và chọn Đăng nhập lại."
)

// supportedScopes are the scopes a client may ask for.
var supportedScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopePhone, oidc.ScopeOfflineAccess}

// New builds the provider on its stored signing keys, generating the first one on first start.
func New(d Deps) (*Provider, error) {
	key, keys, err := loadSigningKeys(context.Background(), d.Store, d.Now())
	if err != nil {
		return nil, err
	}
	accessTTL := d.AccessTokenTTL
	if accessTTL <= 0 {
		accessTTL = accessTokenTTL
	}
	st := &opStorage{st: d.Store, now: d.Now, log: d.Log, key: key, keys: keys, accessTTL: accessTTL,
		clients: newClients(d.URL, d.PortalClientSecret), loginURL: d.URL(loginPath)}
	cfg := &op.Config{
		DefaultLogoutRedirectURI: d.URL("/"),
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedScopes:          supportedScopes,
		DeviceAuthorization: op.DeviceAuthorizationConfig{Lifetime: deviceLifetime, PollInterval: devicePoll,
			UserFormPath: deviceFormPath, UserCode: userCodeConfig},
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp",
			"at_hash", "c_hash", "name", "preferred_username", "birthdate", "gender", "phone_number",
			"phone_number_verified", "SoDinhDanh", "HoVaTen", "NgayThangNamSinh", "LoaiTaiKhoan", "loginIdp"},
	}
	copy(cfg.CryptoKey[:], d.CryptoKey)
	issuer := d.URL("/idp")
	// No CORS: the clients are a server-side portal and native apps, and a reflected
	// Access-Control-Allow-Origin with credentials would hand any site the OP's answers.
	opts := []op.Option{op.WithCORSOptions(nil)}
	if !d.Secure {
		opts = append(opts, op.WithAllowInsecure()) // the demo runs on plain HTTP on a LAN
	}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc provider: %w", err)
	}
	return &Provider{d: d, op: provider, storage: st, issuer: issuer,
		handler: http.StripPrefix("/idp", provider)}, nil
}

// serve hands the request to the provider, with the client address for the audit trail.
func (o *Provider) serve(c echo.Context) error {
	r := c.Request()
	o.handler.ServeHTTP(c.Response(), r.WithContext(withClientIP(r.Context(), c.RealIP())))
	return nil
}

// audit records a provider event with the client address; a failure to audit is logged,
// never shown.
func (o *Provider) audit(c echo.Context, action, citizenID, detail string) {
	o.storage.audit(withClientIP(c.Request().Context(), c.RealIP()), action, citizenID, detail)
}

// discovery serves the provider metadata, trimmed to what this provider really does: the code
// flow with PKCE S256, RS256 ID tokens, refresh tokens, the device grant; no implicit flow.
func (o *Provider) discovery(c echo.Context) error {
	ctx := op.ContextWithIssuer(c.Request().Context(), o.issuer)
	d := op.CreateDiscoveryConfig(ctx, o.op, o.storage)
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.ResponseModesSupported = []string{string(oidc.ResponseModeQuery)}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeDeviceCode}
	d.CheckSessionIframe = ""
	d.RequestURIParameterSupported = false
	d.IntrospectionEndpointAuthSigningAlgValuesSupported = nil
	d.RevocationEndpointAuthSigningAlgValuesSupported = nil
	return c.JSON(http.StatusOK, d)
}

// authorize checks what the provider library is lenient about before handing the request on:
// every parameter at most once (RFC 6749 §3.1), a registered client, a redirect URI that
// matches exactly (loopback clients: any port, nothing else, RFC 8252 §7.3), the code flow
// only, query response mode only. Without a valid client and redirect URI the browser gets an
// error page; after that, errors go back to the client as OAuth errors. The request the
// provider then creates is bound to this browser (binding.go) and counted against the client
// address's open logins.
func (o *Provider) authorize(c echo.Context) error {
	r := c.Request()
	err := parseSingleValued(r)
	speak(c, strings.Fields(r.Form.Get("ui_locales"))) // the error pages below too
	if err != nil {
		return err
	}
	clientID, redirectURI := r.Form.Get("client_id"), r.Form.Get("redirect_uri")
	cl, err := o.storage.client(r.Context(), clientID)
	if errors.Is(err, errUnknownClient) {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_client", Msg: msgUnknownClient,
			Err: fmt.Errorf("authorize: unknown client %q", clientID)}
	}
	if err != nil {
		return err
	}
	if !cl.allowsRedirect(redirectURI) {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_request", Msg: msgBadRedirect,
			Err: fmt.Errorf("authorize: redirect_uri %q not registered for %s", redirectURI, clientID)}
	}
	state := r.Form.Get("state")
	responseType := oidc.ResponseType(r.Form.Get("response_type"))
	if responseType != "" && responseType != oidc.ResponseTypeCode {
		e := &oidc.Error{ErrorType: "unsupported_response_type", Description: "only response_type=code is supported"}
		return o.redirectError(c, redirectURI, responseType, state, e)
	}
	if m := r.Form.Get("response_mode"); m != "" && m != string(oidc.ResponseModeQuery) {
		e := oidc.ErrInvalidRequest().WithDescription("only response_mode=query is supported")
		return o.redirectError(c, redirectURI, responseType, state, e)
	}
	if v := r.Form.Get("max_age"); v != "" {
		// The library would answer its own parse error as plain text; this is the client's
		// mistake, so it goes back to the client.
		if n, err := strconv.ParseUint(v, 10, 31); err != nil || n > math.MaxInt32 {
			e := oidc.ErrInvalidRequest().WithDescription("max_age must be a non-negative number of seconds")
			return o.redirectError(c, redirectURI, responseType, state, e)
		}
	}
	if o.d.AdmitStart != nil {
		if ok, after := o.d.AdmitStart(); !ok {
			if subject, _, err := o.d.BrowserSession(c); err != nil || subject == "" {
				return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Msg: web.MsgBusy,
					RetryAfter: max(1, int((after+time.Second-1)/time.Second)),
					Err:        errors.New("authorize: password hashing saturated, new login refused")}
			}
		}
	}
	key := store.ClientKey(c.RealIP())
	if err := o.capOpenAuthRequests(c, key); err != nil {
		return err
	}
	b := browserBinding{hash: o.bindBrowser(c), clientKey: key}
	c.SetRequest(r.WithContext(withBrowser(r.Context(), b)))
	return o.serve(c)
}

// parseSingleValued parses the request's parameters and refuses any that appears twice (RFC
// 6749 §3.1): a check on one copy must not let the library act on the other.
func parseSingleValued(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_request", Msg: web.MsgBadRequest, Err: err}
	}
	for k, v := range r.Form {
		if len(v) > 1 {
			return &web.Error{Status: http.StatusBadRequest, Code: "invalid_request", Msg: msgRepeatedParam,
				Err: fmt.Errorf("%s: parameter %q repeated", r.URL.Path, k)}
		}
	}
	return nil
}

// redirectError sends an OAuth error to a validated redirect URI, with the client's state.
func (o *Provider) redirectError(c echo.Context, redirectURI string, rt oidc.ResponseType, state string, e *oidc.Error) error {
	target, err := o.errorURL(redirectURI, rt, state, e)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, target)
}

func (o *Provider) errorURL(redirectURI string, rt oidc.ResponseType, state string, e *oidc.Error) (string, error) {
	resp := *e
	resp.State = state
	return op.AuthResponseURL(redirectURI, rt, "", &resp, o.op.Encoder())
}

// callback is where a finished login sends the browser; the provider then issues the code.
// Only the browser that created the request, in the IdP session that completed it, gets the
// code: anyone else who knows the request id (it was in the login page's URL) gets the same
// error page as for an unknown, expired or replayed request, and the request stays unredeemed.
func (o *Provider) callback(c echo.Context) error {
	id := c.QueryParam("id")
	a, err := o.storage.st.OIDCAuthRequestByID(c.Request().Context(), id, o.storage.now())
	switch {
	case err != nil:
	case !a.Done || !a.CodeExpiresAt.IsZero():
		err = fmt.Errorf("callback of auth request %s not completed or replayed: %w", id, store.ErrNotFound)
	case !sameBrowser(c, a.BrowserHash):
		err = fmt.Errorf("callback of auth request %s from another browser: %w", id, store.ErrNotFound)
	default:
		err = o.sameSession(c, a)
	}
	if errors.Is(err, store.ErrNotFound) {
		return &web.Error{Status: http.StatusBadRequest, Code: "login_expired", Msg: msgLoginExpiredIdP, Err: err}
	}
	if err != nil {
		return err
	}
	return o.serve(c)
}

// sameSession checks that this browser's IdP session is the one that completed a: the binding
// cookie proves the browser, the session proves the login happened in it.
func (o *Provider) sameSession(c echo.Context, a store.OIDCAuthRequest) error {
	_, idHash, err := o.d.BrowserSession(c)
	if err != nil {
		return err
	}
	if idHash == "" || a.SessionHash == "" || !hmac.Equal([]byte(idHash), []byte(a.SessionHash)) {
		return fmt.Errorf("callback of auth request %s outside the session that completed it: %w", a.ID, store.ErrNotFound)
	}
	return nil
}

// token admits only the grants this provider offers; the password grant and the rest are
// answered unsupported_grant_type (RFC 9700 §2.4). The client is authenticated here first: the
// library answers some unknown or malformed clients with a 500.
func (o *Provider) token(c echo.Context) error {
	r := c.Request()
	if ref := checkOAuthParams(r); ref != nil {
		return o.writeRefusal(c, ref)
	}
	grant := oidc.GrantType(r.Form.Get("grant_type"))
	switch grant {
	case oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeDeviceCode:
	default:
		return c.JSON(http.StatusBadRequest, oidc.ErrUnsupportedGrantType().WithDescription(
			"supported: authorization_code, refresh_token, urn:ietf:params:oauth:grant-type:device_code"))
	}
	cl, ref, err := o.authenticateClient(r, false)
	if err != nil || ref != nil {
		return o.refusal(c, ref, err)
	}
	if !slices.Contains(cl.GrantTypes(), grant) {
		return o.writeRefusal(c, refuse(oidc.ErrUnauthorizedClient().WithDescription("grant type not allowed for this client"),
			"%s may not use %s", cl.id, grant))
	}
	if grant == oidc.GrantTypeDeviceCode {
		return o.deviceToken(c, cl)
	}
	return o.serve(c)
}

// introspect is token introspection (RFC 7662), for authenticated confidential clients only.
// The library would put its Go error text into the body of a refusal.
func (o *Provider) introspect(c echo.Context) error {
	r := c.Request()
	if ref := checkOAuthParams(r); ref != nil {
		return o.writeRefusal(c, ref)
	}
	if _, ref, err := o.authenticateClient(r, true); err != nil || ref != nil {
		return o.refusal(c, ref, err)
	}
	return o.serve(c)
}
