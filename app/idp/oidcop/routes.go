package oidcop

import (
	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Mount registers the provider's endpoints on g (/idp), each on its own route: the login pages
// share the group, and explicit routes leave no wildcard to shadow them. The provider's own
// health probes and anything else it would serve stay unreachable.
func (o *Provider) Mount(g *echo.Group) {
	ns := web.NoStoreMiddleware
	// Errors of the token, introspection and revocation endpoints are OAuth error JSON for the
	// central error handler too (RFC 6749 §5.2), say for a body over the size limit.
	oauth := func(r *echo.Route) { o.d.OAuthRoutes[r.Path] = true }

	// Discovery and the signing keys (public, cacheable)
	g.GET("/.well-known/openid-configuration", o.discovery)
	g.GET("/keys", o.serve)

	// Authorization: the request, and the callback the login pages send the browser to when
	// a login is complete (it checks the browser before the code is issued)
	g.GET("/authorize", o.authorize, ns)
	g.POST("/authorize", o.authorize, ns)
	g.GET("/authorize/callback", o.callback, ns)

	// The device authorization grant (RFC 8628): a kiosk asks for a device code here and polls
	// the token endpoint; the citizen decides in the phone app (app/idp/device.go)
	oauth(g.POST("/device_authorization", o.deviceAuthorization, ns))

	// The back channel: tokens, introspection, user info, revocation
	oauth(g.POST("/oauth/token", o.token, ns))
	oauth(g.POST("/oauth/introspect", o.introspect, ns))
	g.GET("/userinfo", o.serve, ns)
	g.POST("/userinfo", o.serve, ns)
	oauth(g.POST("/revoke", o.serve, ns))

	// RP-initiated logout
	g.GET("/end_session", o.endSession, ns)
	g.POST("/end_session", o.endSession, ns)
}
