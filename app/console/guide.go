package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// guidePage is "Tờ hướng dẫn demo": one printable page with both login flows of the seed
// guide, the demo accounts and where to point the browser and the phone.
type guidePage struct {
	web.Page
	shell
	PortalURL    string
	AppURL       string
	SecondFactor string // sms | app
	Accounts     []guideAccount
}

// guideAccount is one demo account and what it shows in the demo.
type guideAccount struct {
	IDNumber string
	FullName string
	Level    int
	WebLogin bool
	Phone    string
	Password string
	Passcode string
	Shows    string
}

func (con *Console) showGuide(c echo.Context) error {
	ctx := c.Request().Context()
	// The seeded demo citizens only: the sheet is one A4 page, and a class's accounts have
	// their own login cards.
	list, err := con.d.Store.PresentDemoCitizens(ctx)
	if err != nil {
		return err
	}
	p := &guidePage{Page: web.NewPage(c, "Tờ hướng dẫn demo"), PortalURL: con.d.URL("/"), AppURL: con.d.URL("/app/"),
		SecondFactor: con.d.SecondFactor}
	for _, cit := range list {
		a := guideAccount{IDNumber: cit.IDNumber, FullName: cit.FullName, Level: cit.Level, WebLogin: cit.WebLogin,
			Phone: cit.Phone, Password: store.DemoPassword, Passcode: defaultPasscode}
		if !cit.PasswordIsDemo {
			a.Password = "(đã đặt lại)"
		}
		if !cit.PasscodeIsDemo {
			a.Passcode = "(đã đặt lại)"
		}
		switch {
		case cit.Level < 2:
			a.Shows = "Tài khoản mức 1: bị từ chối, cần tài khoản định danh điện tử mức 2."
		case cit.WebLogin:
			a.Shows = "Đã cấp quyền đăng nhập trên website: quét QR rồi xác nhận; hoặc đăng nhập trực tiếp."
		default:
			a.Shows = "Chưa cấp quyền đăng nhập trên website: quét QR để thấy thông báo và bấm \"Cập nhật\"."
		}
		p.Accounts = append(p.Accounts, a)
	}
	if p.shell, err = con.newShell(c, "guide"); err != nil {
		return err
	}
	p.Scripts = []string{"console.js"}
	return con.d.Render.Page(c, http.StatusOK, "console/guide", p)
}
