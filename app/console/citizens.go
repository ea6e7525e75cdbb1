package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/citizens"
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
	MaxVisitors     int // the most visitor accounts "Tạo N tài khoản khách" makes at once
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
	Text    string
	Blocked bool // the citizen cannot use this secret right now
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
	now := con.d.Now()
	rows := make([]citizenRow, 0, len(list))
	for _, cit := range list {
		rows = append(rows, citizenRow{ID: cit.ID, IDNumber: cit.IDNumber, FullName: cit.FullName,
			BirthDate: cit.BirthDate, Gender: cit.Gender, Phone: cit.Phone, Level: cit.Level, WebLogin: cit.WebLogin,
			Password: con.passwordState(cit, now), Passcode: con.passcodeState(cit, now), SIM: simHolder(sims, cit.ID)})
	}
	sh, err := con.newShell(c, "citizens")
	if err != nil {
		return err
	}
	return con.d.Render.Page(c, http.StatusOK, "console/citizens", &citizensPage{
		Page: web.NewPage(c, "Công dân demo"), shell: sh, Citizens: rows, DefaultPasscode: defaultPasscode,
		MaxVisitors: citizens.MaxVisitors})
}

func (con *Console) passwordState(cit store.Citizen, now time.Time) ruleState {
	if cit.LockedUntil.After(now) {
		return ruleState{Blocked: true, Text: fmt.Sprintf("Đang khóa đến %s (%s)",
			web.TimeVN(cit.LockedUntil), remaining(cit.LockedUntil.Sub(now)))}
	}
	if cit.PasswordFailures > 0 {
		return ruleState{Text: fmt.Sprintf("Sai %d/%d lần liên tiếp", cit.PasswordFailures, con.d.Limits.PasswordMaxFailures)}
	}
	return ruleState{Text: "Bình thường"}
}

func (con *Console) passcodeState(cit store.Citizen, now time.Time) ruleState {
	lim := con.d.Limits
	switch {
	case cit.PasscodeLocked:
		return ruleState{Blocked: true, Text: fmt.Sprintf("Đã khóa (sai %d lần): cần đặt lại", cit.PasscodeFailures)}
	case cit.PasscodeCooldownUntil.After(now):
		return ruleState{Blocked: true, Text: fmt.Sprintf("Sai %d/%d lần, tạm chờ đến %s (%s)", cit.PasscodeFailures,
			lim.PasscodeLockAt, web.TimeVN(cit.PasscodeCooldownUntil), remaining(cit.PasscodeCooldownUntil.Sub(now)))}
	case cit.PasscodeFailures > 0:
		return ruleState{Text: fmt.Sprintf("Sai %d/%d lần", cit.PasscodeFailures, lim.PasscodeLockAt)}
	}
	return ruleState{Text: "Bình thường"}
}
