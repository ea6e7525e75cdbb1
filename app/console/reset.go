package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// "Khôi phục dữ liệu demo": between two classes the operator puts the demo back as a first
// start seeds it, without a restart. A page first says what will be lost; the POST does it.
// The operator who asks stays logged in: every other session, the operator's other browsers
// included, ends.

// resetPage is the confirmation: what the reset deletes, counted now.
type resetPage struct {
	web.Page
	shell
	Lost         store.DemoData
	DemoCitizens int
}

func (con *Console) showReset(c echo.Context) error {
	lost, err := con.d.Store.CountDemoData(c.Request().Context())
	if err != nil {
		return err
	}
	// The operator's own session is kept: it is not among what the operator loses.
	lost.Sessions = max(lost.Sessions-1, 0)
	p := &resetPage{Page: web.NewPage(c, "Khôi phục dữ liệu demo"), Lost: lost, DemoCitizens: len(store.DemoCitizens)}
	if p.shell, err = con.newShell(c, "dashboard"); err != nil {
		return err
	}
	return con.d.Render.Page(c, http.StatusOK, "console/reset", p)
}

func (con *Console) submitReset(c echo.Context) error {
	s := operatorSession(c)
	lost, err := con.d.ResetDemo(c.Request().Context(), s.IDHash,
		store.Event{At: con.d.Now(), Actor: "console", IP: c.RealIP(), Detail: "demo data back to the seed; other sessions ended"})
	if err != nil {
		return err
	}
	msg := i18n.Msg("Đã khôi phục dữ liệu demo: xóa %d công dân, %d phiên đăng nhập, %d tin nhắn và %d dòng nhật ký; tạo lại %d công dân demo. Các trình duyệt và điện thoại đang dùng phải đăng nhập lại.",
		lost.Citizens, lost.Sessions, lost.Messages, lost.Audit, len(store.DemoCitizens))
	if err := con.flash(c, "ok", msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/console/")
}
