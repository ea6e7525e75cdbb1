package oidcop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dvclogin/app/web"
)

// msgBadHint is the end_session error page for an id_token_hint this provider did not issue.
const msgBadHint = "Yêu cầu đăng xuất không hợp lệ: thông tin phiên đăng nhập (id_token_hint) không đúng."

// endSession is RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), handled here
// rather than by the library, whose handler ends the IdP sessions of the token's subject in
// every browser: whoever holds a copy of an ID token (it is no secret: it travels through the
// browser) could log the citizen out everywhere. Here a verified id_token_hint ends only the
// IdP session of the browser that sent it, and only when that session is the hint's citizen.
//
// A post-logout redirect URI must be registered exactly for the client (loopback: any port),
// so logout is no open redirector (RFC 9700 §4.11). Without an id_token_hint nobody is logged
// out: a forged logout link ends nothing.
func (o *Provider) endSession(c echo.Context) error {
	r := c.Request()
	if err := parseSingleValued(r); err != nil {
		return err
	}
	clientID, subject := r.Form.Get("client_id"), ""
	if hint := r.Form.Get("id_token_hint"); hint != "" {
		ctx := op.ContextWithIssuer(r.Context(), o.issuer)
		claims, err := op.VerifyIDTokenHint[*oidc.IDTokenClaims](ctx, hint, o.op.IDTokenHintVerifier(ctx))
		if err != nil && !errors.As(err, &op.IDTokenHintExpiredError{}) {
			return &web.Error{Status: http.StatusBadRequest, Code: "invalid_request", Msg: msgBadHint,
				Err: fmt.Errorf("end_session: id_token_hint: %w", err)}
		}
		if clientID != "" && clientID != claims.GetAuthorizedParty() {
			return &web.Error{Status: http.StatusBadRequest, Code: "invalid_request", Msg: msgBadHint,
				Err: fmt.Errorf("end_session: client_id %q is not the hint's azp %q", clientID, claims.GetAuthorizedParty())}
		}
		clientID, subject = claims.GetAuthorizedParty(), claims.GetSubject()
	}
	target, err := o.postLogoutTarget(r.Context(), clientID, r.Form.Get("post_logout_redirect_uri"), r.Form.Get("state"))
	if err != nil {
		return err
	}
	if subject != "" {
		if err := o.endBrowserSSO(c, subject, clientID); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusFound, target)
}

// postLogoutTarget is where the browser goes after logout: the client's registered post-logout
// redirect URI when one is asked for and a client is named, else the portal's home page; with
// the client's state. A post-logout redirect URI no client registered is refused even when
// no client is named, so a logout link never carries an address nobody vouched for.
func (o *Provider) postLogoutTarget(ctx context.Context, clientID, requested, state string) (string, error) {
	target := o.d.URL("/")
	var cl *client
	if clientID != "" {
		var err error
		if cl, err = o.storage.client(ctx, clientID); errors.Is(err, errUnknownClient) {
			// The library answers an unknown client here with a 500.
			return "", &web.Error{Status: http.StatusBadRequest, Code: "invalid_client", Msg: msgUnknownClient,
				Err: fmt.Errorf("end_session: unknown client %q", clientID)}
		} else if err != nil {
			return "", err
		}
	}
	if requested != "" {
		registered, err := o.logoutRedirectRegistered(ctx, cl, requested)
		if err != nil {
			return "", err
		}
		if !registered {
			return "", &web.Error{Status: http.StatusBadRequest, Code: "invalid_request", Msg: msgBadLogout,
				Err: fmt.Errorf("end_session: post_logout_redirect_uri %q not registered for %q", requested, clientID)}
		}
		if cl != nil {
			target = requested
		}
	}
	if state == "" {
		return target, nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// logoutRedirectRegistered reports whether uri is a post-logout redirect URI of cl, or of any
// client when cl is nil.
func (o *Provider) logoutRedirectRegistered(ctx context.Context, cl *client, uri string) (bool, error) {
	if cl != nil {
		return cl.allowsLogoutRedirect(uri), nil
	}
	return o.storage.anyAllowsLogoutRedirect(ctx, uri)
}

// endBrowserSSO ends this browser's IdP session if it is subject's, and then revokes the
// tokens the client holds for subject. A hint that does not match the browser's own session
// ends nothing: the hint names a citizen, the cookie names the browser.
func (o *Provider) endBrowserSSO(c echo.Context, subject, clientID string) error {
	current, idHash, err := o.d.BrowserSession(c)
	if err != nil {
		return err
	}
	if idHash == "" || current != subject {
		o.d.Log.Info("end_session: no IdP session of the hint's citizen in this browser", "client", clientID,
			"has_session", idHash != "")
		return nil
	}
	if err := o.d.EndBrowserSession(c); err != nil {
		return err
	}
	tokens, err := o.d.Store.RevokeOIDCTokensOf(c.Request().Context(), subject, clientID, o.d.Now())
	if err != nil {
		return err
	}
	o.audit(c, "sso_logout", subject, fmt.Sprintf("client=%s tokens=%d", clientID, tokens))
	return nil
}
