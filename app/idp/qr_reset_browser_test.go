package idp_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/store"
)

// TestQRPageAfterReset: when the operator resets the demo data while a login page shows a QR,
// the page says "Mã QR đã hết hạn" (followed by its event stream, and by polling where the
// browser has no EventSource), not an error; "Tải lại" then says the login is over.
func TestQRPageAfterReset(t *testing.T) {
	ctx, waitState := qrBrowser(t)
	env := apptest.New(t)
	visibleText := func() string {
		t.Helper()
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("qr-login").innerText`))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	reset := func() {
		t.Helper()
		_, err := app.ResetDemo(context.Background(), env.App.Store(), env.App.Hasher(), "",
			store.Event{At: env.Clock.Now(), Actor: "console", Detail: "test"})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, mode := range []string{"EventStream", "Polling"} {
		if mode == "Polling" {
			// A browser without EventSource polls the status.
			if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
					page.AddScriptToEvaluateOnNewDocumentParams{Source: `delete window.EventSource`})
				return err
			})); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/dang-nhap/vneid")); err != nil {
			t.Fatal(err)
		}
		waitState("waiting")
		reset()
		waitState("expired")
		if text := visibleText(); !strings.Contains(text, "Mã QR đã hết hạn") {
			t.Fatalf("%s: the page after the reset says:\n%s", mode, text)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("qr-reload"))); err != nil {
			t.Fatal(err)
		}
		waitState("error")
		if text := visibleText(); !strings.Contains(text, "Phiên đăng nhập đã hết hạn. Vui lòng quay lại trang dịch vụ và chọn Đăng nhập lại.") {
			t.Fatalf("%s: \"Tải lại\" after the reset says:\n%s", mode, text)
		}
	}
}
