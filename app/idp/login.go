package idp

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"dvclogin/app/idp/oidcop"
	"dvclogin/app/web"
	"dvclogin/store"
)

// idpSessionData is what the IdP keeps in its browser session: the login in progress (after
// the password step) and, once a login finished, the SSO session.
type idpSessionData struct {
	Pending  *pendingLogin `json:"pending,omitempty"`
	AuthTime int64         `json:"auth_time,omitempty"` // Unix ms of the last full authentication
	AMR      []string      `json:"amr,omitempty"`
}

// pendingLogin is a direct login that passed the password step and waits for its code.
type pendingLogin struct {
	AuthRequestID string `json:"auth_request_id"`
	CitizenID     string `json:"citizen_id"`
	ChallengeID   string `json:"challenge_id"`
}

// loginPage is the IdP's login screen: the QR tab and the password tab.
type loginPage struct {
	web.Page
	AuthRequestID string
	ClientName    string
	Tab           string // qr | password
	Error         string // in the page's language
	IDNumber      string
}

// authRequestOrError loads the auth request named in the query or form, or an error page that
// sends the user back to the portal; the provider's refusal when this browser did not create it.
func (p *IdP) authRequestOrError(c echo.Context) (oidcop.AuthRequest, error) {
	id := c.QueryParam("authRequestID")
	if id == "" {
		id = c.FormValue("authRequestID")
	}
	ar, err := p.oidc.AuthRequest(c, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ar.Done) {
		return ar, &web.Error{Status: http.StatusBadRequest, Code: "login_expired",
			Msg: "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng quay lại Cổng Dịch vụ công Quốc gia và chọn Đăng nhập lại.", Err: err}
	}
	return ar, err
}

// showLogin shows the login page, or finishes at once when the browser already has an IdP
// session that satisfies the request (single sign-on).
func (p *IdP) showLogin(c echo.Context) error {
	ar, err := p.authRequestOrError(c)
	if err != nil {
		return err
	}
	if done, err := p.trySSO(c, ar); done || err != nil {
		return err
	}
	if slices.Contains(ar.Prompt, "none") {
		// The client asked not to show any page: without a usable session that is an error
		// for the client, not a login form.
		target, err := p.oidc.Fail(c.Request().Context(), ar.ID, oidc.ErrLoginRequired())
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusFound, target)
	}
	tab := "qr"
	if c.QueryParam("tab") == "password" {
		tab = "password"
	}
	return p.renderLogin(c, http.StatusOK, ar, tab, "", "")
}

// renderLogin shows the login page; msg is an error already in the request's language.
func (p *IdP) renderLogin(c echo.Context, status int, ar oidcop.AuthRequest, tab, msg, idNumber string) error {
	page := &loginPage{Page: web.NewPage(c, "Đăng nhập - Cổng thông tin định danh điện tử"),
		AuthRequestID: ar.ID, ClientName: ar.ClientName, Tab: tab, Error: msg, IDNumber: idNumber}
	if c.Request().Method != http.MethodGet {
		page.Here = "/idp/login?tab=" + tab + "&authRequestID=" + url.QueryEscape(ar.ID)
	}
	page.Scripts = []string{"idp-login.js", "qr-login.js"}
	return p.d.Render.Page(c, status, "idp/login", page)
}

// trySSO completes the request from an existing IdP session unless the client asked for a
// fresh login (prompt=login, or max_age exceeded) or the citizen may no longer log in.
func (p *IdP) trySSO(c echo.Context, ar oidcop.AuthRequest) (bool, error) {
	if slices.Contains(ar.Prompt, "login") || slices.Contains(ar.Prompt, "select_account") {
		return false, nil
	}
	sess, err := p.sessions.Load(c)
	if err != nil || sess == nil || sess.Subject == "" || sess.Data.AuthTime == 0 {
		return false, err
	}
	data := sess.Data
	authTime := time.UnixMilli(data.AuthTime)
	if ar.MaxAge != nil && p.d.Now().Sub(authTime) > *ar.MaxAge {
		return false, nil
	}
	cit, err := p.d.Store.CitizenByID(c.Request().Context(), sess.Subject)
	if err != nil || checkWebLogin(cit) != nil {
		return false, nil
	}
	// Single sign-on is the use of this session: it resets the idle clock (at most one write a
	// minute), never the absolute lifetime.
	if err := p.sessions.Touch(c, sess, time.Minute); err != nil {
		return false, err
	}
	url, err := p.oidc.Complete(c.Request().Context(), ar.ID, cit.ID, sess.IDHash, data.AMR, authTime)
	if err != nil {
		return false, err
	}
	p.audit(c, "idp", "sso_login", cit.ID, ar.ClientID)
	p.recordLogin(c, cit.ID, "sso", ar.ID, p.d.Now())
	return true, c.Redirect(http.StatusFound, url)
}

// finishLogin ends a successful login in the browser: it regenerates the IdP session (a new
// id after the last factor), records it as the SSO session, completes the auth request and
// redirects to the OIDC callback. sess is the browser's IdP session when the caller loaded it
// already, else nil.
func (p *IdP) finishLogin(c echo.Context, sess *web.Session[idpSessionData], authRequestID string, cit store.Citizen, amr []string) error {
	now := p.d.Now()
	if sess == nil {
		var err error
		if sess, err = p.sessions.LoadOrNew(c); err != nil {
			return err
		}
	}
	sess.Subject = cit.ID
	sess.Data = idpSessionData{AuthTime: now.UnixMilli(), AMR: amr}
	if err := p.sessions.Regenerate(c, sess); err != nil {
		return err
	}
	url, err := p.oidc.Complete(c.Request().Context(), authRequestID, cit.ID, sess.IDHash, amr, now)
	if err != nil {
		return err
	}
	p.audit(c, "idp", "login_success", cit.ID, "amr="+strings.Join(amr, ","))
	p.recordLogin(c, cit.ID, loginMethod(amr), authRequestID, now)
	return c.Redirect(http.StatusSeeOther, url)
}
