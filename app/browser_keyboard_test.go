package app_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// press sends one key to the focused element, as a keyboard does.
func (b *tab) press(key, what string) {
	b.t.Helper()
	b.run("press "+what, chromedp.KeyEvent(key))
}

// focused reports whether the focused element matches the CSS selector sel.
func (b *tab) focused(sel string) bool {
	ok, _ := eval[bool](b, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%s)`, jsString(sel)))
	return ok
}

// tabTo presses Tab until the focus is on sel; more than limit presses fail the test: the
// element cannot be reached by keyboard in a reasonable way.
func (b *tab) tabTo(sel string, limit int) {
	b.t.Helper()
	for i := 0; i < limit; i++ {
		if b.focused(sel) {
			return
		}
		b.press(kb.Tab, "Tab towards "+sel)
	}
	if !b.focused(sel) {
		active, _ := eval[string](b, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ""`)
		b.t.Fatalf("%s: %s not reached in %d Tab presses (focus on %s)", b.name, sel, limit, active)
	}
}

// TestKeyboardOnlyLogin walks seed flow 2 with the keyboard alone: Tab to "Đăng nhập", the
// chooser's citizen link, the login tabs with the arrow keys, the fields, Enter to submit, the
// code, and the account page; on the way, Escape closes an open top-menu.
func TestKeyboardOnlyLogin(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	const idNumber, name = "001085012345", "Nguyễn Văn An"
	token := env.AppLogin(idNumber, app.DemoPassword)
	d := startBrowser(t)

	d.navigate(env.URL + "/")
	d.tabTo(".nav-list > .nav-item:first-child > a", 30)
	d.press(kb.Tab, "into the first submenu")
	if !d.focused(".submenu a") {
		t.Fatal("Tab from a top-menu item does not enter its submenu")
	}
	d.press(kb.Escape, "close the menu")
	if !d.focused(".nav-list > .nav-item:first-child > a") {
		t.Fatal("Escape does not put the focus back on the top-menu item")
	}
	if open, _ := eval[bool](d, `getComputedStyle(document.querySelector(".nav-list > .nav-item:first-child > .submenu")).display !== "none"`); open {
		t.Fatal("Escape leaves the submenu open")
	}

	d.tabTo("a.btn-login", 60)
	d.press(kb.Enter, "Đăng nhập")
	d.waitPath("/dang-nhap")
	d.tabTo(".account-type.live a", 40)
	d.press(kb.Enter, "the citizen's account type")
	d.waitPath("/idp/login")
	d.waitQRState("waiting")

	d.tabTo("#tab-qr", 20)
	d.press(kb.ArrowRight, "the password tab")
	if !d.focused("#tab-password") {
		t.Fatal("ArrowRight on the QR tab does not move to the password tab")
	}
	d.waitVisible("#username")
	d.tabTo("#username", 5)
	d.run("type the ID number", chromedp.KeyEvent(idNumber))
	d.press(kb.Tab, "to the password")
	if !d.focused("#password") {
		t.Fatal("Tab from the ID number does not reach the password")
	}
	d.run("type the password", chromedp.KeyEvent(app.DemoPassword))
	d.press(kb.Enter, "submit the password form")
	d.waitPath("/idp/login/otp")
	d.shot("keyboard-otp")
	if !d.focused("#otp") {
		d.tabTo("#otp", 10)
	}
	d.run("type the code", chromedp.KeyEvent(env.LatestCode(token)))
	d.press(kb.Enter, "submit the code")
	d.waitPath("/tai-khoan")
	d.waitText("#full-name", name)
	d.shot("keyboard-account")
}

// TestValidationMessagesAreVietnamese: the browser's own bubbles for a field left empty or in
// the wrong format speak Vietnamese, not the browser's language.
func TestValidationMessagesAreVietnamese(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	d := startBrowser(t)
	openPortalLogin(d, env)
	d.click("#tab-password")
	d.waitVisible("#username")
	for _, tc := range []struct{ value, want string }{
		{"", "Vui lòng nhập thông tin này."},
		{"123", "Số định danh cá nhân gồm 12 chữ số"},
	} {
		got, err := eval[string](d, fmt.Sprintf(`(() => {
			const el = document.getElementById("username");
			el.value = %s;
			el.dispatchEvent(new Event("input", {bubbles: true}));
			el.checkValidity();
			return el.validationMessage;
		})()`, jsString(tc.value)))
		if err != nil || got != tc.want {
			t.Errorf("ID number %q: the browser says %q (%v), want %q", tc.value, got, err, tc.want)
		}
	}
}
