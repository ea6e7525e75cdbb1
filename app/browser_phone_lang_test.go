package app_test

import (
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/i18n"
)

// TestPhoneAppInEnglishInBrowser runs the simulator in English on a phone-sized browser, as a
// visitor who chose English on the portal: the texts its scripts write (a refusal of the form,
// the password toggle, the account's level, the SIM line, the authenticator's state, the
// passcode pad, the logout note) read in English, no screen shows Vietnamese but the
// citizen's name, every text fits the phone's width, and each screen passes the axe gate.
func TestPhoneAppInEnglishInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	d := startBrowser(t)
	p := d.newPhone()
	p.speak(env.URL, i18n.En)
	const idNumber, name = "001085012345", "Nguyễn Văn An"

	p.navigate(env.URL + "/app/")
	p.recordScreens()
	p.phoneScreen("login")
	p.waitText("#login-submit", "Log in")
	p.click("#login-submit")
	p.waitText("#login-error", "The personal ID number must have exactly 12 digits.")
	p.click("#login-password-toggle")
	p.waitText("#login-password-toggle", "Hide")
	p.click("#demo-accounts summary")
	p.waitVisible("#demo-" + idNumber)
	p.phoneChecks("login")
	p.click("#login-password-toggle")
	p.waitText("#login-password-toggle", "Show")

	p.typeInto("#login-id", idNumber)
	p.typeInto("#login-password", app.DemoPassword)
	p.click("#login-submit")
	p.phoneScreen("home")
	p.waitText("#home-name", name)
	p.waitText("#home-level", "Level 2 electronic identification account")
	p.waitTextContains("#home-sim", "This device holds SIM ")
	p.phoneChecks("home")

	p.click("#nav-settings")
	p.phoneScreen("settings")
	p.waitText("#settings-level", "Level 2")
	p.waitText("#totp-status", "Not set up")
	p.waitTextContains("#sim-status", ": SMS to this number show here.")
	p.phoneChecks("settings")

	// Turning "Đăng nhập trên website" off asks for the passcode: the pad's purpose and the
	// count of digits read aloud are written by the scripts.
	p.click("#weblogin-toggle")
	p.click("#weblogin-confirm")
	p.phoneScreen("passcode")
	p.waitText("#passcode-purpose", "Enter your passcode to turn off “Sign in on websites”")
	p.click("#pk-1")
	waitFor(p, "wait for the count of digits", `document.getElementById("passcode-dots").getAttribute("aria-label")`,
		func(s string) bool { return s == "1 of 6 digits entered" })
	p.phoneChecks("passcode")
	p.click("#passcode-cancel")
	p.phoneScreen("settings")

	p.click("#nav-scan")
	p.phoneScreen("scan")
	p.click("#scan-text-submit")
	p.waitText("#scan-error", "Paste the QR code's content (the link in the code) into the field above.")
	p.phoneChecks("scan")
	p.click("#scan-back")
	p.phoneScreen("home")

	p.click("#nav-messages")
	p.phoneScreen("messages")
	p.phoneChecks("messages")

	p.click("#nav-home")
	p.phoneScreen("home")
	p.click("#logout")
	p.phoneScreen("login")
	p.waitText("#login-note", "You have logged out of the VNeID app.")
	p.phoneChecks("logged out")
	if shown := p.shownScreens(); !inOrder(shown, "login", "home", "settings", "passcode", "settings", "scan", "home", "messages", "home", "login") {
		t.Errorf("screens shown: %v", shown)
	}
}

// phoneChecks checks one screen of the simulator in English: the axe gate, no Vietnamese but
// data, nothing wider than the phone or than the box it sits in; and saves its screenshot.
func (b *tab) phoneChecks(state string) {
	b.t.Helper()
	b.checkAccessible("phone app in English: " + state)
	b.checkEnglish("phone app in English: " + state)
	overflow, err := eval[[]string](b, `(() => {
		const out = [];
		if (document.documentElement.scrollWidth > window.innerWidth) out.push("the page: " + document.documentElement.scrollWidth + "px");
		for (const e of document.querySelectorAll("#phone button, #phone label, #phone h1, #phone h2, #phone p, #phone span, #phone summary, #phone dd, #phone dt, #phone .alert")) {
			if (e.getClientRects().length === 0) continue;
			if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "auto") out.push((e.id || e.className || e.tagName) + ": " + e.textContent.trim().slice(0, 40));
		}
		return out;
	})()`)
	if err != nil {
		b.t.Fatalf("%s: %s: measure: %v", b.name, state, err)
	}
	if len(overflow) > 0 {
		b.t.Errorf("%s: %s in English overflows: %s", b.name, state, strings.Join(overflow, "; "))
	}
	b.shot("en-" + strings.ReplaceAll(state, " ", "-"))
}
