package portal

import (
	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Mount puts the portal's pages on g, the root group. Middleware is attached per route: g.Use
// on the root group would add catch-all routes for the whole site.
func (p *Portal) Mount(g *echo.Group) {
	csrf := p.d.CSRF.Middleware()

	// Public pages
	g.GET("/", p.showHome, csrf)

	// Login: the account-type chooser, the start of an OIDC login at the identity provider,
	// and the redirect URI it comes back to
	g.GET("/dang-nhap", p.showChooser, web.NoStoreMiddleware, csrf)
	g.GET("/dang-nhap/vneid", p.startLogin, web.NoStoreMiddleware)
	g.GET("/sso", p.finishLogin, web.NoStoreMiddleware)

	// The citizen's account and logout (RP-initiated logout at the identity provider)
	g.GET("/tai-khoan", p.showAccount, web.NoStoreMiddleware, csrf)
	g.POST("/dang-xuat", p.submitLogout, web.NoStoreMiddleware, csrf)

	// The counter screen: a login by device code, confirmed on the citizen's phone
	g.GET(kioskPath, p.showKiosk, web.NoStoreMiddleware)
	g.GET(kioskPath+"/ma-qr.png", p.showKioskQR)
}
