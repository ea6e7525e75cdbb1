// Package idp is the identity provider (Cổng thông tin định danh điện tử, VNeID SSO): the
// login pages of its OpenID Connect provider (package oidcop) (QR and ID number + password +
// code), the QR login state machine and the VNeID app's mobile API.
package idp

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/idp/oidcop"
	"dvclogin/app/regulator"
	"dvclogin/app/web"
	"dvclogin/store"
)

// Deps is what the identity provider is built from: the only actor that hashes citizens'
// secrets, sends SMS and publishes login events.
type Deps struct {
	web.Site
	Store        *store.Store
	Hasher       *web.Hasher
	Regulator    *regulator.Regulator // every try at a secret goes through it
	Hub          *web.Hub
	SMS          web.Sender
	Sessions     *web.Sessions
	Session      web.SessionKind // the browser's IdP session (login steps, then the SSO session)
	CSRF         *web.CSRF
	Limits       web.Limits
	SecondFactor string // the direct login's default second factor: sms | app
	OTPKey       []byte // binds login codes to their challenge
	TOTPKey      []byte // seals authenticator-app secrets at rest
	// SessionListKey makes the ids of the citizen's session list (keyed digests, never the
	// session ids or their digests)
	SessionListKey []byte

	// What the OpenID Connect provider needs besides the above.
	OIDCCryptoKey      []byte
	PortalClientSecret string
	OAuthRoutes        map[string]bool // filled with the OAuth endpoints as they are mounted
}

// IdP is the identity provider actor.
type IdP struct {
	d        Deps
	sessions *web.SessionStore[idpSessionData]
	csrf     *web.CSRF
	oidc     *oidcop.Provider
	qr       *qrService
	streams  *qrStreams
}

// New builds the identity provider and its OpenID Connect provider; Mount puts both on a
// router.
func New(d Deps) (*IdP, error) {
	p := &IdP{d: d, sessions: web.NewSessionStore[idpSessionData](d.Sessions, d.Session), csrf: d.CSRF}
	var err error
	if p.qr, err = newQRService(d.Limits); err != nil {
		return nil, err
	}
	p.streams = newQRStreams(p)
	p.oidc, err = oidcop.New(oidcop.Deps{Store: d.Store, Log: d.Log, Now: d.Now, Render: d.Render, URL: d.URL,
		Secure: d.Secure(), CryptoKey: d.OIDCCryptoKey, PortalClientSecret: d.PortalClientSecret,
		BrowserSession: p.browserSession, EndBrowserSession: p.endBrowserSession, OAuthRoutes: d.OAuthRoutes,
		AccessTokenTTL: d.Limits.AccessTokenTTL, AdmitStart: d.Hasher.AdmitStart})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// browserSession is this browser's IdP session as the OpenID Connect provider sees it: the
// citizen it logged in and the digest of its id; "" when there is none.
func (p *IdP) browserSession(c echo.Context) (subject, idHash string, err error) {
	sess, err := p.sessions.Load(c)
	if err != nil || sess == nil {
		return "", "", err
	}
	return sess.Subject, sess.IDHash, nil
}

// endBrowserSession ends this browser's IdP session (RP-initiated logout).
func (p *IdP) endBrowserSession(c echo.Context) error {
	return p.sessions.Destroy(c)
}

// audit records an IdP event; a failure to audit is logged, never shown.
func (p *IdP) audit(c echo.Context, actor, action, citizenID, detail string) {
	if err := p.d.Store.Audit(c.Request().Context(), auditEvent(p.d.Now(), actor, action, citizenID, c.RealIP(), detail)); err != nil {
		p.d.Log.Warn("audit failed", "action", action, "err", err)
	}
}

// CloseStreams ends the event streams the identity provider holds (see qrStreams): the server
// stops.
func (p *IdP) CloseStreams() { p.streams.close() }

// busy is the answer when password hashing is saturated.
func busy(err error) *web.Error {
	return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Msg: web.MsgBusy, Err: err, RetryAfter: 2}
}

// minutes renders a duration in whole minutes for messages ("15 phút").
func minutes(d time.Duration) int {
	m := int((d + time.Minute - 1) / time.Minute)
	if m < 1 {
		m = 1
	}
	return m
}

// seconds renders a wait in whole seconds, rounded up, for Retry-After.
func seconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
