// Package console is the operator console: the trainer's view of the demo citizens, the SMS
// outbox, the audit log, the effective settings and a printable demo sheet.
package console

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
	"dvclogin/app/regulator"
	"dvclogin/app/web"
	"dvclogin/store"
)

// Deps is what the console is built from: the only actor that holds the operator's password
// hash, and the one that manages citizens directly in the store.
type Deps struct {
	web.Site
	Store             *store.Store
	Hasher            *web.Hasher
	Regulator         *regulator.Regulator // the console login's limits
	Sessions          *web.Sessions
	Session           web.SessionKind // the console's cookie and lifetimes
	CSRF              *web.CSRF
	AdminPasswordHash func(context.Context) (string, error) // argon2id PHC of the console password, as stored now
	Limits            web.Limits                            // shown on the settings and citizens pages
	SecondFactor      string                                // the direct login's default second factor: sms | app
	SMSCommand        string                                // how real SMS leave, shown on the settings page ("" when not)
	SMSWebhook        string
	HTTPS             web.HTTPS // how phones get HTTPS, shown on the dashboard
	// ResetDemo puts the demo data back as a first start seeds it, keeping the session whose
	// digest it is given; by is the audit event of the reset.
	ResetDemo func(ctx context.Context, keepSession string, by store.Event) (store.DemoData, error)
}

// Console is the operator console actor.
type Console struct {
	d        Deps
	sessions *web.SessionStore[sessionData]
}

// New builds the console; Mount puts its pages on a router.
func New(d Deps) *Console {
	return &Console{d: d, sessions: web.NewSessionStore[sessionData](d.Sessions, d.Session)}
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
	Flash     string `json:"flash,omitempty"`      // one-time message shown on the next page, in the language of the request that left it
	FlashKind string `json:"flash_kind,omitempty"` // ok | error
}

const ctxSession = "console.session"

// requireOperator lets only a logged-in operator through. A browser without one is sent to
// the login page, remembering the page it asked for; JSON polling gets a 401.
func (con *Console) requireOperator(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s, err := con.sessions.LoadOrNew(c)
		if err != nil {
			return err
		}
		if s.Data.Operator {
			// Touch the session at most once a minute: the outbox page polls every few
			// seconds and each touch is a write.
			if err := con.sessions.Touch(c, s, time.Minute); err != nil {
				return err
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
		if s.IDHash == "" {
			s.ExpiresAt = s.CreatedAt.Add(anonymousTTL)
		}
		s.Data.Next = r.URL.Path
		if err := con.sessions.Save(c, s); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/console/login")
	}
}

// operatorSession returns the session requireOperator loaded.
func operatorSession(c echo.Context) *web.Session[sessionData] {
	s, _ := c.Get(ctxSession).(*web.Session[sessionData])
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
	if s.Data.Flash == "" {
		return sh, nil
	}
	sh.Flash, sh.FlashKind = s.Data.Flash, s.Data.FlashKind
	s.Data.Flash, s.Data.FlashKind = "", ""
	return sh, con.sessions.Save(c, s)
}

// flash stores a one-time message for the next page, written in this request's language (the
// next page is the same browser's, with the same language).
func (con *Console) flash(c echo.Context, kind string, msg i18n.Message) error {
	s := operatorSession(c)
	s.Data.Flash, s.Data.FlashKind = msg.In(web.Lang(c)), kind
	return con.sessions.Save(c, s)
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
func duration(d time.Duration) i18n.Message {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return i18n.Msg("%d giờ", int(d/time.Hour))
	case d >= time.Minute && d%time.Minute == 0:
		return i18n.Msg("%d phút", int(d/time.Minute))
	case d%time.Second == 0:
		return i18n.Msg("%d giây", int(d/time.Second))
	}
	return i18n.Msg(d.String())
}

// upperFirst is s with its first letter in upper case: a word of the catalog that begins a
// label ("bật" is "Bật" in a table, and "on" is "On"). The catalog has no context, and the
// capitalised words stand for actions elsewhere ("Tắt" is "Turn off" on a button).
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// remaining writes the time left until a deadline, rounded up: "còn 14 phút", "còn 40 giây".
func remaining(d time.Duration) i18n.Message {
	if d < time.Minute {
		return i18n.Msg("còn %d giây", int((d+time.Second-1)/time.Second))
	}
	return i18n.Msg("còn %d phút", int((d+time.Minute-1)/time.Minute))
}
