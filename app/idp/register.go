// Package idp is being built.
package idp

import (
	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Register mounts the identity provider under g (/idp) and its mobile API under api.
func Register(g, api *echo.Group, d *web.Deps) error {
	return nil
}
