package app_test

import (
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// TestSessionsScreenInBrowser logs in to the portal on the desktop (password and the SMS code
// read on the phone), then opens "Quản lý đăng nhập" on the phone: the desktop's browser is
// listed with its name; the portal's account page lists it too. "Kết thúc phiên" on the phone
// ends it, and the account page, reloaded, no longer lists it. "Lịch sử đăng nhập" shows the
// login with how it was made.
func TestSessionsScreenInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop := startBrowser(t)
	const idNumber, name = "001085012345", "Nguyễn Văn An"

	openPortalLogin(desktop, env)
	desktop.click("#tab-password")
	desktop.waitVisible("#username")
	desktop.typeInto("#username", idNumber)
	desktop.typeInto("#password", app.DemoPassword)
	desktop.click("#password-submit")
	desktop.waitPath("/idp/login/otp")
	phone := desktop.newPhone()
	appSignIn(phone, env, idNumber, name)
	phone.click("#nav-messages")
	phone.phoneScreen("messages")
	code := phone.waitVisible("#messages-list li.msg-sms .code-big")
	desktop.typeInto("#otp", code)
	desktop.click("#otp-submit")
	desktop.waitPath("/tai-khoan")
	desktop.waitTextContains("#web-sessions .session-item", "Chrome")
	desktop.shot("portal-account-sessions")

	phone.click("#nav-settings")
	phone.phoneScreen("settings")
	phone.click("#sessions-open")
	phone.phoneScreen("sessions")
	phone.waitTextContains("#web-sessions .session-title", "Chrome")
	phone.shot("app-sessions")
	phone.click("#web-sessions .session-end")
	phone.waitTextContains("#toast", "Đã kết thúc phiên đăng nhập.")
	phone.waitVisible("#web-sessions-empty")
	phone.shot("app-sessions-ended")

	desktop.navigate(env.URL + "/tai-khoan")
	desktop.waitTextContains("#phien-dang-nhap", "Không có trình duyệt nào đang đăng nhập.")

	phone.click("#sessions-back")
	phone.phoneScreen("settings")
	phone.click("#logins-open")
	phone.phoneScreen("logins")
	phone.waitTextContains("#logins-list", "Mật khẩu và mã OTP qua SMS")
	phone.shot("app-logins")
}
