package idp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// submitPassword is the first factor of the direct login (seed flow 2, Bước 2): số định danh
// cá nhân + mật khẩu. On success it sends the code and moves the browser to the code step in a
// regenerated session.
func (p *IdP) submitPassword(c echo.Context) error {
	ar, err := p.authRequestOrError(c)
	if err != nil {
		return err
	}
	idNumber := c.FormValue("id_number")
	cit, err := p.checkPassword(c, idNumber, c.FormValue("password"), "idp", web.HashStarted)
	if err == nil {
		if werr := checkWebLogin(cit); werr != nil {
			p.audit(c, "idp", "login_refused", cit.ID, werr.Code)
			msg := werr.Text(web.Lang(c))
			if werr.Code == "web_login_not_permitted" {
				msg += ". " + web.T(c, msgEnableInApp)
			}
			return p.renderLogin(c, werr.Status, ar, "password", msg, idNumber)
		}
	}
	if we, ok := web.Refusal(c, err); ok {
		return p.renderLogin(c, we.Status, ar, "password", we.Text(web.Lang(c)), idNumber)
	}
	if err != nil {
		return err
	}

	sess, err := p.sessions.LoadOrNew(c)
	if err != nil {
		return err
	}
	// The session is written once, already naming the challenge, and regenerated before the
	// challenge is bound to it: the challenge is bound to the new id, which no one but this
	// browser has seen. A challenge whose code the SMS budget refused is never stored, so the
	// session then names none and the code step sends the browser back here.
	challengeID := web.RandomToken(16)
	sess.Subject = "" // a password alone is no login: the SSO session starts after the code
	sess.Data = idpSessionData{Pending: &pendingLogin{AuthRequestID: ar.ID, CitizenID: cit.ID, ChallengeID: challengeID}}
	if err := p.sessions.Regenerate(c, sess); err != nil {
		return err
	}
	err = p.startChallenge(c, challengeID, ar.ID, sess, cit)
	if we, ok := web.Refusal(c, err); ok { // the SMS budget refused the code
		return p.renderLogin(c, we.Status, ar, "password", we.Text(web.Lang(c)), idNumber)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/idp/login/otp?authRequestID="+ar.ID)
}
