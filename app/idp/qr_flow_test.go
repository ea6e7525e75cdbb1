package idp_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// TestQRLoginEndToEnd is seed flow 1 through the real HTTP surface: the qrDesktop shows a real QR,
// the app scans what the image encodes, the qrDesktop follows over server-sent events, the app
// confirms with the passcode and signs itself out, and the qrDesktop ends at the client with a
// code.
func TestQRLoginEndToEnd(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	d.ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	s := d.start()
	if !strings.HasPrefix(s.QR, env.URL+"/app/scan#") {
		t.Fatalf("qr %q does not open the phone page", s.QR)
	}
	bound := false
	for _, ck := range d.c.Jar.Cookies(qrMustURL(t, s.StatusURL)) {
		bound = bound || strings.HasPrefix(ck.Name, "dvc_idp_qr")
	}
	if !bound {
		t.Fatal("start set no binding cookie")
	}

	resp, img := d.request(http.MethodGet, s.ImageURL, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("image: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	if got := decodeQR(t, img); got != s.QR {
		t.Fatalf("the image encodes %q, want %q", got, s.QR)
	}
	resp, svg := d.request(http.MethodGet, s.ImageURL+"?format=svg", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(string(svg), "<svg") {
		t.Fatalf("svg image: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	events := d.follow()
	if ev := events.next(); ev.Name != "waiting" || ev.Status.QR != s.QR {
		t.Fatalf("first event %q %+v, want waiting with the QR", ev.Name, ev.Status)
	}

	ph := qrAppLogin(t, env, qrAn)
	got := ph.mustScan(decodeQR(t, img))
	if got.ID != s.ID || got.ClientName == "" || got.Browser != "Chrome 124 trên Windows" || got.IP != "127.0.0.1" {
		t.Fatalf("the phone is told %+v", got)
	}
	if ev := events.until("scanned"); ev.Status.ScannedBy != "N***** V** A*" {
		t.Fatalf("scanned event shows %q", ev.Status.ScannedBy)
	}

	if code, e := ph.confirm(s.ID, app.DemoPasscode); code != http.StatusOK {
		t.Fatalf("confirm: %d %+v", code, e)
	}
	ev := events.until("confirmed")
	if ev.Status.Redirect == "" {
		t.Fatal("confirmed event carries no redirect")
	}
	events.ended()
	if code := ph.me(); code != http.StatusUnauthorized {
		t.Fatalf("the app token still works after the QR login: /me %d", code)
	}

	binding := d.c.Jar.Cookies(qrMustURL(t, ev.Status.Redirect))
	at := d.finish(ev.Status.Redirect)
	cb := qrMustURL(t, at)
	if !strings.HasPrefix(at, client.DemoRedirect) || cb.Query().Get("code") == "" {
		t.Fatalf("the browser ended at %s, want the client callback with a code", at)
	}

	// The same browser's binding, replayed: finish is single use.
	replay := env.Client()
	replay.Jar.SetCookies(qrMustURL(t, ev.Status.Redirect), binding)
	resp, body := env.Get(replay, ev.Status.Redirect)
	if resp.StatusCode != http.StatusConflict || strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Fatalf("replayed finish: %d\n%s", resp.StatusCode, body)
	}
}

// TestQRLoginWebPermission is the seed's branch without "Đăng nhập trên website": the scan is
// refused with the seed's message but binds the login, the app grants the permission with the
// passcode, and a re-scan of the same (by now stale) frame continues the same login.
func TestQRLoginWebPermission(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	ph := qrAppLogin(t, env, qrBinh)

	code, e, _ := ph.scan(s.QR)
	wantQRError(t, "scan without permission", code, e, http.StatusForbidden, "web_login_not_permitted")
	if e.Error.Message != qrSeedNoPermission {
		t.Fatalf("message %q, want the seed's text", e.Error.Message)
	}
	if st := d.mustState("scanned"); st.ScannedBy != "T*** T** B***" {
		t.Fatalf("qrDesktop shows %q", st.ScannedBy)
	}
	if code, e := ph.confirm(s.ID, app.DemoPasscode); code != http.StatusForbidden || e.Error.Code != "web_login_not_permitted" {
		t.Fatalf("confirm before the grant: %d %+v", code, e)
	}

	for _, tc := range []struct {
		name     string
		passcode string
		status   int
		code     string
	}{
		{"ErrWrongPasscode", "000000", http.StatusBadRequest, "invalid_passcode"},
		{"OK", app.DemoPasscode, http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out struct {
				Enabled bool `json:"web_login_enabled"`
			}
			code, e := ph.call(http.MethodPut, "/settings/web-login", map[string]any{"enabled": true, "passcode": tc.passcode}, &out)
			if code != tc.status || e.Error.Code != tc.code || (tc.status == http.StatusOK && !out.Enabled) {
				t.Fatalf("grant: %d %+v %+v", code, e, out)
			}
		})
	}
	var msgs struct {
		Messages []struct{ Channel, Body string } `json:"messages"`
	}
	ph.call(http.MethodGet, "/messages", nil, &msgs)
	if len(msgs.Messages) == 0 || msgs.Messages[0].Channel != "app" || !strings.Contains(msgs.Messages[0].Body, "Đăng nhập trên website") {
		t.Fatalf("no in-app notice of the grant: %+v", msgs.Messages)
	}

	env.Clock.Advance(45 * time.Second) // the first frame is past its 30 s window, the login lives 120 s
	got := ph.mustScan(s.QR)
	if got.ID != s.ID {
		t.Fatalf("re-scan continued login %q, want %q", got.ID, s.ID)
	}
	if code, e := ph.confirm(s.ID, app.DemoPasscode); code != http.StatusOK {
		t.Fatalf("confirm after the grant: %d %+v", code, e)
	}
	st := d.mustState("confirmed")
	if at := d.finish(st.Redirect); !strings.Contains(at, "code=") {
		t.Fatalf("finish ended at %s", at)
	}
}

// TestQRLoginDeny: "Hủy" on the phone ends the login, the qrDesktop says so, and the app stays
// signed in.
func TestQRLoginDeny(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	events := d.follow()
	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(s.QR)
	events.until("scanned")
	if code, e := ph.deny(s.ID); code != http.StatusOK {
		t.Fatalf("deny: %d %+v", code, e)
	}
	if ev := events.until("denied"); ev.Status.Redirect != "" {
		t.Fatal("a denied login offers a redirect")
	}
	events.ended()
	d.mustState("denied")
	code, e := ph.confirm(s.ID, app.DemoPasscode)
	wantQRError(t, "confirm after deny", code, e, http.StatusConflict, "qr_already_used")
	if code := ph.me(); code != http.StatusOK {
		t.Fatalf("deny signed the app out: /me %d", code)
	}
	resp, body := env.Get(d.c, "/idp/qr/"+s.ID+"/finish")
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("finish of a denied login: %d\n%s", resp.StatusCode, body)
	}
}

// TestQRLoginCancel: the qrDesktop gives up; the QR is then dead for the phone.
func TestQRLoginCancel(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	resp, raw := d.request(http.MethodPost, "/idp/qr/"+s.ID+"/cancel", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"cancelled"`) {
		t.Fatalf("cancel: %d %s", resp.StatusCode, raw)
	}
	d.mustState("cancelled")
	code, e, _ := qrAppLogin(t, env, qrAn).scan(s.QR)
	wantQRError(t, "scan after cancel", code, e, http.StatusConflict, "qr_already_used")
}

// TestQRLoginExpiry: a login lives 120 s; after that neither scan nor confirm works and the
// qrDesktop reads expired (T21).
func TestQRLoginExpiry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scanned  bool
		doAction func(ph *qrPhone, s client.QRLogin) (int, apptest.APIError)
	}{
		{"ErrScanAfterExpiry", false, func(ph *qrPhone, s client.QRLogin) (int, apptest.APIError) {
			code, e, _ := ph.scan(s.QR)
			return code, e
		}},
		{"ErrConfirmAfterExpiry", true, func(ph *qrPhone, s client.QRLogin) (int, apptest.APIError) {
			return ph.confirm(s.ID, app.DemoPasscode)
		}},
		{"ErrDenyAfterExpiry", true, func(ph *qrPhone, s client.QRLogin) (int, apptest.APIError) {
			return ph.deny(s.ID)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t)
			d := openQRDesktop(t, env)
			s := d.start()
			ph := qrAppLogin(t, env, qrAn)
			if tc.scanned {
				ph.mustScan(s.QR)
			}
			env.Clock.Advance(121 * time.Second)
			code, e := tc.doAction(ph, s)
			wantQRError(t, "after expiry", code, e, http.StatusGone, "qr_expired")
			d.mustState("expired")
		})
	}
}

// TestQRLoginExpiryOverEvents: the stream reports the expiry and ends.
func TestQRLoginExpiryOverEvents(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	events := d.follow()
	events.until("waiting")
	env.Clock.Advance(10 * time.Second)
	if ev := events.until("frame"); ev.Status.QR == s.QR || ev.Status.QR == "" {
		t.Fatalf("frame event carries %q", ev.Status.QR)
	}
	env.Clock.Advance(111 * time.Second)
	events.until("expired")
	events.ended()
}

// TestQRFrameFreshness: a frame is accepted 30 s after it first showed; a photo of the screen
// goes stale, the frame on the screen now works.
func TestQRFrameFreshness(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	first := d.start().QR
	env.Clock.Advance(35 * time.Second)
	ph := qrAppLogin(t, env, qrAn)
	code, e, _ := ph.scan(first)
	wantQRError(t, "stale frame", code, e, http.StatusGone, "qr_expired")
	st := d.mustState("waiting")
	if st.QR == first {
		t.Fatal("the frame did not rotate")
	}
	resp, img := d.request(http.MethodGet, d.login.ImageURL, nil)
	if resp.StatusCode != http.StatusOK || decodeQR(t, img) != st.QR {
		t.Fatal("the image does not show the current frame")
	}
	ph.mustScan(st.QR)
	d.mustState("scanned")
}

// TestQRScanRefusals: text that is not one of our codes, and codes that are no longer open.
func TestQRScanRefusals(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	frame := qrFrameOf(s.QR)
	id, rest, _ := strings.Cut(frame, ".")
	step, mac, _ := strings.Cut(rest, ".")
	flip := "A"
	if mac[0] == 'A' {
		flip = "B"
	}
	ph := qrAppLogin(t, env, qrAn)
	for _, tc := range []struct {
		name string
		text string
	}{
		{"ErrEmpty", ""},
		{"ErrForeignURL", "https://example.com/login?x=1"},
		{"ErrGarbageFrame", env.URL + "/app/scan#abc.def.ghi"},
		{"ErrTamperedMAC", env.URL + "/app/scan#" + id + "." + step + "." + flip + mac[1:]},
		{"ErrOtherStep", env.URL + "/app/scan#" + id + ".1." + mac},
		{"ErrUnknownLogin", env.URL + "/app/scan#" + strings.Repeat("x", len(id)) + "." + step + "." + mac},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, e, _ := ph.scan(tc.text)
			wantQRError(t, "scan", code, e, http.StatusBadRequest, "invalid_qr")
		})
	}
	d.mustState("waiting")
	t.Run("OKBareFrame", func(t *testing.T) { ph.mustScan(frame) })
	t.Run("ErrReplayByAnotherApp", func(t *testing.T) {
		code, e, _ := qrAppLogin(t, env, qrBinh).scan(s.QR)
		wantQRError(t, "second phone", code, e, http.StatusConflict, "qr_already_used")
	})
	t.Run("ErrReplayAfterConfirm", func(t *testing.T) {
		if code, e := ph.confirm(s.ID, app.DemoPasscode); code != http.StatusOK {
			t.Fatalf("confirm: %d %+v", code, e)
		}
		code, e, _ := qrAppLogin(t, env, qrAn).scan(s.QR)
		wantQRError(t, "replay", code, e, http.StatusConflict, "qr_already_used")
	})
}

// TestQRLevelOne: a level-1 account cannot log in on the web and does not capture the login.
func TestQRLevelOne(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	code, e, _ := qrAppLogin(t, env, qrChau).scan(s.QR)
	wantQRError(t, "level 1", code, e, http.StatusForbidden, "account_level_insufficient")
	d.mustState("waiting")
	qrAppLogin(t, env, qrAn).mustScan(s.QR)
}

// TestQRRestart: the state lives in SQLite: a restart between scan and confirm loses nothing.
func TestQRRestart(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(s.QR)
	env.Restart()
	d.mustState("scanned")
	if code := ph.me(); code != http.StatusOK {
		t.Fatalf("the app token did not survive the restart: /me %d", code)
	}
	events := d.follow()
	events.until("scanned")
	if code, e := ph.confirm(s.ID, app.DemoPasscode); code != http.StatusOK {
		t.Fatalf("confirm after restart: %d %+v", code, e)
	}
	ev := events.until("confirmed")
	if at := d.finish(ev.Status.Redirect); !strings.Contains(at, "code=") {
		t.Fatalf("finish ended at %s", at)
	}
}

// TestQRBrowserShownToPhone: the phone is told which browser asks, in words a citizen reads.
func TestQRBrowserShownToPhone(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	ph := qrAppLogin(t, env, qrAn)
	for _, tc := range []struct{ name, ua, want string }{
		{"ChromeWindows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "Chrome 124 trên Windows"},
		{"EdgeWindows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.51", "Edge 125 trên Windows"},
		{"CocCoc", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/123.0.198 Chrome/117.0.0.0 Safari/537.36", "Cốc Cốc 123 trên Windows"},
		{"SafariMac", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", "Safari 17 trên macOS"},
		{"FirefoxLinux", "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0", "Firefox 126 trên Linux"},
		{"Unknown", "curl/8.5.0", "Trình duyệt không xác định"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d.ua = tc.ua
			s := d.start()
			if got := ph.mustScan(s.QR).Browser; got != tc.want {
				t.Fatalf("browser %q, want %q", got, tc.want)
			}
			if code, e := ph.deny(s.ID); code != http.StatusOK {
				t.Fatalf("deny: %d %+v", code, e)
			}
		})
	}
}

func qrMustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestQRPhoneFollowsTheDesktop: the phone's confirmation screen learns that the desktop
// cancelled the login or that it expired, and a confirm then says so before any passcode is
// checked (a cancelled login is not "already used", and costs no passcode try).
func TestQRPhoneFollowsTheDesktop(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		end       func(env *apptest.Env, d *qrDesktop, s client.QRLogin)
		state     string
		code      string
		wantState string
	}{
		{"Cancelled", func(env *apptest.Env, d *qrDesktop, s client.QRLogin) {
			if resp, raw := d.request(http.MethodPost, "/idp/qr/"+s.ID+"/cancel", nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("cancel: %d %s", resp.StatusCode, raw)
			}
		}, "cancelled", "qr_expired", "cancelled"},
		{"Expired", func(env *apptest.Env, d *qrDesktop, s client.QRLogin) {
			env.Clock.Advance(121 * time.Second)
		}, "expired", "qr_expired", "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t)
			d := openQRDesktop(t, env)
			s := d.start()
			ph := qrAppLogin(t, env, qrAn)
			ph.mustScan(s.QR)
			if got, err := ph.dev.App.Scanned(ctx, ph.token, s.ID); err != nil || got.State != "scanned" {
				t.Fatalf("state while deciding = %+v, %v; want scanned", got, err)
			}
			tc.end(env, d, s)
			got, err := ph.dev.App.Scanned(ctx, ph.token, s.ID)
			if err != nil || got.State != tc.state {
				t.Fatalf("state after the desktop side ended = %+v, %v; want %s", got, err, tc.state)
			}
			code, e := ph.confirm(s.ID, "000000") // a wrong passcode: must not even be checked
			wantQRError(t, "confirm", code, e, http.StatusGone, tc.code)
			if word := map[string]string{"cancelled": "bị hủy trên máy tính", "expired": "hết hạn"}[tc.state]; !strings.Contains(e.Error.Message, word) {
				t.Fatalf("the refusal says %q, want it to say %q", e.Error.Message, word)
			}
			cit, err := env.App.Store().CitizenByIDNumber(ctx, qrAn)
			if err != nil {
				t.Fatal(err)
			}
			if cit.PasscodeFailures != 0 {
				t.Fatalf("the passcode was checked for an ended login: %d failures", cit.PasscodeFailures)
			}
			d.mustState(tc.wantState)
		})
	}
}

// TestQRScannedStateIsTheScannersOnly: another app session cannot read the state of a login
// it did not scan.
func TestQRScannedStateIsTheScannersOnly(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(s.QR)
	other := env.NewDevice()
	token := other.Login(qrBinh, app.DemoPassword)
	_, err := other.App.Scanned(context.Background(), token, s.ID)
	code, e := apptest.Refusal(t, err)
	wantQRError(t, "another app's state", code, e, http.StatusConflict, "qr_already_used")
}

// TestQRLoginNotMe: "Không phải tôi" refuses the login as "Hủy" does (the desktop hears
// denied), records who asked (the requester's browser and IP) under its own action, and
// tells the citizen in the app which browser and address asked and what to do.
func TestQRLoginNotMe(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	d.ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	s := d.start()
	events := d.follow()
	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(s.QR)
	events.until("scanned")

	var out struct {
		State string `json:"state"`
	}
	if code, e := ph.call(http.MethodPost, "/qr/"+s.ID+"/deny", map[string]string{"reason": "not_me"}, &out); code != http.StatusOK || out.State != "denied" {
		t.Fatalf("not me: %d %+v %+v", code, e, out)
	}
	if ev := events.until("denied"); ev.Status.Redirect != "" {
		t.Fatal("a login refused as not mine offers a redirect")
	}
	events.ended()
	d.mustState("denied")
	code, e := ph.confirm(s.ID, app.DemoPasscode)
	wantQRError(t, "confirm after not me", code, e, http.StatusConflict, "qr_already_used")

	events2, err := env.App.Store().ListAudit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var notMe, denied int
	for _, ev := range events2 {
		switch ev.Action {
		case "qr_not_me":
			notMe++
			if !strings.Contains(ev.Detail, "qr "+s.ID[:8]) || !strings.Contains(ev.Detail, "Chrome 124") || !strings.HasSuffix(ev.Detail, "; 127.0.0.1") {
				t.Errorf("qr_not_me detail %q lacks the login, the requester's browser or IP", ev.Detail)
			}
		case "qr_denied":
			denied++
		}
	}
	if notMe != 1 || denied != 0 {
		t.Fatalf("audit: %d qr_not_me and %d qr_denied events, want 1 and 0", notMe, denied)
	}

	var msgs struct {
		Messages []struct{ Channel, Body string } `json:"messages"`
	}
	if code, e := ph.call(http.MethodGet, "/messages", nil, &msgs); code != http.StatusOK {
		t.Fatalf("messages: %d %+v", code, e)
	}
	if len(msgs.Messages) == 0 {
		t.Fatal("no notice after not me")
	}
	m := msgs.Messages[0]
	for _, want := range []string{"Không phải tôi", "Chrome 124 trên Windows", "127.0.0.1", "đổi mật khẩu", "giảng viên"} {
		if m.Channel != "app" || !strings.Contains(m.Body, want) {
			t.Fatalf("the notice (%s) %q does not say %q", m.Channel, m.Body, want)
		}
	}
}

// TestQRLoginDenyReasons: the body-less deny is "Hủy" as before (no notice, qr_denied), an
// empty reason is the same, and a reason the server does not know is refused without ending
// the login.
func TestQRLoginDenyReasons(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(s.QR)
	code, e := ph.call(http.MethodPost, "/qr/"+s.ID+"/deny", map[string]string{"reason": "bored"}, nil)
	wantQRError(t, "unknown reason", code, e, http.StatusBadRequest, "bad_request")
	d.mustState("scanned")

	var before struct {
		Messages []struct{ Body string } `json:"messages"`
	}
	ph.call(http.MethodGet, "/messages", nil, &before)
	if code, e := ph.deny(s.ID); code != http.StatusOK {
		t.Fatalf("plain deny: %d %+v", code, e)
	}
	d.mustState("denied")
	var after struct {
		Messages []struct{ Body string } `json:"messages"`
	}
	ph.call(http.MethodGet, "/messages", nil, &after)
	if len(after.Messages) != len(before.Messages) {
		t.Fatalf("a plain deny sent a notice: %+v", after.Messages)
	}
	an, err := env.App.Store().CitizenByIDNumber(context.Background(), qrAn)
	if err != nil {
		t.Fatal(err)
	}
	acts := auditActions(t, env, an.ID)
	if !slices.Contains(acts, "qr_denied") || slices.Contains(acts, "qr_not_me") {
		t.Fatalf("a plain deny audited %v", acts)
	}

	// An empty reason is "Hủy" too.
	s2 := openQRDesktop(t, env).start()
	ph.mustScan(s2.QR)
	var out struct{ State string }
	if code, e := ph.call(http.MethodPost, "/qr/"+s2.ID+"/deny", map[string]string{"reason": ""}, &out); code != http.StatusOK || out.State != "denied" {
		t.Fatalf("deny with an empty reason: %d %+v %+v", code, e, out)
	}
}
