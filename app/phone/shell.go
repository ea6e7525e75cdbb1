package phone

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

const shellTemplate = "phone/app"

var errMissingShell = errors.New("phone: template " + shellTemplate + " is missing")

// scripts run in this order (deferred): the API client, the scanner, the passcode pad, the
// number matching of the QR confirmation, the inbox, the authenticator-app setting, the SIM and
// device screens, the counter login, the citizen's sessions and login history, then the screens,
// which start the app. The QR decoder (js/vendor/jsQR.js) is not among them: the scanner loads it
// when it first opens.
var scripts = []string{"phone-api.js", "phone-scan.js", "phone-pad.js", "phone-match.js", "phone-inbox.js", "phone-totp.js", "phone-sim.js", "phone-device.js", "phone-sessions.js", "phone.js"}

// Deps is what the simulator page is built from. It holds no store: the app it draws speaks
// to the identity provider only through the mobile API; the demo accounts it offers to fill
// in come from a listing the composition root provides.
type Deps struct {
	web.Site
	DemoCitizens func(context.Context) ([]store.Citizen, error) // the demo citizens as they are now
	HTTPS        web.HTTPS                                      // how the server serves HTTPS, for the camera's sake
}

// Simulator is the phone simulator actor.
type Simulator struct {
	d Deps
}

// New builds the simulator page; it fails when the page's template is missing.
func New(d Deps) (*Simulator, error) {
	if !d.Render.Has(shellTemplate) {
		return nil, errMissingShell
	}
	if !d.Render.Has(guideTemplate) {
		return nil, errors.New("phone: template " + guideTemplate + " is missing")
	}
	return &Simulator{d: d}, nil
}

// shellPage is the simulator's only page; every screen is drawn by the scripts.
type shellPage struct {
	web.Page
	AppURL       string // where a phone on the LAN opens the simulator
	DemoAccounts []demoAccount
	DemoPassword string
	DemoPasscode string
	HTTPS        web.HTTPS // the scan screen links to the certificate guide where it helps the camera
}

type demoAccount struct {
	IDNumber string
	Password string
	Name     string
	Level    int
	WebLogin bool
}

func (s *Simulator) showShell(c echo.Context) error {
	accounts, err := s.demoAccounts(c)
	if err != nil {
		return err
	}
	page := shellPage{
		Page:         web.Page{Title: "VNeID – ứng dụng mô phỏng", Scripts: scripts},
		AppURL:       s.d.URL("/app/"),
		DemoAccounts: accounts,
		DemoPassword: store.DemoPassword,
		DemoPasscode: store.DemoPasscode,
		HTTPS:        s.d.HTTPS,
	}
	return s.d.Render.Page(c, http.StatusOK, shellTemplate, &page)
}

// demoAccounts lists the demo citizens as they are now, so that names, levels and the
// web-login permission shown are the current ones and a citizen deleted is not offered.
func (s *Simulator) demoAccounts(c echo.Context) ([]demoAccount, error) {
	list, err := s.d.DemoCitizens(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := make([]demoAccount, 0, len(list))
	for _, cit := range list {
		out = append(out, demoAccount{IDNumber: cit.IDNumber, Password: store.DemoPassword, Name: cit.FullName,
			Level: cit.Level, WebLogin: cit.WebLogin})
	}
	return out, nil
}
