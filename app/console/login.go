package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

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

// submitLogin checks the operator password. The attempt takes its place under the per-IP and
// the account-wide limits before the hash is computed, in one store transaction, so neither a
// guessing script nor a burst of parallel guesses costs more than the limits' worth of hashes;
// the session is regenerated on success, so a session id planted before login is worthless
// after it.
func (con *Console) submitLogin(c echo.Context) error {
	ctx := c.Request().Context()
	now := con.d.Now()
	attempt, err := con.d.Store.ReserveAttempt(ctx, store.Attempt{At: now, IP: c.RealIP(), Kind: "console"},
		store.AttemptLimit{Max: con.d.Limits.ConsoleIPMaxFailures, Window: con.d.Limits.ConsoleIPWindow},
		store.AttemptLimit{Max: con.d.Limits.ConsoleMaxFailures, Window: con.d.Limits.ConsoleWindow, AllIPs: true})
	var full *store.LimitError
	if errors.As(err, &full) {
		return con.refuseLogin(c, full, now)
	}
	if err != nil {
		return err
	}
	ok, err := con.d.Hasher.Verify(ctx, con.d.AdminPasswordHash, c.FormValue("password"))
	if err != nil {
		// Not checked: give the place back.
		if derr := con.d.Store.DropAttempt(ctx, attempt); derr != nil {
			con.d.Log.Warn("drop attempt", "err", derr)
		}
		if errors.Is(err, web.ErrBusy) {
			return busy(err)
		}
		return err
	}
	if !ok {
		if err := con.d.Store.FinishAttempt(ctx, attempt, false, "wrong_password"); err != nil {
			return err
		}
		return con.renderLogin(c, http.StatusUnauthorized, msgBadPassword)
	}
	if err := con.d.Store.FinishAttempt(ctx, attempt, true, ""); err != nil {
		return err
	}

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

// refuseLogin answers an attempt refused by a full limit: 429 when this IP made too many,
// 423 when the console login as a whole is locked by failures from anywhere.
func (con *Console) refuseLogin(c echo.Context, full *store.LimitError, now time.Time) error {
	wait := full.FreeAt.Sub(now)
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(int((wait+time.Second-1)/time.Second), 1)))
	mins := max(int((wait+time.Minute-1)/time.Minute), 1)
	if full.Limit == 0 {
		con.record(c, store.Attempt{Kind: "console_refused", Reason: "ip_limited"})
		return con.renderLogin(c, http.StatusTooManyRequests,
			fmt.Sprintf("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút.", mins))
	}
	con.record(c, store.Attempt{Kind: "console_refused", Reason: "console_locked"})
	return con.renderLogin(c, http.StatusLocked,
		fmt.Sprintf("Đăng nhập quản trị đang tạm khóa do có quá nhiều lần nhập sai mật khẩu. Vui lòng thử lại sau %d phút.", mins))
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
