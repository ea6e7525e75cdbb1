package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Mount puts the console on g (/console). Every console answer is private (no-store) and every
// form carries the console's CSRF token.
func (con *Console) Mount(g *echo.Group) {
	g.Use(web.NoStoreMiddleware, con.d.CSRF.Middleware())

	// Operator login and logout
	g.GET("/login", con.showLogin)
	g.POST("/login", con.submitLogin)
	g.POST("/logout", con.submitLogout)
	g.GET("", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/console/") })

	// Everything below needs a logged-in operator
	a := g.Group("", con.requireOperator)

	// Dashboard and the phone app's QR for the room
	a.GET("/", con.showDashboard)
	a.GET("/qr/app.svg", con.showAppQR)

	// Citizens and what an operator may do for one
	a.GET("/citizens", con.showCitizens)
	a.POST("/citizens/:id/unlock", con.submitUnlock)
	a.POST("/citizens/:id/passcode", con.submitPasscode)
	a.POST("/citizens/:id/web-login", con.submitWebLogin)
	a.POST("/citizens/:id/password", con.submitPassword)
	a.POST("/citizens/:id/end-app-sessions", con.submitEndAppSessions)
	a.POST("/citizens/:id/sim-transfer", con.submitSIMTransfer)

	// Integrated services: OpenID Connect clients an operator registers, removes (after a
	// confirmation page) or gives a new secret
	a.GET("/clients", con.showClients)
	a.POST("/clients", con.submitAddClient)
	a.GET("/clients/:id/remove", con.showRemoveClient)
	a.POST("/clients/:id/remove", con.submitRemoveClient)
	a.POST("/clients/:id/secret", con.submitRotateClientSecret)

	// Adding, editing and removing citizens, and login cards for a class. The CSV import is
	// the one route whose body may exceed 64 KB (LimitUpload, mounted with the shared
	// middleware, sets its limit).
	a.GET("/citizens/new", con.showNewCitizen)
	a.POST("/citizens/new", con.submitNewCitizen)
	a.GET("/citizens/import", con.showImport)
	a.POST("/citizens/import", con.submitImport)
	a.POST("/citizens/generate", con.submitGenerate)
	a.GET("/citizens/cards", con.showCards)
	a.GET("/citizens/:id/edit", con.showEditCitizen)
	a.POST("/citizens/:id/edit", con.submitEditCitizen)
	a.GET("/citizens/:id/delete", con.showDeleteCitizen)
	a.POST("/citizens/:id/delete", con.submitDeleteCitizen)

	// The SMS outbox (the page polls the JSON list)
	a.GET("/messages", con.showMessages)
	a.GET("/messages.json", con.listMessagesJSON)

	// Audit log, effective settings, the printable demo sheet
	a.GET("/audit", con.showAudit)
	a.GET("/settings", con.showSettings)
	a.POST("/settings/number-matching", con.submitNumberMatching)
	a.GET("/guide", con.showGuide)

	// Back to the demo data between two classes: the confirmation, then the reset
	a.GET("/reset", con.showReset)
	a.POST("/reset", con.submitReset)
}
