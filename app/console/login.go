package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// msgBadPassword is the one answer to every wrong console password.
const msgBadPassword = "Mật khẩu quản trị không đúng."

// loginPage is the console's login screen.
type loginPage struct {
	web.Page
	Error string
}

func (con *Console) showLogin(c echo.Context) error {
	if _, data, err := con.load(c); err != nil {
		return err
	} else if data.Operator {
		return c.Redirect(http.StatusSeeOther, "/console/")
	}
	return con.renderLogin(c, http.StatusOK, "")
}

func (con *Console) renderLogin(c echo.Context, status int, msg string) error {
	return con.d.Render.Page(c, status, "console/login", &loginPage{
		Page: web.NewPage(c, "Đăng nhập quản trị"), Error: msg})
}

// submitLogin checks the operator password. The per-IP failure count is checked before the
// hash is computed, so a guessing script costs no CPU once it is refused; the session is
// regenerated on success, so a session id planted before login is worthless after it.
func (con *Console) submitLogin(c echo.Context) error {
	ctx := c.Request().Context()
	now, ip := con.d.Now(), c.RealIP()
	fails, err := con.d.Store.CountIPFailures(ctx, ip, "console", now.Add(-loginWindow))
	if err != nil {
		return err
	}
	if fails >= loginMaxFailures {
		con.record(c, store.Attempt{Kind: "console_refused", Reason: "ip_limited"})
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(loginWindow.Seconds())))
		return con.renderLogin(c, http.StatusTooManyRequests,
			fmt.Sprintf("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %s.", duration(loginWindow)))
	}
	ok, err := con.d.Hasher.Verify(ctx, con.d.AdminPasswordHash, c.FormValue("password"))
	if errors.Is(err, web.ErrBusy) {
		return busy(err)
	}
	if err != nil {
		return err
	}
	if !ok {
		con.record(c, store.Attempt{Kind: "console", Reason: "wrong_password"})
		return con.renderLogin(c, http.StatusUnauthorized, msgBadPassword)
	}
	con.record(c, store.Attempt{Kind: "console", Success: true})

	s, data, err := con.load(c)
	if err != nil {
		return err
	}
	if s == nil {
		s = con.d.Sessions.New(con.session)
	}
	next := data.Next
	if !strings.HasPrefix(next, "/console/") || strings.Contains(next, "//") {
		next = "/console/"
	}
	s.Subject = "operator"
	s.ExpiresAt = now.Add(con.session.Absolute)
	if err := s.Set(sessionData{Operator: true}); err != nil {
		return err
	}
	if err := con.d.Sessions.Regenerate(c, s); err != nil {
		return err
	}
	con.audit(c, "console_login", "", "")
	return c.Redirect(http.StatusSeeOther, next)
}

func (con *Console) submitLogout(c echo.Context) error {
	if _, data, err := con.load(c); err == nil && data.Operator {
		con.audit(c, "console_logout", "", "")
	}
	if err := con.d.Sessions.Destroy(c, con.session); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/console/login")
}

// record appends a console attempt; the attempt log is best effort, a failure is logged.
func (con *Console) record(c echo.Context, a store.Attempt) {
	a.At, a.IP = con.d.Now(), c.RealIP()
	if err := con.d.Store.RecordAttempt(c.Request().Context(), a); err != nil {
		con.d.Log.Warn("record attempt", "err", err)
	}
}
