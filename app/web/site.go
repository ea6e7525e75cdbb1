package web

import (
	"log/slog"
	"net/url"
	"time"
)

// Site is what every actor knows of the running site: its public origin, the clock, the log
// and the page renderer. Each actor's dependencies embed it beside what that actor alone uses.
type Site struct {
	Log       *slog.Logger
	Now       func() time.Time // injected clock
	Render    *Renderer
	PublicURL *url.URL // scheme://host[:port], no trailing slash
}

// URL returns an absolute URL on the public origin for path.
func (s Site) URL(path string) string {
	return s.PublicURL.String() + path
}

// Secure reports whether the public URL is HTTPS (cookies then get the Secure flag).
func (s Site) Secure() bool {
	return s.PublicURL.Scheme == "https"
}
