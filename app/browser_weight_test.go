package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/i18n"
)

// loadedResource is one entry of the page's Resource Timing: what the browser fetched for it,
// whoever asked (the HTML, a stylesheet or a script).
type loadedResource struct {
	Name string  `json:"name"`
	Size float64 `json:"size"` // encodedBodySize: as sent, compressed where it was
}

// firstLoad is everything the page in the tab has fetched since it was opened, as the browser
// counts it: the document and each resource, scripts' own fetches included.
const firstLoad = `(() => {
	const nav = performance.getEntriesByType("navigation")[0];
	return [{name: location.href, size: nav ? nav.encodedBodySize : 0}].concat(
		performance.getEntriesByType("resource").map(r => ({name: r.name, size: r.encodedBodySize})));
})()`

// checkFirstLoad fails when what the page has fetched exceeds firstLoadLimit or names another
// origin. It waits for the page to finish loading, then a moment for what its scripts fetch at
// start (the QR image, the phone's settings).
func (b *tab) checkFirstLoad(origin, page string) {
	b.t.Helper()
	waitFor(b, "wait for "+page+" to load", `document.readyState`, func(s string) bool { return s == "complete" })
	time.Sleep(time.Second)
	got, err := eval[[]loadedResource](b, firstLoad)
	if err != nil {
		b.t.Fatalf("%s: %s: read Resource Timing: %v", b.name, page, err)
	}
	total := 0.0
	var list []string
	for _, r := range got {
		if !strings.HasPrefix(r.Name, origin+"/") && r.Name != origin {
			b.t.Errorf("%s: %s asks another origin: %s", b.name, page, r.Name)
		}
		total += r.Size
		list = append(list, fmt.Sprintf("%s %.0f", strings.TrimPrefix(r.Name, origin), r.Size))
	}
	if len(got) < 3 || total == 0 {
		b.t.Fatalf("%s: %s: the browser reports only %v: the measure no longer sees the page's files", b.name, page, list)
	}
	if total > firstLoadLimit {
		b.t.Errorf("%s: %s: first load %.0f bytes, over %d: %s", b.name, page, total, firstLoadLimit, strings.Join(list, ", "))
	}
	b.t.Logf("%s: %s (%s): %.0f bytes in %d files", b.name, page, b.lang, total, len(got))
}

// TestFirstLoadInBrowser: measured by the browser itself, with its cache off so every page loads
// as the first time, every page a citizen or a trainer opens first weighs at most
// 150 KB with everything its HTML, its styles and its scripts fetch, and asks nothing of another
// origin; in both languages, at desktop width and on the phone.
func TestFirstLoadInBrowser(t *testing.T) {
	skipWithoutChromium(t)
	env := apptest.New(t)
	d := startBrowser(t)
	phone := d.newPhone()
	for _, b := range []*tab{d, phone} {
		b.run("turn the cache off", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
			return err
		}))
	}
	for _, l := range []i18n.Lang{i18n.Vi, i18n.En} {
		d.speak(env.URL, l)
		phone.speak(env.URL, l)
		for _, p := range []struct{ name, path string }{
			{"portal home", "/"}, {"account-type chooser", "/dang-nhap"}, {"phone app", "/app/"},
			{"console login", "/console/login"}, {"certificate guide", "/cai-dat-chung-chi"},
		} {
			for _, b := range []*tab{d, phone} {
				b.navigate(env.URL + p.path)
				b.checkFirstLoad(env.URL, p.name)
			}
		}
		// The IdP's login page (QR tab: its image and its event stream) and the code step.
		openPortalLogin(d, env)
		d.checkFirstLoad(env.URL, "IdP login")
		d.click("#tab-password")
		d.typeInto("#username", "001085012345")
		d.typeInto("#password", app.DemoPassword)
		d.click("#password-submit")
		d.waitPath("/idp/login/otp")
		d.checkFirstLoad(env.URL, "code step")
	}
}
