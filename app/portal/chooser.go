package portal

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// chooserPage is the account-type chooser ("Chọn loại tài khoản bạn muốn sử dụng đăng nhập"):
// three account types, of which the demo simulates the citizen's VNeID account.
type chooserPage struct {
	frame
	Next string // same-origin path to return to after login
}

// showChooser shows the account-type chooser, or the account page when already logged in.
func (p *Portal) showChooser(c echo.Context) error {
	user, err := p.currentUser(c)
	if err != nil {
		return err
	}
	next := safeReturn(c.QueryParam("next"))
	if user != nil {
		if next == "" {
			next = "/tai-khoan"
		}
		return redirect(c, next)
	}
	page := &chooserPage{frame: p.newFrame(c, "Đăng nhập - Cổng Dịch vụ công Quốc gia", nil), Next: next}
	page.Slim = true
	// The page's own address, with the return path only if it was kept: the language switch
	// must not carry a rejected one back onto the page.
	page.Here = "/dang-nhap"
	if next != "" {
		page.Here += "?next=" + url.QueryEscape(next)
	}
	return p.d.Render.Page(c, http.StatusOK, "portal/chooser", page)
}
