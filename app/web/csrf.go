package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

const csrfContextKey = "web.csrf"

// CSRF protects an actor's unsafe requests with a token bound to a per-browser cookie: the
// token is HMAC(key, cookie), so a cross-site page can neither read nor forge it (it cannot
// read the cookie), and a login CSRF needs the victim's own cookie. Forms send it as the field
// "csrf_token", JSON POSTs as the header X-CSRF-Token. A present Origin header must be ours.
type CSRF struct {
	Key    []byte
	Cookie string
	Path   string
	Secure bool
	Origin string // public origin, e.g. http://192.168.1.5:8080
}

// Middleware issues the cookie when missing, exposes the token to templates (CSRFToken) and
// refuses unsafe requests without a valid token.
func (x *CSRF) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			var seed string
			if ck, err := c.Cookie(x.Cookie); err == nil && len(ck.Value) >= 32 {
				seed = ck.Value
			}
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				if seed == "" {
					seed = RandomToken(32)
					c.SetCookie(&http.Cookie{Name: x.Cookie, Value: seed, Path: x.Path, HttpOnly: true,
						Secure: x.Secure, SameSite: http.SameSiteStrictMode})
				}
			default:
				if o := r.Header.Get("Origin"); o != "" && o != "null" && !sameOrigin(o, x.Origin) {
					return &Error{Status: http.StatusForbidden, Code: "csrf", Msg: MsgForbidden, Err: errString("foreign origin " + o)}
				}
				sent := r.Header.Get("X-CSRF-Token")
				if sent == "" {
					sent = r.FormValue("csrf_token")
				}
				if seed == "" || sent == "" || !hmac.Equal([]byte(sent), []byte(x.token(seed))) {
					return &Error{Status: http.StatusForbidden, Code: "csrf", Msg: MsgForbidden, Err: errString("missing or wrong CSRF token")}
				}
			}
			c.Set(csrfContextKey, x.token(seed))
			return next(c)
		}
	}
}

func (x *CSRF) token(seed string) string {
	m := hmac.New(sha256.New, x.Key)
	m.Write([]byte(seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CSRFToken returns the request's CSRF token ("" outside a CSRF-protected group).
func CSRFToken(c echo.Context) string {
	s, _ := c.Get(csrfContextKey).(string)
	return s
}

func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

type errString string

func (e errString) Error() string { return string(e) }
