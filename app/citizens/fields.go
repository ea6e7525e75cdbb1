// Package citizens holds the rules of a citizen record as an operator enters it (command-line
// flags, the console's forms, a CSV file), the CSV format, and the made-up visitors of a class.
// The command line and the console both add citizens through it, so a value refused in one is
// refused in the other, in the same Vietnamese words. The rules live here rather than in store:
// they use the secret rules of app/web and speak Vietnamese (each message is a catalog key, so a
// page shows it in its own language); the store keeps what only its transaction can check (a
// taken ID number or phone number).
package citizens

import (
	"fmt"
	"strings"
	"time"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// The field keys: the console form's inputs, and the CSV's column names of earlier versions
// (still read). The CSV and the command line have their own names (CSVColumn, FlagName).
const (
	FieldID       = "id"
	FieldName     = "name"
	FieldBirth    = "birth"
	FieldGender   = "gender"
	FieldPhone    = "phone"
	FieldLevel    = "level"
	FieldWebLogin = "web_login"
	FieldPassword = "password"
	FieldPasscode = "passcode"
)

// Columns returns the field keys in the CSV's column order.
func Columns() []string {
	return []string{FieldID, FieldName, FieldBirth, FieldGender, FieldPhone, FieldLevel, FieldWebLogin,
		FieldPassword, FieldPasscode}
}

// csvColumns and flagNames name each field in a CSV header and on the command line. Scripts
// and spreadsheets outside the program rely on both, so they never change.
var (
	csvColumns = map[string]string{FieldID: "so_dinh_danh", FieldName: "ho_ten", FieldBirth: "ngay_sinh",
		FieldGender: "gioi_tinh", FieldPhone: "so_dien_thoai", FieldLevel: "muc", FieldWebLogin: "dang_nhap_website",
		FieldPassword: "mat_khau", FieldPasscode: "passcode"}
	flagNames = map[string]string{FieldID: "id-number", FieldName: "name", FieldBirth: "birth-date",
		FieldGender: "gender", FieldPhone: "phone", FieldLevel: "level", FieldWebLogin: "web-login",
		FieldPassword: "password", FieldPasscode: "passcode"}
)

// CSVColumn is a field's column name in a CSV file.
func CSVColumn(key string) string { return csvColumns[key] }

// FlagName is a field's flag on the command line, without the dash.
func FlagName(key string) string { return flagNames[key] }

// CSVHeader is the header line every CSV file written has, in column order.
func CSVHeader() []string {
	cols := Columns()
	for i, key := range cols {
		cols[i] = csvColumns[key]
	}
	return cols
}

// Fields are a citizen's fields as an operator typed them. Level, WebLogin, Password and
// Passcode may be empty: level 2, web login on, and the demo password and passcode.
type Fields struct {
	IDNumber string // số định danh cá nhân, 12 digits
	Name     string // họ và tên
	Birth    string // ngày sinh, YYYY-MM-DD or dd/mm/yyyy
	Gender   string // Nam | Nữ
	Phone    string // 0xxxxxxxxx or +84xxxxxxxxx
	Level    string // 1 | 2
	WebLogin string // có/không, 1/0, …
	Password string
	Passcode string
}

// Field returns the field named by key, for filling Fields by column or flag name; nil for an
// unknown key.
func (f *Fields) Field(key string) *string {
	switch key {
	case FieldID:
		return &f.IDNumber
	case FieldName:
		return &f.Name
	case FieldBirth:
		return &f.Birth
	case FieldGender:
		return &f.Gender
	case FieldPhone:
		return &f.Phone
	case FieldLevel:
		return &f.Level
	case FieldWebLogin:
		return &f.WebLogin
	case FieldPassword:
		return &f.Password
	case FieldPasscode:
		return &f.Passcode
	}
	return nil
}

// FieldsOf returns a stored citizen's fields as the edit form shows them (no secrets).
func FieldsOf(c store.Citizen) Fields {
	f := Fields{IDNumber: c.IDNumber, Name: c.FullName, Birth: BirthVN(c.BirthDate), Gender: c.Gender,
		Phone: c.Phone, Level: fmt.Sprint(c.Level), WebLogin: "0"}
	if c.WebLogin {
		f.WebLogin = "1"
	}
	return f
}

// Problem is one refused value: the CSV line it is on (0 outside a file), the field (a key
// above; "" for the file or a whole line) and what to do, in Vietnamese (Msg, as the command
// line prints it) and in any language (Text, the same message as a catalog key).
type Problem struct {
	Line  int
	Field string
	Msg   string
	Text  i18n.Message
}

// problem is the Problem saying m.
func problem(line int, field string, m i18n.Message) Problem {
	return Problem{Line: line, Field: field, Msg: m.String(), Text: m}
}

// Message is what to do, to show in any language; a Problem made with only Msg says Msg.
func (p Problem) Message() i18n.Message {
	if p.Text.Key == "" {
		return i18n.Msg(p.Msg)
	}
	return p.Text
}

// In is the problem with its line and column, in l: what an import page lists.
func (p Problem) In(l i18n.Lang) string {
	msg := p.Message().In(l)
	switch {
	case p.Line > 0 && p.Field != "":
		return l.F("Dòng %d, cột %s: %s", p.Line, CSVColumn(p.Field), msg)
	case p.Line > 0:
		return l.F("Dòng %d: %s", p.Line, msg)
	case p.Field != "":
		return p.Field + ": " + msg
	}
	return msg
}

func (p Problem) String() string { return p.In(i18n.Vi) }

// Problems are every refused value of an input. As an error it lists them, one a line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Of returns the message for one field ("" when it is fine), for a form to show beside it.
func (ps Problems) Of(field string) string {
	for _, p := range ps {
		if p.Field == field {
			return p.Msg
		}
	}
	return ""
}

// MessageOf is Of as a message to show in any language (its Key "" when the field is fine).
func (ps Problems) MessageOf(field string) i18n.Message {
	for _, p := range ps {
		if p.Field == field {
			return p.Message()
		}
	}
	return i18n.Message{}
}

// Draft is a checked new citizen: the record without its hashes yet, and its secrets in the
// clear until Create hashes them (they are never stored so).
type Draft struct {
	Citizen  store.Citizen
	Password string
	Passcode string
	Line     int // the CSV line it came from; 0 otherwise
}

// Check turns what an operator typed into a new citizen, or says what is wrong with every
// field. now is the clock: a birth date may not be after today.
func Check(f Fields, now time.Time) (Draft, Problems) {
	var ps Problems
	add := func(field string, msg i18n.Message) {
		if msg.Key != "" {
			ps = append(ps, problem(0, field, msg))
		}
	}
	c, recordProblems := checkRecord(f, now)
	ps = append(ps, recordProblems...)
	idNumber, msg := parseIDNumber(f.IDNumber)
	add(FieldID, msg)
	c.IDNumber = idNumber
	if msg.Key == "" && recordProblems.Of(FieldBirth) == "" && recordProblems.Of(FieldGender) == "" {
		add(FieldID, idMatches(idNumber, c.BirthDate, c.Gender))
	}
	d := Draft{Citizen: c, Password: f.Password, Passcode: f.Passcode}
	if d.Password == "" {
		d.Password = store.DemoPassword
	}
	if d.Passcode == "" {
		d.Passcode = store.DemoPasscode
	}
	// The same secret rules as every other place that sets a secret.
	add(FieldPassword, secretProblem(web.CheckPassword(d.Password, idNumber, c.Phone)))
	add(FieldPasscode, secretProblem(web.CheckPasscode(d.Passcode, c.BirthDate)))
	d.Citizen.PasswordIsDemo = d.Password == store.DemoPassword
	d.Citizen.PasscodeIsDemo = d.Passcode == store.DemoPasscode
	return d, ps
}

// CheckEdit applies an operator's edit to a stored citizen: every field but the ID number and
// the secrets (which have their own actions). The birth date and gender must still agree with
// the ID number.
func CheckEdit(cit store.Citizen, f Fields, now time.Time) (store.Citizen, Problems) {
	c, ps := checkRecord(f, now)
	if ps.Of(FieldBirth) == "" && ps.Of(FieldGender) == "" && idMatches(cit.IDNumber, c.BirthDate, c.Gender).Key != "" {
		msg := i18n.Msg("Ngày sinh và giới tính phải khớp với số định danh %s (%s).", cit.IDNumber, describeID(cit.IDNumber))
		ps = append(ps, problem(0, FieldBirth, msg), problem(0, FieldGender, msg))
	}
	cit.FullName, cit.BirthDate, cit.Gender, cit.Phone = c.FullName, c.BirthDate, c.Gender, c.Phone
	cit.Level, cit.WebLogin = c.Level, c.WebLogin
	return cit, ps
}

// checkRecord checks the fields a citizen has beside the ID number and the secrets.
func checkRecord(f Fields, now time.Time) (store.Citizen, Problems) {
	var ps Problems
	add := func(field string, msg i18n.Message) {
		if msg.Key != "" {
			ps = append(ps, problem(0, field, msg))
		}
	}
	var c store.Citizen
	var msg i18n.Message
	c.FullName, msg = parseName(f.Name)
	add(FieldName, msg)
	c.BirthDate, msg = parseBirth(f.Birth, now)
	add(FieldBirth, msg)
	c.Gender, msg = parseGender(f.Gender)
	add(FieldGender, msg)
	c.Phone, msg = parsePhone(f.Phone)
	add(FieldPhone, msg)
	c.Level, msg = parseLevel(f.Level)
	add(FieldLevel, msg)
	c.WebLogin, msg = parseWebLogin(f.WebLogin)
	add(FieldWebLogin, msg)
	return c, ps
}
