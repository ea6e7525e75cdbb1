package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// The operator's actions on one citizen. Each one is audited, leaves a message for the next
// page and goes back to the list (POST-redirect-GET, so a reload does not repeat it). New
// secrets are never repeated in the message: the operator just typed them, and the console
// may be on a projector.

// citizen loads the citizen named in the URL.
func (con *Console) citizen(c echo.Context) (store.Citizen, error) {
	cit, err := con.d.Store.CitizenByID(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return cit, &web.Error{Status: http.StatusNotFound, Code: "not_found", Msg: "Không tìm thấy công dân này."}
	}
	return cit, err
}

// done records the action, leaves msg for the list page and goes back to it.
func (con *Console) done(c echo.Context, cit store.Citizen, action, detail string, msg i18n.Message) error {
	con.audit(c, action, cit.ID, detail)
	return con.back(c, "ok", msg)
}

// back leaves a message and returns to the citizens list.
func (con *Console) back(c echo.Context, kind string, msg i18n.Message) error {
	if err := con.flash(c, kind, msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/console/citizens")
}

func (con *Console) submitUnlock(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	if err := con.d.Store.UnlockCitizen(c.Request().Context(), cit.ID); err != nil {
		return err
	}
	return con.done(c, cit, "citizen_unlocked", "password, code and passcode locks and counts cleared",
		i18n.Msg("Đã mở khóa mật khẩu, mã xác nhận và passcode của %s.", cit.FullName))
}

func (con *Console) submitPasscode(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	passcode := strings.TrimSpace(c.FormValue("passcode"))
	var weak *web.Error
	if errors.As(web.CheckPasscode(passcode, cit.BirthDate), &weak) {
		return con.back(c, "error", i18n.Msg(weak.Msg, weak.Args...))
	}
	hash, err := con.d.Hasher.Hash(c.Request().Context(), passcode)
	if errors.Is(err, web.ErrBusy) {
		return busy(err)
	}
	if err != nil {
		return err
	}
	if err := con.d.Store.SetPasscodeHash(c.Request().Context(), cit.ID, hash); err != nil {
		return err
	}
	ended, err := con.endSessions(c, cit)
	if err != nil {
		return err
	}
	return con.done(c, cit, "passcode_reset", ended, i18n.Msg("Đã đặt lại passcode của %s và đăng xuất mọi phiên đăng nhập của công dân này.", cit.FullName))
}

func (con *Console) submitWebLogin(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	// The form says the wanted state rather than "toggle", so a double submit cannot undo
	// itself.
	enabled := c.FormValue("enabled") == "1"
	if err := con.d.Store.SetWebLogin(c.Request().Context(), cit.ID, enabled); err != nil {
		return err
	}
	if enabled {
		return con.done(c, cit, "web_login_enabled", "",
			i18n.Msg("Đã bật \"Đăng nhập trên website\" cho %s.", cit.FullName))
	}
	return con.done(c, cit, "web_login_disabled", "",
		i18n.Msg("Đã tắt \"Đăng nhập trên website\" cho %s.", cit.FullName))
}

func (con *Console) submitPassword(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	password := c.FormValue("password")
	var weak *web.Error
	if errors.As(web.CheckPassword(password, cit.IDNumber, cit.Phone), &weak) {
		return con.back(c, "error", i18n.Msg(weak.Msg, weak.Args...))
	}
	hash, err := con.d.Hasher.Hash(c.Request().Context(), password)
	if errors.Is(err, web.ErrBusy) {
		return busy(err)
	}
	if err != nil {
		return err
	}
	if err := con.d.Store.SetPasswordHash(c.Request().Context(), cit.ID, hash); err != nil {
		return err
	}
	ended, err := con.endSessions(c, cit)
	if err != nil {
		return err
	}
	return con.done(c, cit, "password_reset", ended, i18n.Msg("Đã đặt lại mật khẩu của %s và đăng xuất mọi phiên đăng nhập của công dân này.", cit.FullName))
}

// endSessions ends everything a reset secret may have opened: whoever knew the old secret
// must not stay signed in (IdP and app sessions, OpenID Connect tokens). It returns the audit
// detail.
func (con *Console) endSessions(c echo.Context, cit store.Citizen) (string, error) {
	n, err := con.d.Store.EndCitizenSessions(c.Request().Context(), cit.ID, con.d.Now())
	return fmt.Sprintf("%d sessions and tokens ended", n), err
}

func (con *Console) submitEndAppSessions(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	n, err := con.d.Store.DeleteSessionsOf(c.Request().Context(), "app", cit.ID)
	if err != nil {
		return err
	}
	if n == 0 {
		return con.back(c, "ok", i18n.Msg("%s không có phiên ứng dụng nào đang mở.", cit.FullName))
	}
	return con.done(c, cit, "app_sessions_ended", fmt.Sprintf("%d app sessions", n),
		i18n.Msg("Đã kết thúc phiên ứng dụng VNeID của %s: ứng dụng sẽ yêu cầu đăng nhập lại.", cit.FullName))
}
