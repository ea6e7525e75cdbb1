// Package console is being built.
package console

import (
	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Register mounts the actor's routes.
func Register(g *echo.Group, d *web.Deps) error {
	return nil
}
