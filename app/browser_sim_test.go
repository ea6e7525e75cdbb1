package app_test

import (
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// TestSIMScreensInBrowser walks the simulated SIM in two phone-sized browsers, each its own
// device: the first sign-in takes the free SIM ("Thiết bị này đang giữ SIM"); the second phone
// must enter the activation code the SMS brought to the first; then the first hands the SIM
// over with "Chuyển SIM sang thiết bị khác" and the second receives it through the QR's link.
func TestSIMScreensInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop := startBrowser(t)
	const idNumber, name, masked = "001085012345", "Nguyễn Văn An", "091****678"

	first := desktop.newPhone()
	appSignIn(first, env, idNumber, name)
	first.waitTextContains("#home-sim", "Thiết bị này đang giữ SIM "+masked)
	first.shot("home-holds-sim")

	second := desktop.newPhone()
	second.name = "phone2"
	second.navigate(env.URL + "/app/")
	second.phoneScreen("login")
	second.typeInto("#login-id", idNumber)
	second.typeInto("#login-password", app.DemoPassword)
	second.click("#login-submit")
	second.phoneScreen("activate")
	second.waitTextContains("#activate-info", masked)
	second.shot("activation")

	// The activation code reached the SIM, which is in the first phone.
	first.click("#nav-messages")
	first.phoneScreen("messages")
	code := first.waitVisible("#messages-list li.msg-sms .code-big")
	if !sixDigitCode.MatchString(code) {
		t.Fatalf("the activation SMS shows %q, want 6 digits", code)
	}
	first.shot("activation-sms")
	second.typeInto("#activate-code", code)
	second.click("#activate-submit")
	second.phoneScreen("home")
	second.waitTextContains("#home-sim", "đang ở thiết bị khác")
	second.shot("home-sim-elsewhere")

	// The first phone signs in again (it holds the SIM: no code) and hands the SIM over.
	appSignIn(first, env, idNumber, name)
	first.click("#tile-settings")
	first.phoneScreen("settings")
	first.click("#sim-transfer")
	first.phoneScreen("passcode")
	first.enterPasscode(app.DemoPasscode)
	first.phoneScreen("sim-transfer")
	transfer := first.waitVisible("#simt-code")
	if len(strings.ReplaceAll(transfer, "-", "")) != 12 {
		t.Fatalf("transfer code %q, want 12 characters", transfer)
	}
	first.shot("sim-transfer")

	second.navigate(env.URL + "/app/sim#" + transfer)
	second.phoneScreen("sim-claim")
	second.shot("sim-claim")
	second.click("#simc-submit")
	second.phoneScreen("result")
	second.waitTextContains("#result-message", "Thiết bị này đang giữ SIM "+masked)
	second.shot("sim-received")

	first.phoneScreen("result")
	first.waitText("#result-title", "Đã chuyển SIM")
	first.shot("sim-handed-over")
}
