package idp

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dvclogin/app/web"
	"dvclogin/store"
)

// oidcProvider is the OpenID Connect provider mounted under /idp: zitadel's op.Provider on our
// SQLite storage, behind a few checks of our own (see authorize).
type oidcProvider struct {
	op      *op.Provider
	storage *oidcStorage
	issuer  string
	secure  bool         // cookies get the Secure flag (HTTPS public URL)
	handler http.Handler // the provider with /idp stripped from the path
}

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
	RestartURL string // where a fresh login for the same client starts

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

// registerOIDC builds the provider and mounts its endpoints, each on its own route: the login
// pages share the /idp group, and explicit routes leave no wildcard to shadow them. The device
// flow, the provider's own health probes and anything else it would serve stay unreachable.
func (p *IdP) registerOIDC(g *echo.Group) error {
	ctx := context.Background()
	key, keys, err := loadSigningKeys(ctx, p.d.Store, p.d.Now())
	if err != nil {
		return err
	}
	st := &oidcStorage{st: p.d.Store, now: p.d.Now, log: p.d.Log, key: key, keys: keys,
		clients: newOIDCClients(p.d.URL, p.d.PortalClientSecret)}
	cfg := &op.Config{
		DefaultLogoutRedirectURI: p.d.URL("/"),
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedScopes:          []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopePhone, oidc.ScopeOfflineAccess},
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp",
			"at_hash", "c_hash", "name", "preferred_username", "birthdate", "gender", "phone_number",
			"phone_number_verified", "SoDinhDanh", "HoVaTen", "NgayThangNamSinh", "LoaiTaiKhoan", "loginIdp"},
	}
	copy(cfg.CryptoKey[:], p.d.Key("oidc/crypto"))
	issuer := p.d.URL("/idp")
	// No CORS: the clients are a server-side portal and native apps, and a reflected
	// Access-Control-Allow-Origin with credentials would hand any site the OP's answers.
	opts := []op.Option{op.WithCORSOptions(nil)}
	if !p.d.Secure() {
		opts = append(opts, op.WithAllowInsecure()) // the demo runs on plain HTTP on a LAN
	}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return fmt.Errorf("oidc provider: %w", err)
	}
	o := &oidcProvider{op: provider, storage: st, issuer: issuer, secure: p.d.Secure(),
		handler: http.StripPrefix("/idp", provider)}
	p.oidc = o

	ns := web.NoStoreMiddleware
	g.GET("/.well-known/openid-configuration", o.discovery)
	g.GET("/keys", o.serve)
	g.GET("/authorize", o.authorize, ns)
	g.POST("/authorize", o.authorize, ns)
	g.GET("/authorize/callback", func(c echo.Context) error { return o.callback(c, p.session, p.d.Sessions) }, ns)
	g.POST("/oauth/token", o.token, ns)
	g.POST("/oauth/introspect", o.introspect, ns)
	g.GET("/userinfo", o.serve, ns)
	g.POST("/userinfo", o.serve, ns)
	g.POST("/revoke", o.serve, ns)
	g.GET("/end_session", p.endSession, ns)
	g.POST("/end_session", p.endSession, ns)
	return nil
}

// serve hands the request to the provider, with the client address for the audit trail.
func (o *oidcProvider) serve(c echo.Context) error {
	r := c.Request()
	o.handler.ServeHTTP(c.Response(), r.WithContext(withClientIP(r.Context(), c.RealIP())))
	return nil
}

// discovery serves the provider metadata, trimmed to what this provider really does: the code
// flow with PKCE S256, RS256 ID tokens, refresh tokens; no implicit flow, no device flow.
func (o *oidcProvider) discovery(c echo.Context) error {
	ctx := op.ContextWithIssuer(c.Request().Context(), o.issuer)
	d := op.CreateDiscoveryConfig(ctx, o.op, o.storage)
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.ResponseModesSupported = []string{string(oidc.ResponseModeQuery)}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	d.DeviceAuthorizationEndpoint = ""
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
func (o *oidcProvider) authorize(c echo.Context) error {
	r := c.Request()
	if err := parseSingleValued(r); err != nil {
		return err
	}
	clientID, redirectURI := r.Form.Get("client_id"), r.Form.Get("redirect_uri")
	cl, ok := o.storage.clients[clientID]
	if !ok {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_client", Msg: msgUnknownClient,
			Err: fmt.Errorf("authorize: unknown client %q", clientID)}
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
func (o *oidcProvider) redirectError(c echo.Context, redirectURI string, rt oidc.ResponseType, state string, e *oidc.Error) error {
	target, err := o.errorURL(redirectURI, rt, state, e)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, target)
}

func (o *oidcProvider) errorURL(redirectURI string, rt oidc.ResponseType, state string, e *oidc.Error) (string, error) {
	resp := *e
	resp.State = state
	return op.AuthResponseURL(redirectURI, rt, "", &resp, o.op.Encoder())
}

// callback is where a finished login sends the browser; the provider then issues the code.
// Only the browser that created the request, in the IdP session that completed it, gets the
// code: anyone else who knows the request id (it was in the login page's URL) gets the same
// error page as for an unknown, expired or replayed request, and the request stays unredeemed.
func (o *oidcProvider) callback(c echo.Context, session web.SessionKind, sessions *web.Sessions) error {
	id := c.QueryParam("id")
	a, err := o.storage.st.OIDCAuthRequestByID(c.Request().Context(), id, o.storage.now())
	switch {
	case err != nil:
	case !a.Done || !a.CodeExpiresAt.IsZero():
		err = fmt.Errorf("callback of auth request %s not completed or replayed: %w", id, store.ErrNotFound)
	case !sameBrowser(c, a.BrowserHash):
		err = fmt.Errorf("callback of auth request %s from another browser: %w", id, store.ErrNotFound)
	default:
		err = o.sameSession(c, a, session, sessions)
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
func (o *oidcProvider) sameSession(c echo.Context, a store.OIDCAuthRequest, session web.SessionKind, sessions *web.Sessions) error {
	sess, err := sessions.Load(c, session)
	if err != nil {
		return err
	}
	if sess == nil || a.SessionHash == "" || !hmac.Equal([]byte(sess.IDHash), []byte(a.SessionHash)) {
		return fmt.Errorf("callback of auth request %s outside the session that completed it: %w", a.ID, store.ErrNotFound)
	}
	return nil
}

// token admits only the grants this provider offers; the password grant and the rest are
// answered unsupported_grant_type (RFC 9700 §2.4). The client is authenticated here first: the
// library answers some unknown or malformed clients with a 500.
func (o *oidcProvider) token(c echo.Context) error {
	r := c.Request()
	if ref := checkOAuthParams(r); ref != nil {
		return o.writeRefusal(c, ref)
	}
	switch oidc.GrantType(r.Form.Get("grant_type")) {
	case oidc.GrantTypeCode, oidc.GrantTypeRefreshToken:
	default:
		return c.JSON(http.StatusBadRequest, oidc.ErrUnsupportedGrantType().WithDescription("supported: authorization_code, refresh_token"))
	}
	if _, ref := o.authenticateClient(r, false); ref != nil {
		return o.writeRefusal(c, ref)
	}
	return o.serve(c)
}

// introspect is token introspection (RFC 7662), for authenticated confidential clients only.
// The library would put its Go error text into the body of a refusal.
func (o *oidcProvider) introspect(c echo.Context) error {
	r := c.Request()
	if ref := checkOAuthParams(r); ref != nil {
		return o.writeRefusal(c, ref)
	}
	if _, ref := o.authenticateClient(r, true); ref != nil {
		return o.writeRefusal(c, ref)
	}
	return o.serve(c)
}

// authRequestInfo looks up a pending auth request; store.ErrNotFound when unknown or expired.
func (p *IdP) authRequestInfo(ctx context.Context, id string) (AuthRequestInfo, error) {
	if id == "" {
		return AuthRequestInfo{}, store.ErrNotFound
	}
	a, err := p.d.Store.OIDCAuthRequestByID(ctx, id, p.d.Now())
	if err != nil {
		return AuthRequestInfo{}, err
	}
	info := AuthRequestInfo{ID: a.ID, ClientID: a.ClientID, Prompt: a.Prompt, MaxAge: a.MaxAge,
		LoginHint: a.LoginHint, Done: a.Done, CreatedAt: a.CreatedAt, browserHash: a.BrowserHash}
	cl := p.oidc.storage.clients[a.ClientID]
	if cl != nil {
		info.ClientName = cl.name
	}
	info.RestartURL = restartURL(cl, a.RedirectURI)
	return info, nil
}

// completeAuthRequest marks the auth request as authenticated for citizenID in the IdP session
// whose id digest is sessionHash (only that session may redeem it at the callback) and returns
// the URL the browser goes to next (the provider's callback, which issues the code). It is one
// conditional update: store.ErrConflict when the request was already completed,
// store.ErrNotFound when it is unknown or expired. acr is the citizen's account level.
func (p *IdP) completeAuthRequest(ctx context.Context, id, citizenID, sessionHash string, amr []string, authTime time.Time) (string, error) {
	cit, err := p.d.Store.CitizenByID(ctx, citizenID)
	if err != nil {
		return "", err
	}
	if err := p.d.Store.CompleteOIDCAuthRequest(ctx, id, cit.ID, sessionHash, strconv.Itoa(cit.Level), amr, authTime, p.d.Now()); err != nil {
		return "", err
	}
	return op.AuthCallbackURL(p.oidc.op)(op.ContextWithIssuer(ctx, p.oidc.issuer), id), nil
}

// failAuthRequest ends an auth request without a login and returns the URL that reports
// oidcErr to the client (its registered redirect URI with error, error_description and
// state). The login pages use it where the provider library leaves the decision to them:
// prompt=none without an IdP session (oidc.ErrLoginRequired()), or the citizen cancelling
// (oidc.ErrAccessDenied()). store.ErrNotFound when the request is unknown or expired,
// store.ErrConflict when it was already completed.
func (p *IdP) failAuthRequest(ctx context.Context, id string, oidcErr *oidc.Error) (string, error) {
	a, err := p.d.Store.OIDCAuthRequestByID(ctx, id, p.d.Now())
	if err != nil {
		return "", err
	}
	if err := p.d.Store.DeleteOIDCAuthRequest(ctx, id); err != nil {
		return "", err
	}
	return p.oidc.errorURL(a.RedirectURI, oidc.ResponseType(a.ResponseType), a.State, oidcErr)
}
