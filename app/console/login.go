package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
	"dvclogin/app/regulator"
	"dvclogin/app/web"
)

// msgBadPassword is the one answer to every wrong console password.
const msgBadPassword = "Mật khẩu quản trị không đúng."

// loginPage is the console's login screen.
type loginPage struct {
	web.Page
	Error string // why the last attempt was refused, in the page's language
}

func (con *Console) showLogin(c echo.Context) error {
	if s, err := con.sessions.Load(c); err != nil {
		return err
	} else if s != nil && s.Data.Operator {
		return c.Redirect(http.StatusSeeOther, "/console/")
	}
	return con.renderLogin(c, http.StatusOK, i18n.Message{})
}

func (con *Console) renderLogin(c echo.Context, status int, msg i18n.Message) error {
	page := web.NewPage(c, "Đăng nhập quản trị")
	page.Here = "/console/login"
	return con.d.Render.Page(c, status, "console/login", &loginPage{Page: page, Error: msg.In(web.Lang(c))})
}

// submitLogin checks the operator password under the console's rules (regulator.Console: each
// attempt takes its place under the per-IP and the console-wide limits before its hash); the
// session is regenerated on success, so a session id planted before login is worthless after
// it.
func (con *Console) submitLogin(c echo.Context) error {
	ctx := c.Request().Context()
	now := con.d.Now()
	v, err := con.d.Regulator.Console(ctx, regulator.Attempt{At: now, IP: c.RealIP()}, func() (bool, error) {
		// Read at each login: another instance may have stored a new password since.
		hash, err := con.d.AdminPasswordHash(ctx)
		if err != nil {
			return false, err
		}
		return con.d.Hasher.Verify(ctx, hash, c.FormValue("password"))
	})
	if errors.Is(err, web.ErrBusy) {
		return busy(err)
	}
	if err != nil {
		return err
	}
	if v.Kind == regulator.Limited || v.Kind == regulator.Locked {
		return con.refuseLogin(c, v)
	}
	if v.Kind != regulator.Allowed {
		return con.renderLogin(c, http.StatusUnauthorized, i18n.Msg(msgBadPassword))
	}

	s, err := con.sessions.LoadOrNew(c)
	if err != nil {
		return err
	}
	next := s.Data.Next
	if !strings.HasPrefix(next, "/console/") || strings.Contains(next, "//") {
		next = "/console/"
	}
	s.Subject = "operator"
	s.ExpiresAt = now.Add(con.sessions.Kind().Absolute)
	s.Data = sessionData{Operator: true}
	if err := con.sessions.Regenerate(c, s); err != nil {
		return err
	}
	con.audit(c, "console_login", "", "")
	return c.Redirect(http.StatusSeeOther, next)
}

// refuseLogin answers an attempt the regulator refused: 429 when this IP made too many, 423
// when the console login as a whole is locked by failures from anywhere.
func (con *Console) refuseLogin(c echo.Context, v regulator.Verdict) error {
	wait := v.RetryAfter
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(int((wait+time.Second-1)/time.Second), 1)))
	mins := max(int((wait+time.Minute-1)/time.Minute), 1)
	if v.Kind == regulator.Limited {
		return con.renderLogin(c, http.StatusTooManyRequests,
			i18n.Msg("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút.", mins))
	}
	return con.renderLogin(c, http.StatusLocked,
		i18n.Msg("Đăng nhập quản trị đang tạm khóa do có quá nhiều lần nhập sai mật khẩu. Vui lòng thử lại sau %d phút.", mins))
}

func (con *Console) submitLogout(c echo.Context) error {
	if s, err := con.sessions.Load(c); err == nil && s != nil && s.Data.Operator {
		con.audit(c, "console_logout", "", "")
	}
	if err := con.sessions.Destroy(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/console/login")
}
