package oidcop

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// Binding an authorization request to its browser. Without it, whoever holds a request's id
// (it is in the login page's URL) could send that URL to a victim: the victim's SSO session,
// or the victim typing password and code, completes the request, and the sender's own browser
// collects the code at the callback and is logged in as the victim. So /idp/authorize gives the
// browser a random HttpOnly key and stores its digest on the request; the login pages, the
// password and code steps, the QR start and the callback all require the same browser, and the
// callback also requires the IdP session that completed the request.

const (
	browserCookie = "dvc_idp_browser" // the browser's binding key, reused by all its auth requests
	browserPath   = "/idp"            // sent to the login pages, the QR start and the callback

	// maxOpenAuthRequests is how many logins one client address may have open (not completed,
	// not expired) at once: each is a row nobody authenticated for. An office behind one NAT
	// address still has room for every desk.
	maxOpenAuthRequests = 300

	msgOtherBrowser  = "Yêu cầu đăng nhập này được tạo trên trình duyệt khác. Vì an toàn, bạn chỉ có thể đăng nhập trên chính trình duyệt đã bấm \"Đăng nhập\". Nếu bạn mở liên kết này từ tin nhắn hoặc email của người khác, hãy đóng trang này. Nếu bạn muốn đăng nhập, hãy bắt đầu lại."
	msgTooManyLogins = "Có quá nhiều yêu cầu đăng nhập đang mở từ địa chỉ mạng này. Vui lòng thử lại sau ít phút."
)

// browserKey is the context key under which authorize hands the browser's binding digest and
// client address to the storage (the provider library passes only a context).
type browserKey struct{}

type browserBinding struct {
	hash      string // digest of the browser's binding cookie
	clientKey string // the client address, IPv6 reduced to its /64
}

func withBrowser(ctx context.Context, b browserBinding) context.Context {
	return context.WithValue(ctx, browserKey{}, b)
}

func browserFrom(ctx context.Context) browserBinding {
	b, _ := ctx.Value(browserKey{}).(browserBinding)
	return b
}

// bindBrowser returns the digest of this browser's binding key, issuing the key first when the
// browser has none. The key is a browser-session cookie: it lives as long as the browser does
// and no server row, so a restart of either side just issues a new one.
func (o *Provider) bindBrowser(c echo.Context) string {
	if ck, err := c.Cookie(browserCookie); err == nil && len(ck.Value) == 43 {
		return store.Digest(ck.Value)
	}
	key := web.RandomToken(32)
	c.SetCookie(&http.Cookie{Name: browserCookie, Value: key, Path: browserPath, HttpOnly: true,
		Secure: o.d.Secure, SameSite: http.SameSiteLaxMode})
	return store.Digest(key)
}

// sameBrowser reports whether this request comes from the browser that created the auth
// request.
func sameBrowser(c echo.Context, browserHash string) bool {
	ck, err := c.Cookie(browserCookie)
	if err != nil || ck.Value == "" || browserHash == "" {
		return false
	}
	return hmac.Equal([]byte(store.Digest(ck.Value)), []byte(browserHash))
}

// errOtherBrowser says that a browser used an auth request it did not create.
type errOtherBrowser struct{ ar AuthRequest }

func (e *errOtherBrowser) Error() string {
	return fmt.Sprintf("auth request %s used from a browser that did not create it", e.ar.ID)
}

// otherBrowser records that this browser used ar, which another browser created, and returns
// the refusal: a JSON caller (the QR start) reads it as it is, a login page shows the page of
// SameBrowserOnly instead.
func (o *Provider) otherBrowser(c echo.Context, ar AuthRequest) error {
	o.audit(c, "auth_request_other_browser", "", ar.ClientID)
	return &web.Error{Status: http.StatusForbidden, Code: "auth_request_other_browser", Msg: msgOtherBrowser,
		Err: &errOtherBrowser{ar: ar}}
}

// SameBrowserOnly wraps a login step: when the step found that another browser created its
// auth request, this browser gets the page that explains it, whatever the step was about to
// do. The page never completes the request, whatever sessions this browser has.
func (o *Provider) SameBrowserOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		var ob *errOtherBrowser
		if !errors.As(err, &ob) {
			return err
		}
		page := &otherBrowserPage{Page: web.NewPage(c, "Yêu cầu đăng nhập không hợp lệ - Cổng thông tin định danh điện tử"),
			ClientName: ob.ar.ClientName, RestartURL: ob.ar.restartURL}
		return o.d.Render.Page(c, http.StatusForbidden, "idp/other_browser", page)
	}
}

// otherBrowserPage explains why this browser cannot continue someone else's login and offers
// a fresh one for the same client.
type otherBrowserPage struct {
	web.Page
	ClientName string
	RestartURL string
}

// restartURL is where a fresh login for the client starts: the client's own login entry
// when it has one (the portal), else the home page of the redirect URI's origin (a developer's
// app on a loopback port).
func restartURL(cl *client, redirectURI string) string {
	if cl != nil && cl.startURL != "" {
		return cl.startURL
	}
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "/"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}).String()
}

// capOpenAuthRequests refuses a new auth request from an address that already holds the most
// open ones allowed.
func (o *Provider) capOpenAuthRequests(c echo.Context, key string) error {
	n, err := o.storage.st.CountOpenOIDCAuthRequests(c.Request().Context(), key, o.storage.now())
	if err != nil {
		return err
	}
	if n >= maxOpenAuthRequests {
		return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Msg: msgTooManyLogins,
			RetryAfter: int(authRequestTTL.Seconds()), Err: fmt.Errorf("%s holds %d open auth requests", key, n)}
	}
	return nil
}
