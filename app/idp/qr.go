package idp

import "github.com/labstack/echo/v4"

// qrService runs QR logins.
type qrService struct{}

func (p *IdP) registerQR(g *echo.Group) error { return nil }

// registerMobileQR mounts the app's QR calls (scan, confirm, deny) and the web-login setting.
func (p *IdP) registerMobileQR(api *echo.Group) {}
