package oidcop

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// The provider as the IdP's login pages see it: they are joined to it only by the auth request
// id the provider appends to their URL (client.LoginURL).

// AuthRequest loads the pending auth request named by id for a login step in this browser:
// store.ErrNotFound when it is unknown or expired; a 403 *web.Error when another browser
// created it (binding.go), for which SameBrowserOnly shows its own page. The step answers in
// the first language of the request's ui_locales the site speaks, unless the browser chose
// one itself.
func (o *Provider) AuthRequest(c echo.Context, id string) (AuthRequest, error) {
	ar, err := o.lookup(c.Request().Context(), id)
	if err != nil {
		return ar, err
	}
	speak(c, ar.UILocales)
	if !sameBrowser(c, ar.browserHash) {
		return ar, o.otherBrowser(c, ar)
	}
	return ar, nil
}

// speak answers this request in the first of locales (BCP 47 tags, as in ui_locales) that the
// site speaks, unless the browser chose its language itself: a ?lang= the language switch
// honours, or the language cookie. The browser's choice is the visitor's own; ui_locales is
// the client's guess.
func speak(c echo.Context, locales []string) {
	r := c.Request()
	if _, ok := i18n.Parse(r.URL.Query().Get("lang")); ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		return
	}
	if ck, err := r.Cookie(web.LangCookie); err == nil {
		if _, ok := i18n.Parse(ck.Value); ok {
			return
		}
	}
	for _, tag := range locales {
		if l, ok := i18n.Parse(tag); ok {
			web.SetLang(c, l)
			return
		}
	}
}

// lookup finds a pending auth request; store.ErrNotFound when unknown or expired.
func (o *Provider) lookup(ctx context.Context, id string) (AuthRequest, error) {
	if id == "" {
		return AuthRequest{}, store.ErrNotFound
	}
	a, err := o.d.Store.OIDCAuthRequestByID(ctx, id, o.d.Now())
	if err != nil {
		return AuthRequest{}, err
	}
	ar := AuthRequest{ID: a.ID, ClientID: a.ClientID, Prompt: a.Prompt, MaxAge: a.MaxAge, Done: a.Done,
		UILocales: a.UILocales, browserHash: a.BrowserHash}
	cl, err := o.storage.client(ctx, a.ClientID)
	if err != nil && !errors.Is(err, errUnknownClient) {
		return AuthRequest{}, err
	}
	if cl != nil {
		ar.ClientName = cl.name // a registered service is named as its operator registered it
	}
	ar.restartURL = restartURL(cl, a.RedirectURI)
	return ar, nil
}

// Complete marks the auth request as authenticated for citizenID in the IdP session whose id
// digest is sessionHash (only that session may redeem it at the callback) and returns the URL
// the browser goes to next (the provider's callback, which issues the code). It is one
// conditional update: store.ErrConflict when the request was already completed,
// store.ErrNotFound when it is unknown or expired. acr is the citizen's account level.
func (o *Provider) Complete(ctx context.Context, id, citizenID, sessionHash string, amr []string, authTime time.Time) (string, error) {
	cit, err := o.d.Store.CitizenByID(ctx, citizenID)
	if err != nil {
		return "", err
	}
	if err := o.d.Store.CompleteOIDCAuthRequest(ctx, id, cit.ID, sessionHash, strconv.Itoa(cit.Level), amr, authTime, o.d.Now()); err != nil {
		return "", err
	}
	return op.AuthCallbackURL(o.op)(op.ContextWithIssuer(ctx, o.issuer), id), nil
}

// Fail ends an auth request without a login and returns the URL that reports oidcErr to the
// client (its registered redirect URI with error, error_description and state). The login
// pages use it where the provider library leaves the decision to them: prompt=none without an
// IdP session (oidc.ErrLoginRequired()), or the citizen cancelling (oidc.ErrAccessDenied()).
// store.ErrNotFound when the request is unknown or expired, store.ErrConflict when it was
// already completed.
func (o *Provider) Fail(ctx context.Context, id string, oidcErr *oidc.Error) (string, error) {
	a, err := o.d.Store.OIDCAuthRequestByID(ctx, id, o.d.Now())
	if err != nil {
		return "", err
	}
	if err := o.d.Store.DeleteOIDCAuthRequest(ctx, id); err != nil {
		return "", err
	}
	return o.errorURL(a.RedirectURI, oidc.ResponseType(a.ResponseType), a.State, oidcErr)
}

// PortalClientID is the built-in client of the national portal: the one service trusted to
// show and end a citizen's sessions with its access token (BearerSubject).
const PortalClientID = portalClientID

// BearerSubject reads an access token presented as a bearer credential and returns the
// citizen it speaks for and the client it was issued to; store.ErrNotFound when it is
// unreadable, revoked or expired.
func (o *Provider) BearerSubject(ctx context.Context, token string) (subject, clientID string, err error) {
	plain, err := o.op.Crypto().Decrypt(token)
	if err != nil {
		return "", "", store.ErrNotFound
	}
	id, sub, ok := strings.Cut(plain, ":")
	if !ok || id == "" || sub == "" {
		return "", "", store.ErrNotFound
	}
	t, err := o.d.Store.OIDCAccessTokenByID(ctx, id, o.d.Now())
	if err != nil {
		return "", "", err
	}
	if t.Subject != sub {
		return "", "", store.ErrNotFound
	}
	return t.Subject, t.ClientID, nil
}
