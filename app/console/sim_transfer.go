package console

import (
	"html/template"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// The operator moves a citizen's simulated SIM to another device ("Chuyển SIM sang thiết bị
// khác"), as a phone shop moves a number to a new SIM card: a one-time code, shown as a QR code
// and as text, that the new phone's simulator claims within 10 minutes. The code is shown once
// on this page and kept only as a digest.

// simTransferPage shows a fresh transfer code.
type simTransferPage struct {
	web.Page
	shell
	Citizen     store.Citizen
	PhoneMasked string
	Code        string       // grouped by four
	QRText      string       // what the QR encodes
	QRSVGURL    template.URL // a data: URL the server drew: safe to place in src
	ExpiresAt   time.Time
	Minutes     int
}

// simHolder says in words which device holds a citizen's SIM, for the citizens list.
func simHolder(sims map[string]store.SIM, citizenID string) i18n.Message {
	sim, ok := sims[citizenID]
	if !ok {
		return i18n.Msg("Chưa ở thiết bị nào (thiết bị đăng nhập đầu tiên sẽ giữ SIM)")
	}
	return i18n.Msg("Thiết bị %s (%s), từ %s", sim.DeviceID, browserWords(sim.DeviceLabel), web.TimeVN(sim.Since))
}

// submitSIMTransfer creates a transfer code for the citizen's SIM and shows it. The page is
// the answer to the POST itself: the code must not travel through the session or a URL.
func (con *Console) submitSIMTransfer(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	now := con.d.Now()
	code := web.NewSIMTransferCode()
	t := store.SIMTransfer{CitizenID: cit.ID, CreatedBy: "console", CreatedAt: now, ExpiresAt: now.Add(web.SIMTransferTTL)}
	if err := con.d.Store.CreateSIMTransfer(c.Request().Context(), store.Digest(code), t); err != nil {
		return err
	}
	con.audit(c, "sim_transfer_started", cit.ID, "by the operator")
	qr := con.d.URL(web.SIMTransferPath + "#" + code)
	bm, err := web.QRBitmap(qr)
	if err != nil {
		return err
	}
	sh, err := con.newShell(c, "citizens")
	if err != nil {
		return err
	}
	page := web.NewPage(c, "Chuyển SIM sang thiết bị khác")
	page.Here = "/console/citizens" // the code is shown once, by the POST: the switch leads to the list
	return con.d.Render.Page(c, http.StatusOK, "console/sim-transfer", &simTransferPage{
		Page: page, shell: sh, Citizen: cit,
		PhoneMasked: web.MaskPhone(cit.Phone), Code: web.FormatCode(code), QRText: qr,
		QRSVGURL: template.URL(web.SVGDataURL(web.QRSVG(bm))), ExpiresAt: t.ExpiresAt, Minutes: int(web.SIMTransferTTL / time.Minute)})
}
