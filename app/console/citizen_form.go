package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/citizens"
	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// "Thêm công dân" and "Sửa thông tin": one form for a new citizen and for an edit (every field
// but the ID number and the secrets, which have their own actions). A refused form comes back
// with what was typed and a message beside each wrong field, in the page's language.

// citizenFormPage is the form, empty, filled from a citizen, or as it was sent.
type citizenFormPage struct {
	web.Page
	shell
	Editing  bool
	Action   string // where the form posts
	IDNumber string // the ID number of the citizen edited (not editable)
	Fields   citizens.Fields
	Problems citizens.Problems
	Inputs   []formInput // the form's controls, in order, built from Fields and Problems
}

// formInput is one control of the form with its value and, when refused, the reason: its words
// in the page's language.
type formInput struct {
	Key, Label, Value, Problem, Hint string
	InputMode                        string        // numeric, tel, … ("" for text)
	Options                          []inputOption // a select when not empty
}

type inputOption struct {
	Value, Label string
	Selected     bool
}

func (con *Console) renderCitizenForm(c echo.Context, status int, p *citizenFormPage) error {
	sh, err := con.newShell(c, "citizens")
	if err != nil {
		return err
	}
	p.shell = sh
	title := "Thêm công dân"
	if p.Editing {
		title = "Sửa thông tin công dân"
	}
	p.Page = web.NewPage(c, title)
	p.Here = p.Action // the form's address, also when it answers its own POST
	p.Inputs = formInputs(web.Lang(c), p.Fields, p.Problems, p.Editing)
	return con.d.Render.Page(c, status, "console/citizen-form", p)
}

// formInputs lays out the form: every field of a new citizen; for an edit, all but the ID
// number and the secrets.
func formInputs(l i18n.Lang, f citizens.Fields, ps citizens.Problems, editing bool) []formInput {
	in := func(key, label, hint, mode string) formInput {
		return formInput{Key: key, Label: l.T(label), Value: *f.Field(key), Problem: ps.MessageOf(key).In(l),
			Hint: l.T(hint), InputMode: mode}
	}
	choice := func(key, label string, options ...inputOption) formInput {
		fi := in(key, label, "", "")
		for i := range options {
			options[i].Selected = options[i].Value == fi.Value
			options[i].Label = upperFirst(l.T(options[i].Label))
		}
		fi.Options = options
		return fi
	}
	var out []formInput
	if !editing {
		out = append(out, in(citizens.FieldID, "Số định danh cá nhân",
			"12 chữ số: mã tỉnh nơi đăng ký khai sinh (3), mã thế kỷ và giới tính (1), năm sinh (2), 6 số ngẫu nhiên.", "numeric"))
	}
	out = append(out,
		in(citizens.FieldName, "Họ và tên", "Chữ cái tiếng Việt, từ 2 đến 100 ký tự.", ""),
		in(citizens.FieldBirth, "Ngày sinh", "dd/mm/yyyy, ví dụ 12/03/1985.", ""),
		choice(citizens.FieldGender, "Giới tính", inputOption{Value: "", Label: "Chọn giới tính"},
			inputOption{Value: "Nam", Label: "Nam"}, inputOption{Value: "Nữ", Label: "Nữ"}),
		in(citizens.FieldPhone, "Số điện thoại di động", "10 chữ số bắt đầu bằng 0, hoặc +84. Tin nhắn SMS (mô phỏng) gửi đến số này.", "tel"),
		choice(citizens.FieldLevel, "Mức tài khoản", inputOption{Value: "2", Label: "Mức 2 (đăng nhập được Cổng DVC)"},
			inputOption{Value: "1", Label: "Mức 1 (bị từ chối, cần nâng cấp)"}),
		choice(citizens.FieldWebLogin, "Đăng nhập trên website", inputOption{Value: "1", Label: "bật"},
			inputOption{Value: "0", Label: "Tắt (để trình diễn bước cấp quyền trong ứng dụng)"}),
	)
	if !editing {
		out = append(out,
			in(citizens.FieldPassword, "Mật khẩu", "", ""),
			in(citizens.FieldPasscode, "Passcode (ứng dụng VNeID)", "", "numeric"))
		out[len(out)-2].Hint = l.F("Để trống: mật khẩu demo %s. Ít nhất 8 ký tự, không dùng mật khẩu phổ biến, số định danh hay số điện thoại.",
			store.DemoPassword)
		out[len(out)-1].Hint = l.F("Để trống: passcode demo %s. 6 chữ số, không lặp, không liên tiếp, không phải ngày sinh.", store.DemoPasscode)
	}
	return out
}

// formFields reads the form's fields by their keys.
func formFields(c echo.Context) citizens.Fields {
	var f citizens.Fields
	for _, key := range citizens.Columns() {
		*f.Field(key) = c.FormValue(key)
	}
	return f
}

func (con *Console) showNewCitizen(c echo.Context) error {
	return con.renderCitizenForm(c, http.StatusOK, &citizenFormPage{Action: "/console/citizens/new",
		Fields: citizens.Fields{Level: "2", WebLogin: "1"}})
}

func (con *Console) submitNewCitizen(c echo.Context) error {
	f := formFields(c)
	now := con.d.Now()
	d, ps := citizens.Check(f, now)
	if len(ps) == 0 {
		accounts, err := citizens.Create(c.Request().Context(), con.d.Store, con.d.Hasher, []citizens.Draft{d}, now)
		switch {
		case errors.As(err, &ps):
		case errors.Is(err, web.ErrBusy):
			return busy(err)
		case err != nil:
			return err
		default:
			cit := accounts[0].Citizen
			con.audit(c, "citizen_created", cit.ID, "console form")
			return con.back(c, "ok", i18n.Msg("Đã thêm công dân %s, số định danh %s.", cit.FullName, cit.IDNumber))
		}
	}
	return con.renderCitizenForm(c, http.StatusBadRequest, &citizenFormPage{Action: "/console/citizens/new",
		Fields: f, Problems: ps})
}

func (con *Console) showEditCitizen(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	return con.renderCitizenForm(c, http.StatusOK, &citizenFormPage{Editing: true, Action: editAction(cit),
		IDNumber: cit.IDNumber, Fields: citizens.FieldsOf(cit)})
}

func editAction(cit store.Citizen) string { return "/console/citizens/" + cit.ID + "/edit" }

func (con *Console) submitEditCitizen(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	f := formFields(c)
	edited, ps := citizens.CheckEdit(cit, f, con.d.Now())
	if len(ps) == 0 {
		var dup *store.DuplicateError
		switch err := con.d.Store.UpdateCitizen(c.Request().Context(), edited); {
		case errors.As(err, &dup):
			m := i18n.Msg("Số điện thoại %s đã thuộc về một công dân khác.", edited.Phone)
			ps = citizens.Problems{{Field: citizens.FieldPhone, Msg: m.String(), Text: m}}
		case errors.Is(err, store.ErrNotFound):
			return &web.Error{Status: http.StatusNotFound, Code: "not_found", Msg: "Không tìm thấy công dân này."}
		case err != nil:
			return err
		default:
			con.audit(c, "citizen_updated", cit.ID, changes(cit, edited))
			return con.back(c, "ok", i18n.Msg("Đã lưu thông tin của %s.", edited.FullName))
		}
	}
	return con.renderCitizenForm(c, http.StatusBadRequest, &citizenFormPage{Editing: true, Action: editAction(cit),
		IDNumber: cit.IDNumber, Fields: f, Problems: ps})
}

// changes says which fields an edit changed, for the audit trail; a new phone number says that
// the old number's SIM left its device.
func changes(before, after store.Citizen) string {
	var out []string
	for _, f := range []struct {
		name          string
		before, after any
	}{
		{"name", before.FullName, after.FullName}, {"birth date", before.BirthDate, after.BirthDate},
		{"gender", before.Gender, after.Gender}, {"phone", before.Phone, after.Phone},
		{"level", before.Level, after.Level}, {"web login", before.WebLogin, after.WebLogin},
	} {
		if f.before != f.after {
			out = append(out, fmt.Sprintf("%s: %v -> %v", f.name, f.before, f.after))
		}
	}
	if len(out) == 0 {
		return "nothing changed"
	}
	if before.Phone != after.Phone {
		out = append(out, "the old number's SIM left its device")
	}
	return strings.Join(out, "; ")
}
