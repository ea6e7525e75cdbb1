package idp

import (
	"errors"

	"github.com/labstack/echo/v4"

	"dvclogin/store"
)

func (p *IdP) registerLogin(g *echo.Group) {}

// finishLogin ends a successful login in the browser: it regenerates the IdP session, records
// the SSO session, completes the auth request and redirects to the OIDC callback.
func (p *IdP) finishLogin(c echo.Context, authRequestID string, cit store.Citizen, amr []string) error {
	return errors.New("login: not built yet")
}
