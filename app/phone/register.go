// Package phone is the VNeID app simulator: one page, run by a phone's browser on the office
// Wi-Fi (or drawn inside a phone frame on a desktop), that talks to the identity provider only
// through its mobile JSON API, as a native app would.
package phone

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Register mounts the simulator under g (/app). The page needs no CSRF token: the API it calls
// authenticates with a bearer token the page keeps, never with a cookie.
func Register(g *echo.Group, d *web.Deps) error {
	if !d.Render.Has(shellTemplate) {
		return errMissingShell
	}
	s := &simulator{d: d}
	g.Use(web.NoStoreMiddleware)
	g.GET("", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/app/") })
	g.GET("/", s.showShell)
	// A phone's own camera app opens the QR's URL /app/scan#FRAME; the fragment stays in the
	// browser, so this is the same page, which reads the fragment at load.
	g.GET("/scan", s.showShell)
	// The QR of a SIM transfer code opens /app/sim#CODE the same way.
	g.GET("/sim", s.showShell)
	return nil
}
