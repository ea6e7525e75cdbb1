package idp

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/idp/oidcop"
	"dvclogin/app/web"
	"dvclogin/store"
)

// The same session list for the national portal's account page: the portal is an OpenID
// Connect client and holds no IdP session of its own, so it asks with the access token it
// received at the citizen's login. Only the portal's tokens are accepted (a third-party
// service must not read or end a citizen's sessions) and only the token's own citizen is
// shown or touched.

const ctxAccountSubject = "idp.account.subject"

// requireAccountToken authenticates a bearer access token issued to the portal.
func (p *IdP) requireAccountToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, ok := bearerToken(c)
		refused := &web.Error{Status: http.StatusUnauthorized, Code: "invalid_token", Msg: msgAppSignIn}
		if !ok {
			c.Response().Header().Set("WWW-Authenticate", `Bearer`)
			return refused
		}
		subject, clientID, err := p.oidc.BearerSubject(c.Request().Context(), token)
		if errors.Is(err, store.ErrNotFound) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			return refused
		}
		if err != nil {
			return err
		}
		if clientID != oidcop.PortalClientID {
			refused.Status, refused.Code = http.StatusForbidden, "forbidden"
			refused.Err = errors.New("account sessions asked with a token of client " + clientID)
			return refused
		}
		c.Set(ctxAccountSubject, subject)
		return next(c)
	}
}

func accountSubject(c echo.Context) string {
	s, _ := c.Get(ctxAccountSubject).(string)
	return s
}

// showAccountSessions lists the token's citizen's sessions (GET /idp/account/sessions).
func (p *IdP) showAccountSessions(c echo.Context) error {
	list, _, err := p.listCitizenSessions(c.Request().Context(), web.Lang(c), accountSubject(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

// endAccountSession ends one of them (DELETE /idp/account/sessions/{id}).
func (p *IdP) endAccountSession(c echo.Context) error {
	if err := p.endCitizenSession(c, "idp", accountSubject(c), c.Param("id"), "portal"); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// endAllAccountSessions ends them all (POST /idp/account/sessions/end-all).
func (p *IdP) endAllAccountSessions(c echo.Context) error {
	res, err := p.endAllCitizenSessions(c, "idp", accountSubject(c), "portal")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// bearerToken is the credential of an Authorization: Bearer header.
func bearerToken(c echo.Context) (string, bool) {
	token, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	return token, ok && token != ""
}
