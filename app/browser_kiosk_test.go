package app_test

import (
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// TestKioskLoginInBrowser runs the counter login end to end in Chromium: the counter screen,
// reached from the account chooser, shows a code and its QR; the citizen's phone opens the QR's
// link, sees the counter and its code, and confirms with the passcode; the counter shows who
// logged in. "Kết thúc phiên" makes a new code; the citizen types that one on the scan screen
// and refuses, and the counter says so.
func TestKioskLoginInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	// The counter polls every 5 s of the wall clock: the server counts on the same clock.
	env := apptest.New(t, func(c *app.Config) { c.Now = time.Now })
	kiosk := startBrowser(t)
	const idNumber, name = "001085012345", "Nguyễn Văn An"

	kiosk.navigate(env.URL + "/dang-nhap")
	kiosk.click("a.kiosk-link")
	kiosk.waitPath("/dang-nhap-tai-quay")
	code := kioskCode(kiosk, "")
	if qr, want := kiosk.qrIn("kiosk-qr"), env.URL+"/app/device?user_code="+code; qr != want {
		t.Fatalf("the counter's QR holds %q, want %q", qr, want)
	}
	kiosk.waitTextContains("#kiosk-status", "Đang chờ công dân xác nhận")
	kiosk.checkAccessible("counter screen: waiting for the phone")
	kiosk.shot("kiosk-waiting")

	phone := kiosk.newPhone()
	appSignIn(phone, env, idNumber, name)
	camera := phone.newPhoneTab("phone-kiosk-link")
	camera.navigate(env.URL + "/app/device?user_code=" + code)
	camera.phoneScreen("device")
	camera.waitText("#device-code", code)
	camera.waitText("#device-client", "Quầy tiếp nhận một cửa")
	camera.waitTextContains("#device-browser", "Chrome")
	camera.checkAccessible("phone app: counter login")
	camera.shot("device-confirm")
	camera.click("#device-accept")
	camera.phoneScreen("passcode")
	camera.enterPasscode(app.DemoPasscode)
	camera.phoneScreen("result")
	camera.waitText("#result-title", "Đăng nhập thành công")
	camera.shot("device-confirmed")

	kiosk.waitText("#kiosk-name", name)
	kiosk.waitText("#kiosk-id", idNumber)
	kiosk.waitText("#kiosk-birthdate", "12/03/1985")
	kiosk.checkAccessible("counter screen: citizen logged in")
	kiosk.shot("kiosk-logged-in")

	kiosk.click("#kiosk-end")
	next := kioskCode(kiosk, code)

	camera.click("#result-home")
	camera.phoneScreen("home")
	camera.click("#scan-open")
	camera.phoneScreen("scan")
	camera.paste("#scan-text", next[:4]+" "+next[5:]) // typed from the screen, with a space
	camera.click("#scan-text-submit")
	camera.phoneScreen("device")
	camera.waitText("#device-code", next)
	camera.click("#device-deny")
	camera.phoneScreen("result")
	camera.waitText("#result-title", "Đã từ chối yêu cầu đăng nhập")

	kiosk.waitTextContains("#kiosk-status", "Công dân đã từ chối yêu cầu đăng nhập")
	kiosk.waitVisible("#kiosk-new")
	kiosk.shot("kiosk-refused")
}

// kioskCode waits for the counter to show a code other than before and returns it.
func kioskCode(b *tab, before string) string {
	b.t.Helper()
	return *waitFor(b, "wait for a new counter code", visibleText("#kiosk-code"),
		func(s *string) bool { return s != nil && len(*s) == 9 && *s != before })
}
