package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/citizens"
	"dvclogin/app/i18n"
	"dvclogin/app/web"
)

// Login cards for a class: one card per citizen with the name, số định danh, password,
// passcode and the QR that opens the phone app, printed on A4. The server keeps only hashes of
// the secrets, so cards exist only where the secrets are known: in the answer that created the
// accounts ("Tạo N tài khoản khách", an import), which shows them once and keeps them nowhere,
// and for the citizens who still have the demo secrets (GET /console/citizens/cards).

// cardsPage is a sheet of login cards.
type cardsPage struct {
	web.Page
	shell
	Heading   string // in the page's language
	OneTime   bool   // the secrets were just made: this page is the only place they are shown
	Cards     []citizens.Account
	Others    int // citizens without a card: their secrets are not known
	PortalURL string
	AppURL    string
}

func (con *Console) renderCards(c echo.Context, p *cardsPage) error {
	sh, err := con.newShell(c, "citizens")
	if err != nil {
		return err
	}
	p.Page, p.shell = web.NewPage(c, "Thẻ đăng nhập"), sh
	if c.Request().Method != http.MethodGet {
		// Cards made by a POST show secrets once: the switch goes back to the list, not to a
		// repeat of the POST.
		p.Here = "/console/citizens"
	}
	p.PortalURL, p.AppURL = con.d.URL("/"), con.d.URL("/app/")
	p.Scripts = []string{"console.js"}
	return con.d.Render.Page(c, http.StatusOK, "console/citizen-cards", p)
}

// showCards prints the cards of every citizen who still has the demo password and passcode.
func (con *Console) showCards(c echo.Context) error {
	list, err := con.d.Store.ListCitizens(c.Request().Context())
	if err != nil {
		return err
	}
	p := &cardsPage{Heading: web.T(c, "Thẻ đăng nhập của các tài khoản dùng mật khẩu demo")}
	for _, cit := range list {
		if a := citizens.DemoAccount(cit); a.Password != "" && a.Passcode != "" {
			p.Cards = append(p.Cards, a)
		} else {
			p.Others++
		}
	}
	return con.renderCards(c, p)
}

// submitGenerate makes N visitor accounts and answers with their cards.
func (con *Console) submitGenerate(c echo.Context) error {
	n, err := strconv.Atoi(strings.TrimSpace(c.FormValue("count")))
	if err != nil || n < 1 || n > citizens.MaxVisitors {
		return con.back(c, "error", i18n.Msg("Số tài khoản khách phải là một số từ 1 đến %d.", citizens.MaxVisitors))
	}
	opts := citizens.VisitorOptions{RandomSecrets: c.FormValue("random_secrets") == "1", WebLogin: c.FormValue("web_login") == "1"}
	ctx, now := c.Request().Context(), con.d.Now()
	drafts, err := citizens.Visitors(ctx, con.d.Store, n, opts, now)
	if err != nil {
		return err
	}
	accounts, err := citizens.Create(ctx, con.d.Store, con.d.Hasher, drafts, now)
	if errors.Is(err, web.ErrBusy) {
		return busy(err)
	}
	if err != nil {
		return err
	}
	secrets := "demo secrets"
	if opts.RandomSecrets {
		secrets = "random secrets"
	}
	for _, a := range accounts {
		con.audit(c, "citizen_created", a.Citizen.ID, "console visitor accounts, "+secrets)
	}
	return con.renderCards(c, &cardsPage{OneTime: opts.RandomSecrets, Cards: accounts,
		Heading: web.F(c, "Đã tạo %d tài khoản khách", len(accounts))})
}
