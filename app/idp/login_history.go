package idp

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// "Lịch sử đăng nhập": the citizen's latest logins, how, to which service, from where and when.

// loginHistoryLimit is how many logins the app shows.
const loginHistoryLimit = 20

// loginMethods names each way of logging in the history records.
var loginMethods = map[string]string{
	"qr":            "Quét mã QR bằng ứng dụng VNeID",
	"password_sms":  "Mật khẩu và mã OTP qua SMS",
	"password_app":  "Mật khẩu và mã xác nhận trong ứng dụng VNeID",
	"password_totp": "Mật khẩu và mã từ ứng dụng xác thực (TOTP)",
	"sso":           "Phiên đăng nhập sẵn có (đăng nhập một lần)",
	"app":           "Đăng nhập ứng dụng VNeID",
	"device":        "Mã đăng nhập tại quầy, xác nhận bằng ứng dụng VNeID",
}

// appServiceName is the service of an app login: the app itself.
const appServiceName = "Ứng dụng VNeID"

// loginMethod reads how a web login authenticated from its amr (RFC 8176 values).
func loginMethod(amr []string) string {
	has := func(v string) bool { return slices.Contains(amr, v) }
	switch {
	case has("pwd") && has("sms"):
		return "password_sms"
	case has("pwd") && has("otp"):
		return "password_totp"
	case has("pwd") && has("swk"):
		return "password_app"
	case has("swk") && has("pin"):
		return "qr"
	}
	return "sso"
}

// recordLogin adds a successful login to the citizen's history: a failure is logged, never
// shown (the login itself succeeded). authRequestID names the service of a web login; "" for
// the app.
func (p *IdP) recordLogin(c echo.Context, citizenID, method, authRequestID string, at time.Time) {
	ua := c.Request().UserAgent()
	if len(ua) > 512 {
		ua = ua[:512]
	}
	if err := p.d.Store.RecordLogin(c.Request().Context(), store.LoginRecord{CitizenID: citizenID, At: at,
		Method: method, GrantID: authRequestID, IP: c.RealIP(), UserAgent: ua}); err != nil {
		p.d.Log.Warn("login history not recorded", "method", method, "err", err)
	}
}

// appLoginView is one line of the history.
type appLoginView struct {
	Method     string    `json:"method"`
	MethodName string    `json:"method_name"`
	ClientID   string    `json:"client_id,omitempty"`
	Service    string    `json:"service"`
	Browser    string    `json:"browser"`
	IP         string    `json:"ip"`
	At         time.Time `json:"at"`
}

// showAppLogins lists the citizen's latest logins, newest first (GET /logins).
func (p *IdP) showAppLogins(c echo.Context) error {
	ctx := c.Request().Context()
	l := web.Lang(c)
	recs, err := p.d.Store.LoginHistory(ctx, appCitizen(c).ID, loginHistoryLimit)
	if err != nil {
		return err
	}
	out := make([]appLoginView, 0, len(recs))
	for _, r := range recs {
		service := appServiceName
		if r.ClientID != "" {
			if service, err = p.oidc.ClientName(ctx, r.ClientID); err != nil {
				return err
			}
			if service == "" {
				service = r.ClientID
			}
		}
		name := r.Method
		if n, ok := loginMethods[r.Method]; ok {
			name = l.T(n)
		}
		out = append(out, appLoginView{Method: r.Method, MethodName: name, ClientID: r.ClientID, Service: l.T(service),
			Browser: browserIn(l, describeBrowser(r.UserAgent)), IP: r.IP, At: r.At})
	}
	return c.JSON(http.StatusOK, map[string]any{"logins": out})
}
