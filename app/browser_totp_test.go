package app_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// groupedSecret is a base32 secret as the app shows it for typing by hand: groups of four.
var groupedSecret = regexp.MustCompile(`^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$`)

// TestTOTPLoginInBrowser sets up an authenticator app in the phone's "Cài đặt" (passcode, the
// QR and the secret in groups of four, a first code), logs in on the desktop with số định
// danh, mật khẩu and a code from the authenticator (where the code step now starts, instead of
// the SMS), checks the portal names
// that login method, and turns the authenticator off again. The authenticator is this test,
// computing codes from the secret the app showed at the server's (fake) time.
func TestTOTPLoginInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop := startBrowser(t)
	const idNumber, name = "001085012345", "Nguyễn Văn An"
	code := func(secret string) string {
		c, err := totp.GenerateCode(secret, env.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	phone := desktop.newPhone()
	appSignIn(phone, env, idNumber, name)
	phone.click("#nav-settings")
	phone.phoneScreen("settings")
	phone.waitText("#totp-status", "Chưa thiết lập")
	phone.click("#totp-setup")
	phone.waitTextContains("#passcode-purpose", "ứng dụng xác thực")
	phone.enterPasscode(app.DemoPasscode)
	phone.phoneScreen("settings")
	shown := *waitFor(phone, "wait for the secret", visibleText("#totp-secret"), func(s *string) bool { return s != nil && *s != "" })
	if !groupedSecret.MatchString(shown) {
		t.Fatalf("the app shows the secret as %q, want base32 in groups of four", shown)
	}
	secret := strings.ReplaceAll(shown, " ", "")
	waitFor(phone, "wait for the setup QR to draw",
		`(() => { const i = document.getElementById("totp-qr"); return i.src.startsWith("data:image/svg+xml") && i.complete && i.naturalWidth > 0; })()`,
		func(ok bool) bool { return ok })
	phone.shot("totp-setup")
	phone.typeInto("#totp-code", code(secret))
	phone.click("#totp-activate")
	phone.waitText("#totp-status", "Đã bật xác thực bằng ứng dụng xác thực")
	phone.waitVisible("#totp-disable")
	phone.shot("totp-on")

	// The step that confirmed the setup is spent: the login uses the next one.
	env.Clock.Advance(30 * time.Second)
	openPortalLogin(desktop, env)
	desktop.click("#tab-password")
	desktop.waitVisible("#username")
	desktop.typeInto("#username", idNumber)
	desktop.typeInto("#password", app.DemoPassword)
	desktop.click("#password-submit")
	desktop.waitPath("/idp/login/otp")
	// With an authenticator app the code step starts on it; SMS stays one tap away.
	desktop.waitText("#otp-title", "Nhập mã từ ứng dụng xác thực")
	desktop.waitText("#otp-switch-sms", "Nhận mã OTP qua tin nhắn SMS")
	desktop.shot("idp-totp")
	desktop.typeInto("#otp", code(secret))
	desktop.click("#otp-submit")
	desktop.waitPath("/tai-khoan")
	desktop.waitText("#full-name", name)
	waitFor(desktop, "wait for the login method", `document.body.innerText.includes("mật khẩu và mã từ ứng dụng xác thực")`,
		func(ok bool) bool { return ok })
	desktop.shot("portal-account-totp")

	phone.click("#totp-disable")
	phone.waitTextContains("#passcode-purpose", "tắt xác thực bằng ứng dụng xác thực")
	phone.enterPasscode(app.DemoPasscode)
	phone.phoneScreen("settings")
	phone.waitText("#totp-status", "Chưa thiết lập")
	phone.waitVisible("#totp-setup")
	phone.shot("totp-off")
}
