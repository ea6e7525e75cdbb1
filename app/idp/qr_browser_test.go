package idp_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

const qrChromium = "/usr/bin/chromium"

// qrBrowser starts Chromium for one test (skipped under -short or without Chromium) and
// returns its context, bounded to 90 s, and a wait for the QR area's state.
func qrBrowser(t *testing.T) (context.Context, func(state string)) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test")
	}
	if _, err := os.Stat(qrChromium); err != nil {
		t.Skip("no chromium at " + qrChromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(qrChromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelBrowser)
	t.Cleanup(cancel)
	waitState := func(state string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#qr-login[data-state="`+state+`"]`))); err != nil {
			t.Fatalf("page never showed %s: %v", state, err)
		}
	}
	return ctx, waitState
}

// TestQRLoginInBrowser runs seed flow 1 in a real browser: the portal's "Đăng nhập" leads to
// the IdP page, whose script starts the QR by itself; the QR expires, "Tải lại" brings a new
// one; the phone scans what the screen shows, the page says who scanned, and after the
// phone's confirmation the browser reaches the portal's account page without a click.
func TestQRLoginInBrowser(t *testing.T) {
	ctx, waitState := qrBrowser(t)
	env := apptest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/dang-nhap/vneid")); err != nil {
		t.Fatal(err)
	}
	waitState("waiting")
	first := screenQR(t, ctx, "")

	env.Clock.Advance(121 * time.Second)
	waitState("expired")
	blurred, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("qr-image").classList.contains("qr-blurred")`))
	if err != nil || !blurred {
		t.Fatalf("the expired QR is not blurred (%v)", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("qr-reload"))); err != nil {
		t.Fatal(err)
	}
	waitState("waiting")
	qr := screenQR(t, ctx, first)

	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(qr)
	waitState("scanned")
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("qr-scanned-by")))
	if err != nil || who != "N***** V** A*" {
		t.Fatalf("the page shows scanned by %q (%v)", who, err)
	}
	if code, e := ph.confirm(qrID(qr), app.DemoPasscode); code != 200 {
		t.Fatalf("confirm: %d %+v", code, e)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("full-name"))); err != nil {
		t.Fatalf("the browser did not reach the account page: %v", err)
	}
	name, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("full-name")))
	if err != nil || name != "Nguyễn Văn An" {
		t.Fatalf("account page shows %q (%v)", name, err)
	}
}

// screenQR reads the QR the page shows, as a phone camera would: from a screenshot of the
// image element. It retries while the image is loading or still shows the previous code.
func screenQR(t *testing.T, ctx context.Context, previous string) string {
	t.Helper()
	var last error
	// A loaded CI machine may need seconds to fetch and paint the image: poll until a deadline
	// rather than a fixed number of tries.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID("qr-image"), chromedp.NodeVisible))
		text := ""
		if err == nil {
			text, err = apptest.DecodeQR(shot)
		}
		if err == nil && text != previous {
			return text
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no readable QR on the page: %v", last)
	return ""
}

// qrID is the login id inside a QR text.
func qrID(qr string) string {
	id, _, _ := strings.Cut(qrFrameOf(qr), ".")
	return id
}
