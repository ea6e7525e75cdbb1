package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"dvclogin/app/apptest"
	"dvclogin/app/i18n"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

const (
	// browserTestTimeout bounds a whole browser test, so a hung browser fails the test
	// instead of the whole run.
	browserTestTimeout = 3 * time.Minute
	// stepTimeout bounds one step (a wait, a click), so a failure names the step. It is
	// generous: CI runs these tests under -race on a loaded 2-core machine.
	stepTimeout = 45 * time.Second
	// pollEvery is how often a wait looks at the page again.
	pollEvery = 100 * time.Millisecond
)

// phoneDevice is a phone-sized Chromium on Android: the viewport of a common 6.1" phone, a
// mobile user agent, and touch, so the simulator runs as it does in a phone's browser.
type phoneDevice struct{}

// Device describes the emulated phone to chromedp.Emulate.
func (phoneDevice) Device() device.Info {
	return device.Info{
		Name:      "Android phone",
		UserAgent: "Mozilla/5.0 (Linux; Android 14; SM-A556E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36",
		Width:     390, Height: 844, Scale: 2,
		Mobile: true, Touch: true,
	}
}

// shotLog numbers the screenshots of one test across all its tabs in the order they were
// taken, so the folder reads as the story of the test.
type shotLog struct {
	t      *testing.T
	dir    string // under the test's temp dir
	mirror string // DVC_SCREENSHOTS/<test name>, or "" when not asked for
	mu     sync.Mutex
	n      int
}

func newShotLog(t *testing.T) *shotLog {
	l := &shotLog{t: t, dir: filepath.Join(t.TempDir(), "screenshots")}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if root := os.Getenv("DVC_SCREENSHOTS"); root != "" {
		l.mirror = filepath.Join(root, filepath.FromSlash(t.Name()))
		if err := os.MkdirAll(l.mirror, 0o755); err != nil {
			t.Fatalf("DVC_SCREENSHOTS: %v", err)
		}
	}
	t.Logf("screenshots of %s: %s", t.Name(), l.dir)
	if l.mirror != "" {
		t.Logf("screenshots copied to %s", l.mirror)
	}
	return l
}

func (l *shotLog) save(name string, png []byte) {
	l.mu.Lock()
	l.n++
	file := fmt.Sprintf("%02d-%s.png", l.n, name)
	l.mu.Unlock()
	if err := os.WriteFile(filepath.Join(l.dir, file), png, 0o644); err != nil {
		l.t.Fatal(err)
	}
	if l.mirror != "" {
		if err := os.WriteFile(filepath.Join(l.mirror, file), png, 0o644); err != nil {
			l.t.Fatal(err)
		}
	}
}

// tab is one browser tab driven by a test: the desktop's, or the phone's.
type tab struct {
	t     *testing.T
	name  string // "desktop" or "phone": the prefix of its screenshots and messages
	ctx   context.Context
	shots *shotLog
	touch bool      // a phone is tapped, a desktop clicked
	lang  i18n.Lang // the language its pages speak; "" is Vietnamese
}

// speak switches the tab's browser to language l as a visitor does: the switch on the portal's
// home page (its ?lang=, which the site remembers in a cookie for every actor). Texts a test
// waits for are then expected in l.
func (b *tab) speak(origin string, l i18n.Lang) {
	b.t.Helper()
	b.navigate(origin + "/")
	b.waitVisible("a.lang-switch")
	if cur, _ := eval[string](b, `document.documentElement.lang`); cur != string(l) {
		b.click("a.lang-switch")
		waitFor(b, "wait for the page in "+string(l), `document.documentElement.lang`, func(s string) bool { return s == string(l) })
	}
	b.lang = l
}

// expect is the text a test that names Vietnamese want should see in this tab's language, and
// whether it is known: a Vietnamese fragment that is not a whole catalog entry is not.
func (b *tab) expect(want string) (string, bool) {
	if b.lang == "" || b.lang == i18n.Vi {
		return want, true
	}
	if en, ok := i18n.English(want); ok {
		return en, true
	}
	for _, r := range want {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return "", false
		}
	}
	return want, true // data, such as a number, reads the same
}

// skipWithoutChromium skips a real-browser test under -short or when Chromium is missing.
func skipWithoutChromium(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("real-browser test: skipped with -short")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("real-browser test: no Chromium at %s (apt-get install chromium)", chromiumPath)
	}
}

// startBrowser starts Chromium for one test and returns its first tab as the desktop, a
// laptop-sized window.
func startBrowser(t *testing.T) *tab {
	t.Helper()
	skipWithoutChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
		// Offline: with the defaults' disable-background-networking, this keeps Chromium from
		// trying to reach outside hosts.
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1366, 900),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(bctx, browserTestTimeout)
	// Cleanups run last-in first-out: the deadline, then the browser, then its allocator.
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelBrowser)
	t.Cleanup(cancel)
	d := &tab{t: t, name: "desktop", ctx: ctx, shots: newShotLog(t)}
	d.open("start Chromium", chromedp.EmulateViewport(1366, 900))
	return d
}

// newPhone opens the phone: a tab in a browser context of its own (its own cookies and
// storage, as a separate device has), emulating a phone.
func (d *tab) newPhone() *tab {
	d.t.Helper()
	pctx, cancel := chromedp.NewContext(d.ctx, chromedp.WithNewBrowserContext())
	d.t.Cleanup(cancel)
	p := &tab{t: d.t, name: "phone", ctx: pctx, shots: d.shots, touch: true}
	p.open("open the phone", chromedp.Emulate(phoneDevice{}))
	return p
}

// newPhoneTab opens another tab on the phone (same browser context: same storage), as a
// phone's camera app opens a scanned link in the phone's browser beside the signed-in app.
func (p *tab) newPhoneTab(name string) *tab {
	p.t.Helper()
	nctx, cancel := chromedp.NewContext(p.ctx)
	p.t.Cleanup(cancel)
	n := &tab{t: p.t, name: name, ctx: nctx, shots: p.shots, touch: true, lang: p.lang}
	n.open("open a tab on the phone", chromedp.Emulate(phoneDevice{}))
	return n
}

// open runs a tab's first steps, which start the browser or the tab. chromedp binds the life
// of what the first run starts to the context of that run, so it gets the tab's own context
// (the whole test's deadline), not a step's.
func (b *tab) open(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// run runs steps within one step deadline and fails the test naming what it was doing.
func (b *tab) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

func (b *tab) navigate(url string) {
	b.t.Helper()
	b.run("open "+url, chromedp.Navigate(url))
}

// click clicks (desktop) or taps (phone) the element once it is visible.
func (b *tab) click(sel string) {
	b.t.Helper()
	if b.touch {
		b.run("tap "+sel, chromedp.Tap(chromedp.CSS(sel)))
		return
	}
	b.run("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// typeInto types text into a field with key events, as a person at the keyboard does.
func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.run("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// paste puts text into a field the way pasting does: one text insertion, no key events.
func (b *tab) paste(sel, text string) {
	b.t.Helper()
	b.run("paste into "+sel, chromedp.Focus(chromedp.CSS(sel)), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
		return err
	}))
}

// shot saves a full-page screenshot named <tab>-<name>.
func (b *tab) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("%s: screenshot %s: %v", b.name, name, err)
	}
	b.shots.save(b.name+"-"+name, img)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// waitFor evaluates the expression until it returns a value ok accepts, and returns that
// value. It polls from the test rather than inside the page, so a wait survives the page
// navigating (a redirect chain, a form post) under it.
func waitFor[T any](b *tab, what, expr string, ok func(T) bool) T {
	b.t.Helper()
	var last T
	var lastErr error
	for deadline := time.Now().Add(stepTimeout); ; {
		v, err := eval[T](b, expr)
		if err == nil && ok(v) {
			return v
		}
		if err == nil {
			last = v
		}
		lastErr = err
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			b.t.Fatalf("%s: %s: gave up; last seen %v (%v)", b.name, what, last, lastErr)
		}
		time.Sleep(pollEvery)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// visibleText is an expression for the text of the first element matching sel when it is
// rendered, or null when there is none or it is hidden.
func visibleText(sel string) string {
	return `(() => { const e = document.querySelector(` + jsString(sel) + `);
		return e && e.getClientRects().length > 0 ? e.textContent.trim().replace(/\s+/g, " ") : null; })()`
}

// waitVisible waits until the element is rendered and returns its text.
func (b *tab) waitVisible(sel string) string {
	b.t.Helper()
	return *waitFor(b, "wait for "+sel, visibleText(sel), func(s *string) bool { return s != nil })
}

// waitText waits until the element is rendered with exactly this text.
func (b *tab) waitText(sel, want string) {
	b.t.Helper()
	want, known := b.expect(want)
	if !known {
		b.waitVisible(sel)
		return
	}
	waitFor(b, fmt.Sprintf("wait for %s to read %q", sel, want), visibleText(sel),
		func(s *string) bool { return s != nil && *s == want })
}

// waitTextContains waits until the element is rendered with text containing want.
func (b *tab) waitTextContains(sel, want string) string {
	b.t.Helper()
	want, known := b.expect(want)
	if !known {
		return b.waitVisible(sel)
	}
	return *waitFor(b, fmt.Sprintf("wait for %s to contain %q", sel, want), visibleText(sel),
		func(s *string) bool { return s != nil && strings.Contains(*s, want) })
}

// waitPath waits until the tab shows a page at this path (on any query string).
func (b *tab) waitPath(path string) {
	b.t.Helper()
	waitFor(b, "wait for the page "+path, `location.pathname`, func(p string) bool { return p == path })
}

// waitQRState waits until the IdP's login page shows the QR login in this state.
func (b *tab) waitQRState(state string) {
	b.t.Helper()
	waitFor(b, "wait for the QR login to be "+state,
		`(() => { const e = document.getElementById("qr-login"); return e ? e.dataset.state : ""; })()`,
		func(s string) bool { return s == state })
}

// phoneScreen waits until the simulator shows this screen (its data-screen attribute).
func (b *tab) phoneScreen(name string) {
	b.t.Helper()
	waitFor(b, "wait for the app's "+name+" screen", `document.getElementById("phone").dataset.screen`,
		func(s string) bool { return s == name })
}

// recordScreens makes the simulator page keep the list of screens it showed (a result
// screen with its title). Some screens last a few seconds by design ("Đăng nhập thành
// công" before the app signs itself out); the record proves they were shown without racing
// their timers.
func (b *tab) recordScreens() {
	b.t.Helper()
	const js = `(() => {
		if (window.shownScreens) return true;
		const seen = window.shownScreens = [];
		const phone = document.getElementById("phone");
		const note = () => {
			const s = phone.dataset.screen;
			const entry = s === "result" ? "result: " + document.getElementById("result-title").textContent : s;
			if (seen[seen.length - 1] !== entry) seen.push(entry);
		};
		new MutationObserver(note).observe(phone, {attributes: true, attributeFilter: ["data-screen"]});
		note();
		return true;
	})()`
	if _, err := eval[bool](b, js); err != nil {
		b.t.Fatalf("%s: record screens: %v", b.name, err)
	}
}

// shownScreens returns what recordScreens recorded so far.
func (b *tab) shownScreens() []string {
	b.t.Helper()
	s, err := eval[[]string](b, `window.shownScreens || []`)
	if err != nil {
		b.t.Fatalf("%s: read the screens shown: %v", b.name, err)
	}
	return s
}

// enterPasscode taps the passcode on the simulator's keypad, checking each digit landed
// (a dot filled) before the next: a tap lost on a busy machine must fail here, not later.
func (b *tab) enterPasscode(passcode string) {
	b.t.Helper()
	b.phoneScreen("passcode")
	for i, d := range passcode {
		b.click("#pk-" + string(d))
		if i == len(passcode)-1 {
			break // the sixth digit submits and the pad clears
		}
		want := i + 1
		waitFor(b, fmt.Sprintf("wait for passcode digit %d", want),
			`document.querySelectorAll("#passcode-dots span.filled").length`, func(n int) bool { return n == want })
	}
}

// screenQR reads the QR the desktop shows as a phone camera would: from a screenshot of the
// image. It retries while the image loads.
func (b *tab) screenQR() string {
	b.t.Helper()
	return b.qrIn("qr-image")
}

// qrIn reads the QR drawn in the element of this id, as a phone's camera would.
func (b *tab) qrIn(id string) string {
	b.t.Helper()
	var last error
	for deadline := time.Now().Add(stepTimeout); time.Now().Before(deadline) && b.ctx.Err() == nil; {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID(id), chromedp.NodeVisible))
		cancel()
		text := ""
		if err == nil {
			text, err = apptest.DecodeQR(shot)
		}
		if err == nil {
			return text
		}
		last = err
		time.Sleep(pollEvery)
	}
	b.t.Fatalf("%s: no readable QR on the page: %v", b.name, last)
	return ""
}
