package phone

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

const shellTemplate = "phone/app"

var errMissingShell = errors.New("phone: template " + shellTemplate + " is missing")

// scripts run in this order (deferred): the decoder, the API client, the scanner, the passcode
// pad, the inbox, the authenticator-app setting, the SIM and device screens, then the screens,
// which start the app.
var scripts = []string{"vendor/jsQR.js", "phone-api.js", "phone-scan.js", "phone-pad.js", "phone-inbox.js", "phone-totp.js", "phone-sim.js", "phone.js"}

type simulator struct {
	d *web.Deps
}

// shellPage is the simulator's only page; every screen is drawn by the scripts.
type shellPage struct {
	web.Page
	AppURL       string // where a phone on the LAN opens the simulator
	DemoAccounts []demoAccount
	DemoPassword string
	DemoPasscode string
}

type demoAccount struct {
	IDNumber string
	Password string
	Name     string
	Level    int
	WebLogin bool
}

func (s *simulator) showShell(c echo.Context) error {
	accounts, err := s.demoAccounts(c)
	if err != nil {
		return err
	}
	page := shellPage{
		Page:         web.Page{Title: "VNeID – ứng dụng mô phỏng", Lang: "vi", Scripts: scripts},
		AppURL:       s.d.URL("/app/"),
		DemoAccounts: accounts,
		DemoPassword: store.DemoPassword,
		DemoPasscode: store.DemoPasscode,
	}
	return s.d.Render.Page(c, http.StatusOK, shellTemplate, &page)
}

func (s *simulator) demoAccounts(c echo.Context) ([]demoAccount, error) {
	var out []demoAccount
	// Read from the database, so that names, levels and the web-login permission shown are the
	// current ones and a citizen missing there is not offered.
	for _, demo := range store.DemoCitizens {
		cit, err := s.d.Store.CitizenByIDNumber(c.Request().Context(), demo.IDNumber)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, demoAccount{IDNumber: cit.IDNumber, Password: store.DemoPassword, Name: cit.FullName,
			Level: cit.Level, WebLogin: cit.WebLogin})
	}
	return out, nil
}
