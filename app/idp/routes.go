package idp

import (
	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Mount puts the identity provider on g (/idp) and the VNeID app's API on api
// (/api/mobile/v1).
func (p *IdP) Mount(g, api *echo.Group) {
	// The OpenID Connect provider: discovery, keys, authorize, token, userinfo, introspection,
	// revocation, end_session and the callback that ends a login (package oidcop lists them)
	p.oidc.Mount(g)

	// Every page and script call below is private (no-store) and checks the IdP's CSRF token.
	pages := g.Group("", web.NoStoreMiddleware, p.csrf.Middleware())

	// Direct login: ID number + password, then the SMS or in-app code (or an authenticator
	// app's code). A step on an authorization request that another browser created gets the
	// page that explains it.
	same := p.oidc.SameBrowserOnly
	pages.GET("/login", p.showLogin, same)
	pages.POST("/login", p.submitPassword, same)
	pages.GET("/login/otp", p.showOTP, same)
	pages.POST("/login/otp", p.submitOTP, same)
	pages.POST("/login/otp/resend", p.resendOTP, same)

	// QR login, the desktop's side: start, follow (poll or event stream), cancel, the image,
	// and the finish that completes the authorization request
	pages.POST("/qr/start", p.startQR, answerJSON)
	pages.GET("/qr/:id/status", p.showQRStatus, answerJSON)
	pages.GET("/qr/:id/events", p.followQR, answerJSON)
	pages.POST("/qr/:id/cancel", p.cancelQR, answerJSON)
	pages.GET("/qr/:id/image", p.showQRImage)
	pages.GET("/qr/:id/finish", p.finishQR)

	// The VNeID app's API: JSON only, bearer tokens, never cookies
	api.Use(web.NoStoreMiddleware)
	api.POST("/login", p.appLogin)
	api.POST("/sim/claim", p.claimSIM)

	// Calls of a logged-in app (bearer token of an app session, on the device it was opened on)
	authed := api.Group("", p.requireApp)
	authed.POST("/logout", p.appLogout)
	authed.GET("/me", p.appMe)
	authed.GET("/messages", p.appMessages)
	authed.POST("/sim/transfer", p.startSIMTransfer)
	authed.PUT("/settings/web-login", p.setWebLogin)

	// QR login, the phone's side: scan a frame, follow the login while deciding, then
	// confirm with the passcode or deny
	authed.POST("/qr/scan", p.scanQR)
	authed.GET("/qr/:id", p.showScannedQR)
	authed.POST("/qr/:id/confirm", p.confirmQR)
	authed.POST("/qr/:id/deny", p.denyQR)

	// Login at a counter or kiosk by device code: look the user code up, then confirm with the
	// passcode or deny
	authed.POST("/device/lookup", p.lookUpDevice)
	authed.POST("/device/confirm", p.confirmDevice)
	authed.POST("/device/deny", p.denyDevice)

	// The authenticator app (TOTP): enroll, activate with a first code, remove
	authed.POST("/totp/enroll", p.enrollTOTP)
	authed.POST("/totp/activate", p.activateTOTP)
	authed.DELETE("/totp", p.removeTOTP)
}
