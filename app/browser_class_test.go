package app_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// pdfPage is one page object of a PDF (not the /Pages tree).
var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// TestClassInBrowser is a trainer's class in a real browser: the console makes 5 visitor
// accounts and shows their login cards (which print on one A4 page); then a visitor from a
// card signs in to the phone app and logs in on the portal by scanning the desktop's QR.
func TestClassInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	desktop := startBrowser(t)

	desktop.navigate(env.URL + "/console/login")
	desktop.typeInto("#password", env.Config.AdminPassword)
	desktop.click(`form[action="/console/login"] button`)
	desktop.waitPath("/console/")

	// A refused form keeps what was typed and says what is wrong beside the field.
	desktop.navigate(env.URL + "/console/citizens/new")
	desktop.typeInto("#f-name", "Lê Thị Mai")
	desktop.typeInto("#f-birth", "31/02/1999")
	desktop.click("#citizen-submit")
	desktop.waitTextContains("#e-birth", "không có thật")
	desktop.waitTextContains("#e-id", "Hãy nhập số định danh")
	if v, _ := eval[string](desktop, `document.getElementById("f-name").value`); v != "Lê Thị Mai" {
		t.Fatalf("the refused form lost the name: %q", v)
	}
	desktop.shot("console-add-refused")

	desktop.navigate(env.URL + "/console/citizens")
	desktop.waitVisible("#generate-count")
	desktop.run("set the class size", chromedp.SetValue(chromedp.ID("generate-count"), "5"))
	desktop.shot("console-citizens")
	desktop.click(`form[action="/console/citizens/generate"] button`)
	desktop.waitPath("/console/citizens/generate")
	waitFor(desktop, "wait for 5 login cards", `document.querySelectorAll(".login-card").length`, func(n int) bool { return n == 5 })
	desktop.shot("console-cards")
	if pages := len(pdfPage.FindAll(desktop.printPDF(), -1)); pages != 1 {
		t.Errorf("5 login cards print on %d pages, want one A4 page", pages)
	}
	name := desktop.waitVisible(".login-card .login-card-name")
	idNumber := desktop.waitVisible(".login-card .login-card-id")
	if password := desktop.waitVisible(".login-card .login-card-password"); password != app.DemoPassword {
		t.Fatalf("the card's password is %q, want the demo one", password)
	}

	qr := openPortalLogin(desktop, env)
	phone := desktop.newPhone()
	appSignIn(phone, env, idNumber, name)
	phone.click("#scan-open")
	phone.phoneScreen("scan")
	phone.paste("#scan-text", qr)
	phone.click("#scan-text-submit")
	phone.phoneScreen("confirm")
	phone.waitText("#confirm-client", "Cổng Dịch vụ công Quốc gia")
	phone.shot("confirm")
	phone.click("#confirm-accept")
	phone.enterPasscode(app.DemoPasscode)
	appSignsOut(phone)

	desktop.waitPath("/tai-khoan")
	desktop.waitText("#full-name", name)
	desktop.shot("portal-account")
	if !strings.Contains(desktop.waitVisible("#full-name"), " ") {
		t.Fatalf("the visitor's name %q is not a full name", name)
	}
}

// printPDF prints the page as Chromium prints it (the CSS page size: A4 for the console).
func (b *tab) printPDF() []byte {
	b.t.Helper()
	var pdf []byte
	yes := true
	b.run("print to PDF", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes})
		pdf = res.Data
		return err
	}))
	return pdf
}
