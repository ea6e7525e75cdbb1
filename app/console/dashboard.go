package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// dashboardPage is "Bảng điều khiển": where to point browsers and phones, and today's numbers.
type dashboardPage struct {
	web.Page
	shell
	PortalURL     string
	AppURL        string
	ConsoleURL    string
	Citizens      int
	MessagesToday int
	PortalLogins  int // citizens who reached the portal's account page today
	AppLogins     int // logins to the phone app today
	HTTPS         web.HTTPS
	DemoCitizens  int // how many citizens a reset brings back
}

func (con *Console) showDashboard(c echo.Context) error {
	ctx := c.Request().Context()
	today := startOfDay(con.d.Now())
	citizens, err := con.d.Store.CountCitizens(ctx)
	if err != nil {
		return err
	}
	msgs, err := con.d.Store.CountMessagesSince(ctx, today)
	if err != nil {
		return err
	}
	portal, err := con.d.Store.CountAuditSince(ctx, "portal", "login", today)
	if err != nil {
		return err
	}
	app, err := con.d.Store.CountAuditSince(ctx, "phone", "app_login", today)
	if err != nil {
		return err
	}
	sh, err := con.newShell(c, "dashboard")
	if err != nil {
		return err
	}
	return con.d.Render.Page(c, http.StatusOK, "console/dashboard", &dashboardPage{
		Page: web.NewPage(c, "Bảng điều khiển"), shell: sh,
		PortalURL: con.d.URL("/"), AppURL: con.d.URL("/app/"), ConsoleURL: con.d.URL("/console/"),
		Citizens: citizens, MessagesToday: msgs, PortalLogins: portal, AppLogins: app, HTTPS: con.d.HTTPS,
		DemoCitizens: len(store.DemoCitizens),
	})
}

// showAppQR draws the phone app's URL as a QR code, so a trainee opens the simulator by
// pointing the phone's camera at the screen or the printed sheet.
func (con *Console) showAppQR(c echo.Context) error {
	bm, err := web.QRBitmap(con.d.URL("/app/"))
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/svg+xml", web.QRSVG(bm))
}
