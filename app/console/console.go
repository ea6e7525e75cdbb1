// Package console is the operator console: the trainer's view of the demo citizens, the SMS
// outbox, the audit log, the effective settings and a printable demo sheet.
package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// Console is the operator console actor.
type Console struct {
	d       *web.Deps
	session web.SessionKind
	csrf    *web.CSRF
}

// anonymousTTL bounds a session that only remembers where an operator wanted to go before
// logging in, so unauthenticated visits cannot pile up long-lived rows.
const anonymousTTL = 15 * time.Minute

// vnZone is Vietnam time: "today" on the dashboard starts at midnight there.
var vnZone = time.FixedZone("ICT", 7*3600)

// sessionData is the console session's JSON.
type sessionData struct {
	Operator  bool   `json:"operator,omitempty"`   // the console password was given
	Next      string `json:"next,omitempty"`       // console page to open after login
	Flash     string `json:"flash,omitempty"`      // one-time message shown on the next page
	FlashKind string `json:"flash_kind,omitempty"` // ok | error
}

// Register mounts the console under g (/console).
func Register(g *echo.Group, d *web.Deps) error {
	con := &Console{
		d:       d,
		session: d.BrowserSession("console", "/console"),
		csrf:    d.CSRFFor("console", "/console"),
	}
	g.Use(web.NoStoreMiddleware, con.csrf.Middleware())
	g.GET("/login", con.showLogin)
	g.POST("/login", con.submitLogin)
	g.POST("/logout", con.submitLogout)

	g.GET("", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/console/") })

	a := g.Group("", con.requireOperator)
	a.GET("/", con.showDashboard)
	a.GET("/qr/app.svg", con.showAppQR)
	a.GET("/citizens", con.showCitizens)
	a.POST("/citizens/:id/unlock", con.submitUnlock)
	a.POST("/citizens/:id/passcode", con.submitPasscode)
	a.POST("/citizens/:id/web-login", con.submitWebLogin)
	a.POST("/citizens/:id/password", con.submitPassword)
	a.POST("/citizens/:id/end-app-sessions", con.submitEndAppSessions)
	a.POST("/citizens/:id/sim-transfer", con.submitSIMTransfer)
	a.GET("/messages", con.showMessages)
	a.GET("/messages.json", con.listMessagesJSON)
	a.GET("/audit", con.showAudit)
	a.GET("/settings", con.showSettings)
	a.GET("/guide", con.showGuide)
	return nil
}

const ctxSession = "console.session"

// requireOperator lets only a logged-in operator through. A browser without one is sent to
// the login page, remembering the page it asked for; JSON polling gets a 401.
func (con *Console) requireOperator(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, data, err := con.load(c)
		if err != nil {
			return err
		}
		if s != nil && data.Operator {
			// Touch the session at most once a minute: the outbox page polls every few
			// seconds and each touch is a write.
			if con.d.Now().Sub(s.SeenAt) > time.Minute {
				if err := con.d.Sessions.Save(c, s); err != nil {
					return err
				}
			}
			c.Set(ctxSession, s)
			return next(c)
		}
		r := c.Request()
		if strings.HasSuffix(r.URL.Path, ".json") || r.Method != http.MethodGet {
			return &web.Error{Status: http.StatusUnauthorized, Code: "unauthorized",
				Msg: "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."}
		}
		// Remember only real pages (not images, not unknown paths): it takes a write, and
		// after login the operator should land on a page.
		if strings.HasSuffix(c.Path(), "*") || strings.Contains(r.URL.Path, ".") {
			return c.Redirect(http.StatusSeeOther, "/console/login")
		}
		if s == nil {
			s = con.d.Sessions.New(con.session)
			s.ExpiresAt = s.CreatedAt.Add(anonymousTTL)
		}
		data.Next = r.URL.Path
		if err := s.Set(data); err != nil {
			return err
		}
		if err := con.d.Sessions.Save(c, s); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/console/login")
	}
}

// load returns the browser's console session and its data (nil and empty without one).
func (con *Console) load(c echo.Context) (*web.Session, sessionData, error) {
	var data sessionData
	s, err := con.d.Sessions.Load(c, con.session)
	if err != nil || s == nil {
		return nil, data, err
	}
	if err := s.Get(&data); err != nil {
		return nil, data, err
	}
	return s, data, nil
}

// operatorSession returns the session requireOperator loaded.
func operatorSession(c echo.Context) *web.Session {
	s, _ := c.Get(ctxSession).(*web.Session)
	return s
}

// shell is what every console page shows around its content: the nav and a flash message.
type shell struct {
	Active    string // nav entry of this page
	Flash     string
	FlashKind string
}

// newShell takes the pending flash message out of the session, so it shows once.
func (con *Console) newShell(c echo.Context, active string) (shell, error) {
	sh := shell{Active: active}
	s := operatorSession(c)
	if s == nil {
		return sh, nil
	}
	var data sessionData
	if err := s.Get(&data); err != nil {
		return sh, err
	}
	if data.Flash == "" {
		return sh, nil
	}
	sh.Flash, sh.FlashKind = data.Flash, data.FlashKind
	data.Flash, data.FlashKind = "", ""
	if err := s.Set(data); err != nil {
		return sh, err
	}
	return sh, con.d.Sessions.Save(c, s)
}

// flash stores a one-time message for the next page.
func (con *Console) flash(c echo.Context, kind, msg string) error {
	s := operatorSession(c)
	var data sessionData
	if err := s.Get(&data); err != nil {
		return err
	}
	data.Flash, data.FlashKind = msg, kind
	if err := s.Set(data); err != nil {
		return err
	}
	return con.d.Sessions.Save(c, s)
}

// audit records a console event; a failure to audit is logged, never shown.
func (con *Console) audit(c echo.Context, action, citizenID, detail string) {
	err := con.d.Store.Audit(c.Request().Context(), store.Event{At: con.d.Now(), Actor: "console",
		Action: action, CitizenID: citizenID, IP: c.RealIP(), Detail: detail})
	if err != nil {
		con.d.Log.Warn("audit failed", "action", action, "err", err)
	}
}

// busy is the answer when password hashing is saturated.
func busy(err error) *web.Error {
	return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Msg: web.MsgBusy, Err: err, RetryAfter: 2}
}

// startOfDay is midnight (Vietnam time) of the day t falls on.
func startOfDay(t time.Time) time.Time {
	t = t.In(vnZone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, vnZone)
}

// duration writes a duration the way a person says it: "15 phút", "10 giây", "12 giờ".
func duration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d giờ", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d phút", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d giây", d/time.Second)
	}
	return d.String()
}

// remaining writes the time left until a deadline, rounded up: "còn 14 phút", "còn 40 giây".
func remaining(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("còn %d giây", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("còn %d phút", int((d+time.Minute-1)/time.Minute))
}
