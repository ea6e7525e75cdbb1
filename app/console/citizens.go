package console

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/citizens"
	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// defaultPasscode is what the reset form proposes: the seed's passcode, so a reset account
// works again with the value printed on the demo sheet.
const defaultPasscode = store.DemoPasscode

// citizensPage is "Công dân demo": every citizen with the state of each login rule and the
// operator's actions.
type citizensPage struct {
	web.Page
	shell
	Citizens        []citizenRow
	DefaultPasscode string
	MaxVisitors     int    // the most visitor accounts "Tạo N tài khoản khách" makes at once
	On, Off         string // a state in the page's language ("Bật", "Tắt")
}

// citizenRow is one citizen as the operator sees it, with the login rules' state already put
// into words.
type citizenRow struct {
	ID        string
	IDNumber  string
	FullName  string
	BirthDate string
	Gender    string
	Phone     string
	Level     int
	WebLogin  bool
	Password  ruleState
	Passcode  ruleState
	SIM       string // which simulated device holds the number's SIM
}

// ruleState is the state of one login rule (password lock, passcode lock) for one citizen.
type ruleState struct {
	Text    string // in the page's language
	Blocked bool   // the citizen cannot use this secret right now
}

func (con *Console) showCitizens(c echo.Context) error {
	list, err := con.d.Store.ListCitizens(c.Request().Context())
	if err != nil {
		return err
	}
	sims, err := con.d.Store.ListSIMs(c.Request().Context())
	if err != nil {
		return err
	}
	now, l := con.d.Now(), web.Lang(c)
	rows := make([]citizenRow, 0, len(list))
	for _, cit := range list {
		rows = append(rows, citizenRow{ID: cit.ID, IDNumber: cit.IDNumber, FullName: cit.FullName,
			BirthDate: cit.BirthDate, Gender: cit.Gender, Phone: cit.Phone, Level: cit.Level, WebLogin: cit.WebLogin,
			Password: con.passwordState(cit, now).in(l), Passcode: con.passcodeState(cit, now).in(l),
			SIM: simHolder(sims, cit.ID).In(l)})
	}
	sh, err := con.newShell(c, "citizens")
	if err != nil {
		return err
	}
	return con.d.Render.Page(c, http.StatusOK, "console/citizens", &citizensPage{
		Page: web.NewPage(c, "Công dân demo"), shell: sh, Citizens: rows, DefaultPasscode: defaultPasscode,
		MaxVisitors: citizens.MaxVisitors, On: upperFirst(l.T("bật")), Off: upperFirst(l.T("tắt"))})
}

// ruleMessage is a rule's state before it is put into a page's language.
type ruleMessage struct {
	Text    i18n.Message
	Blocked bool
}

func (r ruleMessage) in(l i18n.Lang) ruleState {
	return ruleState{Text: r.Text.In(l), Blocked: r.Blocked}
}

func (con *Console) passwordState(cit store.Citizen, now time.Time) ruleMessage {
	if cit.LockedUntil.After(now) {
		return ruleMessage{Blocked: true, Text: i18n.Msg("Đang khóa đến %s (%s)",
			web.TimeVN(cit.LockedUntil), remaining(cit.LockedUntil.Sub(now)))}
	}
	if cit.PasswordFailures > 0 {
		return ruleMessage{Text: i18n.Msg("Sai %d/%d lần liên tiếp", cit.PasswordFailures, con.d.Limits.PasswordMaxFailures)}
	}
	return ruleMessage{Text: i18n.Msg("Bình thường")}
}

func (con *Console) passcodeState(cit store.Citizen, now time.Time) ruleMessage {
	lim := con.d.Limits
	switch {
	case cit.PasscodeLocked:
		return ruleMessage{Blocked: true, Text: i18n.Msg("Đã khóa (sai %d lần): cần đặt lại", cit.PasscodeFailures)}
	case cit.PasscodeCooldownUntil.After(now):
		return ruleMessage{Blocked: true, Text: i18n.Msg("Sai %d/%d lần, tạm chờ đến %s (%s)", cit.PasscodeFailures,
			lim.PasscodeLockAt, web.TimeVN(cit.PasscodeCooldownUntil), remaining(cit.PasscodeCooldownUntil.Sub(now)))}
	case cit.PasscodeFailures > 0:
		return ruleMessage{Text: i18n.Msg("Sai %d/%d lần", cit.PasscodeFailures, lim.PasscodeLockAt)}
	}
	return ruleMessage{Text: i18n.Msg("Bình thường")}
}
