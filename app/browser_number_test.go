package app_test

import (
	"context"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/i18n"
)

// numberMatchingInBrowser turns "Đối chiếu số" on, opens the IdP's login page on the desktop
// and the QR's link on the signed-in phone, both speaking l, and returns both once the
// desktop shows the number (returned too) and the phone its choices.
func numberMatchingInBrowser(t *testing.T, env *apptest.Env, l i18n.Lang, idNumber, name string) (desktop, camera *tab, number string) {
	t.Helper()
	if err := env.App.Store().SetQRNumberMatching(context.Background(), true, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	desktop = startBrowser(t)
	desktop.speak(env.URL, l)
	qr := openPortalLogin(desktop, env)
	phone := desktop.newPhone()
	phone.speak(env.URL, l)
	appSignIn(phone, env, idNumber, name)
	camera = phone.newPhoneTab("phone-number")
	camera.navigate(qr)
	camera.recordScreens()
	camera.phoneScreen("confirm")
	camera.waitVisible("#confirm-match")
	desktop.waitQRState("scanned")
	number = desktop.waitVisible("#qr-match-number")
	if n := waitFor(camera, "wait for three choices", `document.querySelectorAll("#match-choices button").length`,
		func(n int) bool { return n == 3 }); n != 3 {
		t.Fatalf("the phone offers %d choices", n)
	}
	if ok, _ := eval[bool](camera, `!!document.getElementById("match-`+number+`")`); !ok {
		t.Fatalf("the desktop's number %s is not among the phone's choices", number)
	}
	return desktop, camera, number
}

// TestNumberMatchingInBrowser: the desktop shows the number in large type with what to do,
// the phone offers three numbers as buttons; "Xác nhận" without a pick asks for one, the
// right pick leads to the passcode and the desktop logs in.
func TestNumberMatchingInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	const idNumber, name = "001085012345", "Nguyễn Văn An"
	desktop, camera, number := numberMatchingInBrowser(t, env, i18n.Vi, idNumber, name)
	desktop.waitText(".qr-match-hint", "Chọn số này trên ứng dụng VNeID")
	size := waitFor(desktop, "read the number's size", `parseFloat(getComputedStyle(document.getElementById("qr-match-number")).fontSize)`,
		func(px float64) bool { return px > 0 })
	if size < 40 {
		t.Errorf("the number is %.0f px high, want large type", size)
	}
	desktop.checkScreen("IdP login: QR number matching")
	desktop.shot("idp-qr-number")
	camera.checkScreen("phone app: number matching")
	camera.shot("confirm-number")

	camera.click("#confirm-accept")
	camera.waitText("#confirm-error", "Hãy chọn số đang hiển thị trên màn hình máy tính trước khi nhập passcode.")
	camera.phoneScreen("confirm")

	camera.click("#match-" + number)
	waitFor(camera, "wait for the pick to show", `document.getElementById("match-`+number+`").getAttribute("aria-pressed")`,
		func(s string) bool { return s == "true" })
	camera.click("#confirm-accept")
	camera.phoneScreen("passcode")
	camera.enterPasscode(app.DemoPasscode)
	appSignsOut(camera)
	desktop.waitPath("/tai-khoan")
	desktop.waitText("#full-name", name)
}

// TestNumberMatchingWrongPickInBrowser: a wrong pick ends the login before the passcode is
// asked; the phone says the number did not match, the desktop that it was refused for that.
// In English: every text of number matching has its English (checkScreen fails on Vietnamese).
func TestNumberMatchingWrongPickInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop, camera, number := numberMatchingInBrowser(t, env, i18n.En, "001085012345", "Nguyễn Văn An")
	camera.checkScreen("phone app: number matching in English")
	desktop.checkScreen("IdP login: QR number matching in English")
	wrong, err := eval[string](camera, `[...document.querySelectorAll("#match-choices button")].map(b => b.textContent).find(n => n !== `+jsString(number)+`)`)
	if err != nil || wrong == "" {
		t.Fatalf("no other choice than %s (%v)", number, err)
	}
	camera.click("#match-" + wrong)
	camera.click("#confirm-accept")
	camera.phoneScreen("result")
	camera.waitText("#result-title", "Số đã chọn không khớp")
	camera.checkScreen("phone app: wrong number")
	camera.shot("wrong-number")
	if shown := camera.shownScreens(); inOrder(shown, "passcode") {
		t.Errorf("the passcode was asked before the wrong pick was refused; screens: %q", shown)
	}
	desktop.waitQRState("denied")
	desktop.waitText("#qr-denied", "Số được chọn trên ứng dụng VNeID không khớp với số trên màn hình này, nên yêu cầu đăng nhập đã bị từ chối. Bấm “Tải lại” để nhận mã QR mới.")
	desktop.checkScreen("IdP login: QR denied by a wrong number")
	desktop.shot("idp-qr-wrong-number")
}
