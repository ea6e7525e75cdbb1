package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
)

// LangCookie remembers the language a browser chose with a switch (?lang=en). All four actors
// share it: one visitor reads one language.
const LangCookie = "lang"

const (
	langKey      = "dvc.lang"
	langGuessKey = "dvc.lang.guess"
)

// Language picks each request's language: ?lang= (which the switch links carry, and which is
// then remembered in a cookie), else the cookie, else Vietnamese. A browser that asks for English
// in Accept-Language is only a guess: its pages stay Vietnamese, as the real portal's are and as
// clients of the site expect, and the switch offers English in English words.
func Language(secure bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			l := i18n.Vi
			if q, ok := i18n.Parse(r.URL.Query().Get("lang")); ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				l = q
				c.SetCookie(&http.Cookie{
					Name: LangCookie, Value: string(l), Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
					HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
				})
			} else if ck, err := r.Cookie(LangCookie); err == nil {
				if v, ok := i18n.Parse(ck.Value); ok {
					l = v
				}
			} else if g, ok := i18n.Prefers(r.Header.Get("Accept-Language")); ok && g != i18n.Vi {
				c.Set(langGuessKey, g)
			}
			c.Set(langKey, l)
			return next(c)
		}
	}
}

// Lang is the language of this request's answer.
func Lang(c echo.Context) i18n.Lang {
	if l, ok := c.Get(langKey).(i18n.Lang); ok {
		return l
	}
	return i18n.Vi
}

// SetLang answers this request in l (a login whose client asked for ui_locales, say).
func SetLang(c echo.Context, l i18n.Lang) { c.Set(langKey, l) }

// T is key in this request's language.
func T(c echo.Context, key string) string { return Lang(c).T(key) }

// F formats key in this request's language.
func F(c echo.Context, key string, args ...any) string { return Lang(c).F(key, args...) }

// LangSwitch is the link every page carries to the other language.
type LangSwitch struct {
	Href  string
	Lang  string // the other language's code, for hreflang and lang
	Label string // in the other language's own words
}

// langSwitch links to here in the other language. here is the page's own address to come back
// to; empty means the request's URL when it was a GET, else the path alone.
func langSwitch(c echo.Context, here string) LangSwitch {
	other := Lang(c).Other()
	r := c.Request()
	u := &url.URL{Path: r.URL.Path}
	if here != "" {
		if p, err := url.Parse(here); err == nil && p.Scheme == "" && p.Host == "" {
			u = p
		}
	} else if r.Method == http.MethodGet || r.Method == http.MethodHead {
		u = &url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	}
	q := u.Query()
	q.Set("lang", string(other))
	u.RawQuery = q.Encode()
	label := other.Name()
	if g, ok := c.Get(langGuessKey).(i18n.Lang); ok && g == other && other == i18n.En {
		label = "View this page in English"
	}
	return LangSwitch{Href: u.String(), Lang: string(other), Label: label}
}
