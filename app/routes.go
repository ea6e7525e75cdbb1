package app

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"dvclogin/app/console"
	"dvclogin/app/web"
)

// routes puts the shared middleware and the site-wide routes on e, then mounts each actor,
// which lists its own routes in its routes.go. The whole surface, sorted, is the golden file
// testdata/routes.golden (TestRouteTable), so a new route shows up in review.
func (a *App) routes(e *echo.Echo) {
	if a.cert != nil {
		e.Pre(a.upgradePlainHTTP)
	}
	e.Pre(a.canonicalHost)
	e.Use(
		requestID,
		a.logRequests,
		middleware.Recover(),
		web.SecurityHeaders,
		web.Language(a.publicURL.Scheme == "https"),
		web.RetryAfterMiddleware,
		// Every body is held to 64 KB but the console's CSV import, which sets its own limit
		// (10 MB, for a logged-in operator only); both run before anything reads a body.
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "64K", Skipper: console.IsUpload}),
		a.console.LimitUpload,
	)

	e.GET("/healthz", a.healthz)
	e.GET("/static/*", a.render.Static())
	e.GET("/favicon.ico", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/static/img/favicon.svg") })

	a.portal.Mount(e.Group(""))
	a.idp.Mount(e.Group("/idp"), e.Group("/api/mobile/v1"))
	a.phone.Mount(e.Group("/app"), e.Group(""))
	a.console.Mount(e.Group("/console"))
}

func (a *App) healthz(c echo.Context) error {
	if !a.ready.Load() {
		return c.String(http.StatusServiceUnavailable, "starting\n")
	}
	if err := a.store.Ping(c.Request().Context()); err != nil {
		return &web.Error{Status: http.StatusServiceUnavailable, Msg: "database unavailable", Err: err}
	}
	return c.String(http.StatusOK, "ok\n")
}

// canonicalHost sends a request that arrived on another host name (say localhost while the
// public URL is the LAN address) to the same path on the public URL before anything sets a
// cookie: all four actors must share one origin, or the portal's state cookie and the OIDC
// callback end up on different hosts.
func (a *App) canonicalHost(next echo.HandlerFunc) echo.HandlerFunc {
	want := a.publicURL.Host
	return func(c echo.Context) error {
		r := c.Request()
		if r.Host == want || r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/api/") {
			return next(c)
		}
		code := http.StatusFound
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusTemporaryRedirect
		}
		// Built from the parsed path, never by gluing the request-target onto the origin: an
		// absolute-form target such as "http:@evil.example" has the opaque part
		// "@evil.example", and "http://host" + "@evil.example" names another host.
		target := url.URL{Scheme: a.publicURL.Scheme, Host: want, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
		return c.Redirect(code, target.String())
	}
}

// clientRequestIDKey holds the X-Request-Id the client sent, cleaned, for the log.
const clientRequestIDKey = "client_request_id"

// requestID gives every request an id of our own, in the response's X-Request-Id and in every
// log line about it. An id the client sends is never taken as ours: anyone could make their
// requests share an id with someone else's and muddle the log. It is logged apart, cleaned.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderXRequestID, web.RandomToken(9))
		if v := c.Request().Header.Get(echo.HeaderXRequestID); v != "" {
			c.Set(clientRequestIDKey, cleanRequestID(v))
		}
		return next(c)
	}
}

// cleanRequestID keeps at most 64 characters of a client's request id, and only those that
// cannot forge log syntax.
func cleanRequestID(v string) string {
	out := make([]byte, 0, 64)
	for i := 0; i < len(v) && len(out) < 64; i++ {
		b := v[i]
		if b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || strings.IndexByte("-_.:/+", b) >= 0 {
			out = append(out, b)
		} else {
			out = append(out, '_')
		}
	}
	return string(out)
}

// logRequests writes one structured line per request. It logs the path without the query:
// queries carry authorization codes and state.
func (a *App) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r := c.Request()
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", c.Response().Status,
			"ms", float64(time.Since(start).Microseconds()) / 1000, "ip", c.RealIP(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID)}
		if v, ok := c.Get(clientRequestIDKey).(string); ok {
			attrs = append(attrs, clientRequestIDKey, v)
		}
		a.cfg.Logger.Info("http", attrs...)
		return nil
	}
}

// RouteTable lists every route as "METHOD PATH", sorted: the whole URL surface in one place,
// for the golden test that makes a new route a visible diff.
func (a *App) RouteTable() []string {
	var out []string
	for _, r := range a.echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
