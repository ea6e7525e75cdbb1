package app_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/web"
)

// The seed's words for a scan by an account without the web-login permission (the README's flow 1).
const msgNoWebLogin = "Tài khoản của bạn không có quyền đăng nhập trên cổng thông tin định danh điện tử. Vui lòng cập nhật lại quyền trên thiết bị"

// The app's note once it has signed itself out after a confirmed login.
const msgAppSignedOut = "Bạn đã được đăng xuất khỏi ứng dụng VNeID"

// sixDigitCode is an OTP as the phone's inbox shows it.
var sixDigitCode = regexp.MustCompile(`^[0-9]{6}$`)

// TestDirectLoginInBrowser clicks through seed flow 2 in a real browser: the portal's
// "Đăng nhập", the account-type chooser, the IdP's "Tài khoản định danh điện tử" tab with số
// định danh and mật khẩu, the OTP read off the phone's "Tin nhắn" in a second, phone-sized
// browser, the account page, and "Đăng xuất". Every page is saved as a screenshot.
func TestDirectLoginInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop := startBrowser(t)
	const idNumber, name, phoneNumber = "001085012345", "Nguyễn Văn An", "0912345678"

	openPortalLogin(desktop, env)
	desktop.click("#tab-password")
	desktop.waitVisible("#username")
	desktop.shot("idp-password-tab")
	desktop.typeInto("#username", idNumber)
	desktop.typeInto("#password", app.DemoPassword)
	desktop.shot("idp-password-filled")
	desktop.click("#password-submit")
	desktop.waitPath("/idp/login/otp")
	desktop.waitTextContains(".idp-lead strong", web.MaskPhone(phoneNumber))
	desktop.waitVisible("#otp")
	desktop.shot("idp-otp")

	// The SMS arrives on the citizen's phone: the simulator shows it under "Tin nhắn".
	phone := desktop.newPhone()
	appSignIn(phone, env, idNumber, name)
	phone.click("#nav-messages")
	phone.phoneScreen("messages")
	code := phone.waitVisible("#messages-list li.msg-sms .code-big")
	if !sixDigitCode.MatchString(code) {
		t.Fatalf("the SMS shows the code %q, want 6 digits", code)
	}
	phone.waitTextContains("#messages-list li.msg-sms .msg-to", phoneNumber)
	phone.shot("messages")

	desktop.typeInto("#otp", code)
	desktop.shot("idp-otp-filled")
	desktop.click("#otp-submit")
	desktop.waitPath("/tai-khoan")
	desktop.waitText("#full-name", name)
	desktop.waitText("#account_name", name)
	desktop.shot("portal-account")

	desktop.click("#account_name")
	logout := `form[action="/dang-xuat"] button`
	desktop.waitText(logout, "Đăng xuất")
	desktop.shot("portal-account-menu")
	desktop.click(logout)
	desktop.waitPath("/")
	desktop.waitTextContains(".flash", "Bạn đã đăng xuất")
	desktop.waitVisible("a.btn-login")
	desktop.shot("portal-signed-out")
}

// TestQRLoginInBrowserWithPhone clicks through seed flow 1 with its permission branch in two
// real browsers, a desktop and a phone-sized one: the desktop shows the QR; the phone, signed
// in as a citizen without "Đăng nhập trên website", scans it (pasting the text the QR holds),
// gets the seed's refusal, turns the permission on with the passcode, and the same login goes
// on to the confirmation; the desktop says who scanned; the phone confirms with the passcode
// and signs itself out; the desktop reaches the account page by itself.
func TestQRLoginInBrowserWithPhone(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop := startBrowser(t)
	const idNumber, name = "079190054321", "Trần Thị Bình"

	qr := openPortalLogin(desktop, env)
	if !strings.HasPrefix(qr, env.URL+"/app/scan#") {
		t.Fatalf("the QR holds %q, want a link to %s/app/scan#…", qr, env.URL)
	}

	phone := desktop.newPhone()
	appSignIn(phone, env, idNumber, name)
	phone.click("#scan-open")
	phone.phoneScreen("scan")
	phone.waitVisible("#scan-text")
	// The screen opens the camera at once. Headless it cannot, and the failure moves the page (a
	// longer note, a "Bật camera" button): wait for it, or a tap meant for "Gửi" lands elsewhere.
	waitFor(phone, "wait for the camera to open or fail", `(() => {
		const b = document.getElementById("scan-camera-start"), v = document.getElementById("scan-video");
		return (b && !b.classList.contains("hidden")) || (v && v.readyState > 0); })()`, func(ok bool) bool { return ok })
	phone.shot("scan")
	// The in-page camera cannot run headless; pasting the QR's text is one of the app's ways in.
	phone.paste("#scan-text", qr)
	phone.shot("scan-pasted")
	phone.click("#scan-text-submit")

	phone.waitText("#perm-message", msgNoWebLogin)
	phone.shot("permission-refused")
	phone.click("#perm-update")
	phone.phoneScreen("settings")
	phone.waitVisible("#settings-perm-hint")
	phone.shot("settings")
	phone.click("#weblogin-toggle")
	waitFor(phone, "wait for “Xác nhận” to be enabled",
		`document.getElementById("weblogin-toggle").checked && !document.getElementById("weblogin-confirm").disabled`,
		func(ok bool) bool { return ok })
	phone.shot("settings-web-login-on")
	phone.click("#weblogin-confirm")
	phone.phoneScreen("passcode")
	phone.waitTextContains("#passcode-purpose", "Đăng nhập trên website")
	phone.shot("passcode-permission")
	phone.enterPasscode(app.DemoPasscode)

	// The same login goes on once the permission is granted.
	phone.phoneScreen("confirm")
	phone.waitText("#confirm-client", "Cổng Dịch vụ công Quốc gia")
	phone.waitTextContains("#confirm-browser", "Chrome")
	phone.waitText("#confirm-ip", "127.0.0.1")
	phone.shot("confirm")
	if shown := phone.shownScreens(); !inOrder(shown, "result: Cập nhật quyền thành công", "confirm") {
		t.Errorf("the app did not report the permission update before the confirmation; screens: %q", shown)
	}

	desktop.waitQRState("scanned")
	desktop.waitText("#qr-scanned-by", web.MaskName(name))
	desktop.shot("idp-qr-scanned")

	phone.click("#confirm-accept")
	phone.phoneScreen("passcode")
	phone.shot("passcode-confirm")
	phone.enterPasscode(app.DemoPasscode)
	appSignsOut(phone)

	desktop.waitPath("/tai-khoan")
	desktop.waitText("#full-name", name)
	desktop.shot("portal-account")
}

// TestQRLoginInBrowserFromCameraLink runs seed flow 1 the way a phone's own camera app does
// it: the phone, already signed in to the app, opens the link the QR holds in a new tab of
// its browser, which goes straight to the confirmation for a citizen who has the permission.
func TestQRLoginInBrowserFromCameraLink(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop := startBrowser(t)
	const idNumber, name = "001085012345", "Nguyễn Văn An"

	qr := openPortalLogin(desktop, env)
	phone := desktop.newPhone()
	appSignIn(phone, env, idNumber, name)

	camera := phone.newPhoneTab("phone-camera-link")
	camera.navigate(qr)
	camera.recordScreens()
	camera.phoneScreen("confirm")
	camera.waitText("#confirm-client", "Cổng Dịch vụ công Quốc gia")
	// The frame must not linger in the address bar, where a reload would scan it again.
	waitFor(camera, "wait for the link to be replaced by /app/", `location.pathname + location.hash`,
		func(s string) bool { return s == "/app/" })
	camera.shot("confirm")

	desktop.waitQRState("scanned")
	desktop.waitText("#qr-scanned-by", web.MaskName(name))
	desktop.shot("idp-qr-scanned")

	camera.click("#confirm-accept")
	camera.phoneScreen("passcode")
	camera.shot("passcode")
	camera.enterPasscode(app.DemoPasscode)
	appSignsOut(camera)

	desktop.waitPath("/tai-khoan")
	desktop.waitText("#full-name", name)
	desktop.shot("portal-account")
}

// TestQRLoginNotMeInBrowser: on the confirmation the citizen reaches "Không phải tôi" with the
// keyboard alone; the desktop shows the request refused on the app, and the app's inbox holds
// the notice naming the requester's browser and address.
func TestQRLoginNotMeInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop := startBrowser(t)
	const idNumber, name = "001085012345", "Nguyễn Văn An"

	qr := openPortalLogin(desktop, env)
	phone := desktop.newPhone()
	appSignIn(phone, env, idNumber, name)

	camera := phone.newPhoneTab("phone-not-me")
	camera.navigate(qr)
	camera.phoneScreen("confirm")
	camera.waitText("#confirm-notme", "Không phải tôi")
	camera.checkAccessible("phone app: confirmation with Không phải tôi")
	camera.shot("confirm-not-me")
	desktop.waitQRState("scanned")

	camera.tabTo("#confirm-notme", 20)
	camera.press(kb.Enter, "Enter on Không phải tôi")
	camera.phoneScreen("result")
	camera.waitText("#result-title", "Đã từ chối yêu cầu đăng nhập")
	camera.waitTextContains("#result-message", "đổi mật khẩu")
	camera.shot("not-me-result")

	desktop.waitQRState("denied")
	desktop.waitText(".qr-note-error[data-show=denied]", "Yêu cầu đăng nhập đã bị từ chối trên ứng dụng VNeID.")
	desktop.shot("idp-qr-denied-not-me")

	camera.click("#result-home")
	camera.phoneScreen("home")
	camera.click("#nav-messages")
	camera.phoneScreen("messages")
	camera.waitTextContains("#messages-list", "Không phải tôi")
	camera.waitTextContains("#messages-list", "127.0.0.1")
	camera.shot("not-me-notice")
}

// openPortalLogin goes from the portal's home page through "Đăng nhập" and the account-type
// chooser to the IdP's login page, and returns the QR it shows.
func openPortalLogin(d *tab, env *apptest.Env) string {
	d.t.Helper()
	d.navigate(env.URL + "/")
	d.waitText("a.btn-login", "Đăng nhập")
	d.shot("portal-home")
	d.click("a.btn-login")
	d.waitPath("/dang-nhap")
	d.waitTextContains(".account-type.live a", "dành cho Công dân")
	d.shot("portal-chooser")
	d.click(".account-type.live a")
	d.waitPath("/idp/login")
	d.waitQRState("waiting")
	qr := d.screenQR()
	d.shot("idp-login-qr")
	return qr
}

// appSignIn opens the simulator on the phone and signs in to the app. Only once per citizen
// in a test: the app keeps one device signed in at a time.
func appSignIn(p *tab, env *apptest.Env, idNumber, name string) {
	p.t.Helper()
	p.navigate(env.URL + "/app/")
	p.recordScreens()
	p.phoneScreen("login")
	p.waitVisible("#login-id")
	p.shot("app-login")
	p.typeInto("#login-id", idNumber)
	p.typeInto("#login-password", app.DemoPassword)
	p.click("#login-submit")
	p.phoneScreen("home")
	p.waitText("#home-name", name)
	p.shot("app-home")
}

// appSignsOut checks the end of a confirmed QR login on the phone: "Đăng nhập thành công",
// then the app signs itself out (seed: "tự động đăng xuất khỏi ứng dụng VNeID"). The success
// screen lasts a few seconds by design: it is captured when the machine is quick enough, and
// proven shown by the page's own record either way.
func appSignsOut(p *tab) {
	p.t.Helper()
	at := waitFor(p, "wait for the result of the confirmation", `document.getElementById("phone").dataset.screen`,
		func(s string) bool { return s == "result" || s == "login" })
	if at == "result" {
		p.shot("login-confirmed")
		if still, _ := eval[string](p, `document.getElementById("phone").dataset.screen`); still != "result" {
			p.t.Log(p.name + ": the success screen gave way while it was captured; the screenshot may show the next one")
		}
	} else {
		p.t.Log(p.name + ": the success screen had already given way to the sign-in screen; no screenshot of it")
	}
	p.phoneScreen("login")
	p.waitTextContains("#login-note", msgAppSignedOut)
	p.shot("app-signed-out")
	if shown := p.shownScreens(); !inOrder(shown, "result: Đăng nhập thành công", "login") {
		p.t.Errorf("%s: the app did not show “Đăng nhập thành công” before signing out; screens: %q", p.name, shown)
	}
	token, err := eval[*string](p, `localStorage.getItem("vneid-sim.token")`)
	if err != nil || token != nil {
		p.t.Errorf("%s: the app still keeps a token after signing out (%v)", p.name, err)
	}
}

// inOrder reports whether every entry of want appears in seen, in this order.
func inOrder(seen []string, want ...string) bool {
	i := 0
	for _, s := range seen {
		if i < len(want) && s == want[i] {
			i++
		}
	}
	return i == len(want)
}

// TestQRPhoneFollowsDesktopInBrowser: while the phone shows the confirmation, the desktop
// presses "Hủy yêu cầu" (then, in a second round, the login expires): the phone leaves the
// confirmation by itself and offers only "Quét lại" and "Về trang chủ".
func TestQRPhoneFollowsDesktopInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop := startBrowser(t)
	const idNumber, name = "001085012345", "Nguyễn Văn An"
	phone := desktop.newPhone()

	for i, end := range []struct {
		name, title string
		do          func()
	}{
		{"cancelled", "Yêu cầu đăng nhập đã bị hủy trên máy tính", func() {
			desktop.click("#qr-cancel")
			desktop.waitQRState("cancelled")
		}},
		{"expired", "Yêu cầu đăng nhập đã hết hạn", func() { env.Clock.Advance(121 * time.Second) }},
	} {
		qr := openPortalLogin(desktop, env)
		if i == 0 {
			appSignIn(phone, env, idNumber, name)
		} else {
			phone.click("#result-home")
			phone.phoneScreen("home")
		}
		phone.navigate(qr)
		phone.phoneScreen("confirm")
		desktop.waitQRState("scanned")
		end.do()
		phone.phoneScreen("result")
		phone.waitText("#result-title", end.title)
		phone.shot("confirm-" + end.name + "-on-desktop")
		for _, sel := range []string{"#result-rescan", "#result-home"} {
			phone.waitVisible(sel)
		}
		if shown, _ := eval[bool](phone, `!document.getElementById("screen-confirm").classList.contains("hidden")`); shown {
			t.Fatalf("%s: the confirmation (Hủy / Xác nhận) is still shown", end.name)
		}
	}
}
