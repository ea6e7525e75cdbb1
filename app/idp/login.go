package idp

import "github.com/labstack/echo/v4"

func (p *IdP) registerLogin(g *echo.Group) {}
