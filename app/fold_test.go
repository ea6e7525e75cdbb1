package app_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"dvclogin/app/apptest"
)

// TestQRStepsAboveTheFold: on a 1366×768 laptop screen the QR login's three steps show
// without scrolling, beside the QR they explain.
func TestQRStepsAboveTheFold(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	d := startBrowser(t)
	d.run("a 1366×768 screen", chromedp.EmulateViewport(1366, 768))
	openPortalLogin(d, env)
	bottom, err := eval[float64](d, `document.querySelector(".qr-help").getBoundingClientRect().bottom`)
	if err != nil {
		t.Fatal(err)
	}
	height, _ := eval[float64](d, `window.innerHeight`)
	if bottom > height {
		t.Fatalf("the QR steps end at %.0f px, below the %.0f px window", bottom, height)
	}
}
