package web

import (
	"github.com/labstack/echo/v4"
)

// csp allows nothing but our own origin: no inline script, no outside fetches (the demo runs
// offline), and no framing (clickjacking of the login and confirm screens).
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers every response carries, errors and static files included.
// It never sends Strict-Transport-Security: the HTTPS certificate comes from the server's own
// authority or the office's, and a browser that remembered HSTS would refuse the server with
// no way past the warning once a phone does not trust that certificate, or once the server
// runs plain HTTP again.
func SecurityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
		return next(c)
	}
}

// NoStore marks a response as never to be cached (auth pages, tokens, personal data).
func NoStore(c echo.Context) {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// NoStoreMiddleware applies NoStore to every response of a group.
func NoStoreMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		NoStore(c)
		return next(c)
	}
}
