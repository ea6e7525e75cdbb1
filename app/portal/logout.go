package portal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// logoutPage hands the ID token to the identity provider's end_session endpoint in the body
// of a POST, never in a URL (URLs end up in logs, history and Referer headers).
type logoutPage struct {
	frame
	EndSession         string
	IDTokenHint        string
	ClientID           string
	PostLogoutRedirect string
	State              string
}

// submitLogout ends the portal session, then has the browser POST to the identity provider's
// end_session endpoint so the SSO session of this browser ends too (RP-initiated logout): a
// page whose form submits itself (autosubmit.js; without script, its button). The provider
// sends the browser back to the home page with the state, which then says "Bạn đã đăng xuất".
func (p *Portal) submitLogout(c echo.Context) error {
	sess, err := p.sessions.Load(c)
	if err != nil {
		return err
	}
	if err := p.sessions.Destroy(c); err != nil {
		return err
	}
	state := p.logoutState()
	if sess == nil || sess.Data.User == nil {
		return c.Redirect(http.StatusSeeOther, "/?state="+url.QueryEscape(state))
	}
	data := sess.Data
	p.audit(c, "logout", data.User.Subject, "")

	rp, err := p.rp.get(c.Request().Context())
	if err != nil || rp.endSession == "" {
		// The portal session is gone either way; the IdP session ends when it expires.
		p.d.Log.Warn("portal logout without end_session", "err", err)
		return c.Redirect(http.StatusSeeOther, "/?state="+url.QueryEscape(state))
	}
	page := &logoutPage{frame: p.newFrame(c, "Đăng xuất - Cổng Dịch vụ công Quốc gia", nil),
		EndSession: rp.endSession, IDTokenHint: data.IDToken, ClientID: clientID,
		PostLogoutRedirect: p.d.URL("/"), State: state}
	page.Slim = true
	page.Scripts = []string{"autosubmit.js"}
	return p.d.Render.Page(c, http.StatusOK, "portal/logout", page)
}

// logoutState is a random value with its MAC: the home page can tell that the browser comes
// back from a logout without keeping any session after it.
func (p *Portal) logoutState() string {
	v := "lo-" + web.RandomToken(12)
	return v + "." + p.mac(v)
}

// isLogoutState reports whether s was made by logoutState.
func (p *Portal) isLogoutState(s string) bool {
	v, sig, ok := strings.Cut(s, ".")
	return ok && strings.HasPrefix(v, "lo-") && hmac.Equal([]byte(sig), []byte(p.mac(v)))
}

func (p *Portal) mac(v string) string {
	m := hmac.New(sha256.New, p.d.LogoutKey)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}
