package idp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// The app's "Quản lý đăng nhập" screen: the citizen's browser sessions and services, each
// ended on its own or all at once. The app's own session is the phone, not a web session, and
// is never listed.

// showAppSessions lists the citizen's sessions (GET /sessions).
func (p *IdP) showAppSessions(c echo.Context) error {
	list, _, err := p.listCitizenSessions(c.Request().Context(), web.Lang(c), appCitizen(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

// endAppSession ends one of them (DELETE /sessions/{id}).
func (p *IdP) endAppSession(c echo.Context) error {
	if err := p.endCitizenSession(c, "phone", appCitizen(c).ID, c.Param("id"), "app"); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// endAllAppSessions ends them all (POST /sessions/end-all).
func (p *IdP) endAllAppSessions(c echo.Context) error {
	res, err := p.endAllCitizenSessions(c, "phone", appCitizen(c).ID, "app")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
