package portal

// The citizen's sessions at the identity provider, on the account page: the portal asks the
// provider's account API (/idp/account/sessions) with the access token it received at the
// citizen's login, the way any relying party reaches a provider's user API. The provider
// answers for that token's citizen only and accepts only this portal's tokens. Ending a
// session is a CSRF-protected form post to the portal, which passes it on.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Messages of the sessions part of the account page.
const (
	msgSessionsUnavailable = "Không tải được danh sách phiên đăng nhập từ hệ thống định danh điện tử. Vui lòng thử lại sau."
	msgSessionsExpired     = "Quyền xem phiên đăng nhập đã hết hạn. Vui lòng đăng xuất và đăng nhập lại để xem."
	msgSessionEnded        = "Đã kết thúc phiên đăng nhập."
	msgAllSessionsEnded    = "Đã đăng xuất tất cả các phiên đăng nhập trên trình duyệt và dịch vụ."
	msgSessionGone         = "Không tìm thấy phiên đăng nhập này. Có thể phiên đã kết thúc."
)

// idpSessions is the provider's answer (see the IdP's citizenSessions).
type idpSessions struct {
	WebSessions []struct {
		ID         string    `json:"id"`
		Browser    string    `json:"browser"`
		IP         string    `json:"ip"`
		StartedAt  time.Time `json:"started_at"`
		LastUsedAt time.Time `json:"last_used_at"`
	} `json:"web_sessions"`
	Services []struct {
		ID          string    `json:"id"`
		ClientName  string    `json:"client_name"`
		GrantedAt   time.Time `json:"granted_at"`
		RefreshedAt time.Time `json:"refreshed_at"`
		Browser     string    `json:"browser"`
		IP          string    `json:"ip"`
	} `json:"services"`
}

// errTokenRefused is the provider refusing the portal's access token (expired or revoked).
var errTokenRefused = errors.New("access token refused by the identity provider")

// errSessionGone is the provider not knowing the session to end (ended meanwhile).
var errSessionGone = errors.New("no such session at the identity provider")

// callAccountAPI calls the provider's account API with the citizen's access token and decodes
// a JSON answer into out (nil: none expected).
func (p *Portal) callAccountAPI(c echo.Context, method, path string, out any) error {
	sess, err := p.sessions.Load(c)
	if err != nil {
		return err
	}
	if sess == nil || sess.Data.AccessToken == "" || p.d.Now().UnixMilli() >= sess.Data.AccessExpiry {
		return errTokenRefused
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, p.rp.issuer+"/account/sessions"+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+sess.Data.AccessToken)
	req.Header.Set("Accept", "application/json")
	// The provider answers in the language the citizen reads the portal in (the site's
	// language cookie, shared by every part of it).
	req.AddCookie(&http.Cookie{Name: web.LangCookie, Value: string(web.Lang(c))})
	resp, err := p.rp.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return errTokenRefused
	case resp.StatusCode == http.StatusNotFound:
		return errSessionGone
	case resp.StatusCode >= 300:
		return fmt.Errorf("account API %s %s: status %d", method, path, resp.StatusCode)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

// loadSessions fills the account page's sessions, or the reason they are missing.
func (p *Portal) loadSessions(c echo.Context, page *accountPage) {
	var list idpSessions
	err := p.callAccountAPI(c, http.MethodGet, "", &list)
	switch {
	case errors.Is(err, errTokenRefused):
		page.SessionsError = msgSessionsExpired
	case err != nil:
		p.d.Log.Warn("portal: sessions not loaded", "err", err)
		page.SessionsError = msgSessionsUnavailable
	default:
		page.Sessions = &list
	}
}

// submitEndSession ends one session or service of the citizen (POST /tai-khoan/phien/ket-thuc).
func (p *Portal) submitEndSession(c echo.Context) error {
	return p.endSessions(c, http.MethodDelete, "/"+url.PathEscape(c.FormValue("id")), "ended=one")
}

// submitEndAllSessions ends them all (POST /tai-khoan/phien/ket-thuc-tat-ca).
func (p *Portal) submitEndAllSessions(c echo.Context) error {
	return p.endSessions(c, http.MethodPost, "/end-all", "ended=all")
}

func (p *Portal) endSessions(c echo.Context, method, path, done string) error {
	user, err := p.currentUser(c)
	if err != nil {
		return err
	}
	if user == nil {
		return c.Redirect(http.StatusSeeOther, "/dang-nhap")
	}
	err = p.callAccountAPI(c, method, path, nil)
	switch {
	case errors.Is(err, errSessionGone):
		done = "ended=gone"
	case errors.Is(err, errTokenRefused):
		done = "ended=expired"
	case err != nil:
		return &web.Error{Status: http.StatusBadGateway, Code: "idp_unavailable", Msg: msgSessionsUnavailable, Err: err}
	}
	return c.Redirect(http.StatusSeeOther, "/tai-khoan?"+done+"#phien-dang-nhap")
}

// endedFlash is the notice after a form post (?ended=…).
func endedFlash(v string) string {
	switch v {
	case "one":
		return msgSessionEnded
	case "all":
		return msgAllSessionsEnded
	case "gone":
		return msgSessionGone
	case "expired":
		return msgSessionsExpired
	}
	return ""
}
