package portal

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// Identity is the citizen as the portal learned it from the identity provider's claims.
type Identity struct {
	Subject     string   `json:"sub"`
	Name        string   `json:"name"`
	IDNumber    string   `json:"id_number"`
	Birthdate   string   `json:"birthdate,omitempty"` // YYYY-MM-DD
	Gender      string   `json:"gender,omitempty"`
	Phone       string   `json:"phone,omitempty"`
	ACR         string   `json:"acr,omitempty"`
	AMR         []string `json:"amr,omitempty"`
	AccountType string   `json:"account_type,omitempty"` // LoaiTaiKhoan: the account level
}

// BirthdateVN is the date of birth as dd/mm/yyyy.
func (id *Identity) BirthdateVN() string { return web.DateVN(id.Birthdate) }

// GenderVN is the gender in Vietnamese, whether the provider sent "Nam"/"Nữ" or the
// OpenID Connect "male"/"female".
func (id *Identity) GenderVN() string {
	switch strings.ToLower(id.Gender) {
	case "male":
		return "Nam"
	case "female":
		return "Nữ"
	}
	return id.Gender
}

// PhoneVN is the phone number in the national form (0912345678) even when the provider sent
// E.164 (+84912345678).
func (id *Identity) PhoneVN() string {
	if rest, ok := strings.CutPrefix(id.Phone, "+84"); ok {
		return "0" + rest
	}
	return id.Phone
}

// AccountLevel names the account type from LoaiTaiKhoan (the level), else from acr.
func (id *Identity) AccountLevel() string {
	switch first(id.AccountType, id.ACR) {
	case "1":
		return "Tài khoản định danh điện tử mức 1"
	case "2":
		return "Tài khoản định danh điện tử mức 2"
	}
	return "Tài khoản định danh điện tử"
}

// LoginMethod says how the citizen authenticated, read from amr (RFC 8176 values): the QR
// login proves the app ("swk") and the passcode ("pin"); the direct login the password and
// one code: SMS ("sms"), the in-app code ("swk") or an authenticator app ("otp").
func (id *Identity) LoginMethod() string {
	has := func(v string) bool { return slices.Contains(id.AMR, v) }
	switch {
	case has("swk") && has("pin"), has("qr"):
		return "Quét mã QR bằng ứng dụng VNeID"
	case has("pwd") && has("sms"):
		return "Số định danh cá nhân, mật khẩu và mã OTP gửi qua SMS"
	case has("pwd") && (has("otp") || has("totp")):
		return "Số định danh cá nhân, mật khẩu và mã từ ứng dụng xác thực"
	case has("pwd") && (has("swk") || has("app")):
		return "Số định danh cá nhân, mật khẩu và mã xác nhận đăng nhập gửi tới ứng dụng VNeID"
	case has("pwd"):
		return "Số định danh cá nhân và mật khẩu"
	}
	return "Tài khoản định danh điện tử"
}

// accountPage is "Thông tin tài khoản": the identity claims the portal received.
type accountPage struct {
	frame
	Sessions      *idpSessions // the citizen's sessions at the identity provider
	SessionsError string       // why they are missing (catalog key)
}

// showAccount shows the logged-in citizen's account, or sends an anonymous visitor to log in.
func (p *Portal) showAccount(c echo.Context) error {
	user, err := p.currentUser(c)
	if err != nil {
		return err
	}
	if user == nil {
		return redirect(c, "/dang-nhap")
	}
	page := &accountPage{frame: p.newFrame(c, "Thông tin tài khoản - Cổng Dịch vụ công Quốc gia", user)}
	page.Flash = endedFlash(c.QueryParam("ended"))
	p.loadSessions(c, page)
	return p.d.Render.Page(c, http.StatusOK, "portal/account", page)
}
