// Package phone is being built.
package phone

import (
	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Register mounts the actor's routes.
func Register(g *echo.Group, d *web.Deps) error {
	return nil
}
