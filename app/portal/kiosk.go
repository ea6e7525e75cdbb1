package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// The counter screen "Đăng nhập tại quầy": a one-stop service counter or a kiosk without a
// keyboard, logged in by device code (RFC 8628). The page is the device: its script asks the
// identity provider for a code as the public client dvc-kiosk, shows the code and a QR of the
// phone app's address for it, and polls the token endpoint until the citizen decides on the
// phone. The tokens stay in the page; "Kết thúc phiên" revokes them. The server only draws
// the page and the QR.

// kioskPath is the counter screen's address.
const kioskPath = "/dang-nhap-tai-quay"

type kioskPage struct {
	frame
	ClientID string // the counter's client
}

func (p *Portal) showKiosk(c echo.Context) error {
	page := &kioskPage{frame: p.newFrame(c, "Đăng nhập tại quầy - Cổng Dịch vụ công Quốc gia", nil),
		ClientID: web.KioskClientID}
	page.Slim = true
	page.Here = kioskPath
	page.Scripts = append(page.Scripts, "portal-kiosk.js")
	return p.d.Render.Page(c, http.StatusOK, "portal/kiosk", page)
}

// kioskQRScale is the size of a module of the counter's QR in pixels: read from a phone held
// at arm's length in front of the counter screen.
const kioskQRScale = 8

// showKioskQR draws the QR of the phone app's address for a user code (what the identity
// provider gives as verification_uri_complete). It holds nothing secret: the code alone
// cannot log anyone in.
func (p *Portal) showKioskQR(c echo.Context) error {
	code := web.NormalizeUserCode(c.QueryParam("user_code"))
	if code == "" {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_user_code", Msg: web.MsgBadRequest}
	}
	bm, err := web.QRBitmap(p.d.URL("/app/device?user_code=" + web.FormatCode(code)))
	if err != nil {
		return err
	}
	png, err := web.QRPNG(bm, kioskQRScale)
	if err != nil {
		return err
	}
	web.NoStore(c)
	return c.Blob(http.StatusOK, "image/png", png)
}
