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

// The demo citizens CONTRACT.md promises on a seeded database. The page offers them as
// one-tap fill-ins, read from the database so that names, levels and the web-login
// permission shown are the current ones and a citizen missing there is not offered.
var demoIDNumbers = []string{"001085012345", "079190054321", "048201067890"}

// The secrets every demo citizen is seeded with (CONTRACT.md). They are shown on purpose: the
// simulator is for demonstrations with made-up citizens.
const (
	demoPassword = "Demo@1234"
	demoPasscode = "135790"
)

// scripts run in this order (deferred): the decoder, the API client, the scanner, the passcode
// pad, the inbox, then the screens, which start the app.
var scripts = []string{"vendor/jsQR.js", "phone-api.js", "phone-scan.js", "phone-pad.js", "phone-inbox.js", "phone.js"}

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
		DemoPassword: demoPassword,
		DemoPasscode: demoPasscode,
	}
	return s.d.Render.Page(c, http.StatusOK, shellTemplate, &page)
}

func (s *simulator) demoAccounts(c echo.Context) ([]demoAccount, error) {
	var out []demoAccount
	for _, id := range demoIDNumbers {
		cit, err := s.d.Store.CitizenByIDNumber(c.Request().Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, demoAccount{IDNumber: cit.IDNumber, Password: demoPassword, Name: cit.FullName,
			Level: cit.Level, WebLogin: cit.WebLogin})
	}
	return out, nil
}
