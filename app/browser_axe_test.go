package app_test

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// axeSource is axe-core 4.14.1 from the npm registry (testdata/axe: the file, its licence
// MPL-2.0 and its third-party notices), sha256 2934899945…ed95c. Tests only: it never ships.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeViolation is what the gate reports of one failed rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// checkAccessible runs axe-core on the page as it is now against WCAG 2.2 A and AA and fails
// the test on any critical or serious violation, naming the rule and the elements.
func (b *tab) checkAccessible(state string) {
	b.t.Helper()
	for _, v := range b.axeViolations(state) {
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, fmt.Sprintf("and %d more", len(v.Nodes)-3))
				break
			}
			where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		b.t.Errorf("%s: %s: %s (%s): %s\n\t%s", b.name, state, v.ID, v.Impact, v.Help, strings.Join(where, "\n\t"))
	}
}

// axeViolations returns the critical and serious WCAG 2.2 A/AA violations of the page now.
func (b *tab) axeViolations(state string) []axeViolation {
	b.t.Helper()
	if ok, _ := eval[bool](b, `typeof window.axe === "object"`); !ok {
		b.run("load axe-core", chromedp.Evaluate[chromedp.Void](axeSource))
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
		resultTypes: ["violations"]
	}).then(r => r.violations.filter(v => v.impact === "critical" || v.impact === "serious"))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: axe on %s: %v", b.name, state, err)
	}
	return found
}

// TestAccessibility runs the axe gate on the pages of both seed flows and the console, at
// desktop width and on the phone: no critical or serious WCAG 2.2 AA violation.
func TestAccessibility(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t, func(c *app.Config) { c.AdminPassword = "Op-secret-2026" })
	const idNumber = "001085012345"
	token := env.AppLogin(idNumber, app.DemoPassword)
	d := startBrowser(t)
	phone := d.newPhone()

	for _, p := range []struct{ path, state string }{
		{"/", "portal home"}, {"/dang-nhap", "account-type chooser"}, {"/console/login", "console login"},
		{"/app/", "phone app: login"}, {"/cai-dat-chung-chi", "certificate guide"},
	} {
		d.navigate(env.URL + p.path)
		d.waitVisible("body")
		d.checkAccessible(p.state)
		phone.navigate(env.URL + p.path)
		phone.waitVisible("body")
		phone.checkAccessible(p.state)
	}

	openPortalLogin(d, env)
	d.checkAccessible("IdP login: QR tab")
	d.click("#tab-password")
	d.waitVisible("#username")
	d.checkAccessible("IdP login: password tab")
	d.typeInto("#username", idNumber)
	d.typeInto("#password", app.DemoPassword)
	d.click("#password-submit")
	d.waitPath("/idp/login/otp")
	d.checkAccessible("code step")
	d.typeInto("#otp", env.LatestCode(token))
	d.click("#otp-submit")
	d.waitPath("/tai-khoan")
	d.checkAccessible("account page")
	d.click("#account_name")
	d.click(".user-menu button[type=submit]")
	d.waitText("a.btn-login", "Đăng nhập")
	d.checkAccessible("portal home after logout")

	// The phone's screens through a QR login: home, confirmation, passcode pad, result.
	qr := openPortalLogin(d, env)
	appSignIn(phone, env, "079190054321", "Trần Thị Bình")
	phone.checkAccessible("phone app: home")
	camera := phone.newPhoneTab("phone-axe")
	camera.navigate(qr)
	camera.waitVisible("#perm-dialog") // Bình has no web login yet: the seed's permission dialog
	d.waitQRState("scanned")
	d.checkAccessible("IdP login: QR scanned")
	camera.checkAccessible("phone app: permission needed")
	d.click("#qr-cancel")
	d.waitQRState("cancelled")
	d.checkAccessible("IdP login: QR cancelled")

	// The console, every page an operator opens.
	d.navigate(env.URL + "/console/login")
	d.typeInto("#password", "Op-secret-2026")
	d.click("button[type=submit]")
	d.waitPath("/console/")
	for _, path := range []string{"/console/", "/console/citizens", "/console/clients", "/console/messages",
		"/console/audit", "/console/settings", "/console/guide"} {
		d.navigate(env.URL + path)
		d.waitVisible("body")
		d.checkAccessible("console " + path)
	}
}

// TestAccessibilityGateBites: the gate reports what it must (an image without a text
// alternative), so a silent axe could not pass every page.
func TestAccessibilityGateBites(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	d := startBrowser(t)
	d.navigate(env.URL + "/")
	d.waitVisible("body")
	d.run("add an image without alt", chromedp.Evaluate[chromedp.Void](
		`document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/static/img/favicon.svg">')`))
	found := d.axeViolations("portal home with a broken image")
	for _, v := range found {
		if v.ID == "image-alt" {
			return
		}
	}
	t.Fatalf("axe did not report the image without alt: %+v", found)
}
