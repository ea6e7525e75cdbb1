// Package phone is the VNeID app simulator: one page, run by a phone's browser on the office
// Wi-Fi (or drawn inside a phone frame on a desktop), that talks to the identity provider only
// through its mobile JSON API, as a native app would.
package phone

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Mount puts the simulator on g (/app) and the pages about the server's certificate on root
// (/). The page needs no CSRF token: the API it calls authenticates with a bearer token the
// page keeps, never with a cookie.
func (s *Simulator) Mount(g *echo.Group, root *echo.Group) {
	g.Use(web.NoStoreMiddleware)

	// The app's one page, at the address the room's QR code shows
	g.GET("", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/app/") })
	g.GET("/", s.showShell)

	// Links a phone's own camera opens: a login QR (/app/scan#FRAME), a SIM transfer code
	// (/app/sim#CODE) and a counter's login code (below). The fragment stays in the browser, so both are the same page, which reads
	// the fragment at load.
	g.GET("/scan", s.showShell)
	g.GET("/sim", s.showShell)
	// The verification address of a login at a counter (RFC 8628): /app/device?user_code=CODE
	g.GET("/device", s.showShell)

	// The server's certificate authority for phones: how to install it (or, on plain HTTP, how
	// to get HTTPS) and the certificate itself. Both are always there; on the HTTPS port they
	// are also served over plain HTTP, since a phone fetches them before it trusts the server.
	root.GET(GuidePath, s.showCertificateGuide, web.NoStoreMiddleware)
	root.GET(CAPath, s.downloadCA, web.NoStoreMiddleware)
}
