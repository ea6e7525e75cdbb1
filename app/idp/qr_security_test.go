package idp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// TestQRBindingRequired (T19): whoever holds the QR, even on a page of their own with a valid
// CSRF token, cannot watch, draw, cancel or redeem a login another browser started.
func TestQRBindingRequired(t *testing.T) {
	env := apptest.New(t)
	victim := openQRDesktop(t, env)
	s := victim.start()
	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(s.QR)
	if code, e := ph.confirm(s.ID, app.DemoPasscode); code != http.StatusOK {
		t.Fatalf("confirm: %d %+v", code, e)
	}

	forged := openQRDesktop(t, env)
	forged.c.Jar.SetCookies(qrMustURL(t, s.StatusURL), []*http.Cookie{{Name: "dvc_idp_qr_" + s.ID, Value: "forged-binding-secret", Path: "/idp/qr"}})
	for _, b := range []struct {
		name string
		d    *qrDesktop
	}{{"NoCookie", openQRDesktop(t, env)}, {"ForgedCookie", forged}} {
		for _, tc := range []struct {
			name, method, target string
		}{
			{"Status", http.MethodGet, s.StatusURL},
			{"Events", http.MethodGet, s.EventsURL},
			{"Image", http.MethodGet, s.ImageURL},
			{"Finish", http.MethodGet, env.URL + "/idp/qr/" + s.ID + "/finish"},
			{"Cancel", http.MethodPost, env.URL + "/idp/qr/" + s.ID + "/cancel"},
		} {
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				b.d.t = t
				resp, raw := b.d.request(tc.method, tc.target, nil)
				if resp.StatusCode != http.StatusNotFound || strings.Contains(string(raw), "redirect") {
					t.Fatalf("%s by another browser: %d %s", tc.name, resp.StatusCode, raw)
				}
			})
		}
	}
	// The browser that started it still gets everything.
	if st := victim.mustState("confirmed"); st.Redirect == "" {
		t.Fatal("the binding browser gets no redirect")
	}
}

// TestQRBindingCookie checks the binding cookie's attributes (T25).
func TestQRBindingCookie(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	resp, raw := d.request(http.MethodPost, "/idp/qr/start", map[string]string{"auth_request": d.page.AuthRequestID})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("start: %d %s", resp.StatusCode, raw)
	}
	var s client.QRLogin
	json.Unmarshal(raw, &s)
	var found *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "dvc_idp_qr_"+s.ID {
			found = ck
		}
	}
	if found == nil || !found.HttpOnly || found.SameSite != http.SameSiteStrictMode || found.Path != "/idp/qr" || len(found.Value) < 40 {
		t.Fatalf("binding cookie %+v", found)
	}
	if strings.Contains(s.QR, found.Value) {
		t.Fatal("the QR carries the binding secret")
	}
}

// TestQRStartRefusals: starts need the page's CSRF token and a live auth request, and one IP
// cannot mint QR logins without limit (T22).
func TestQRStartRefusals(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	t.Run("ErrNoCSRF", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/idp/qr/start", strings.NewReader(`{"auth_request":"`+d.page.AuthRequestID+`"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := d.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("start without CSRF token: %d", resp.StatusCode)
		}
	})
	t.Run("ErrUnknownAuthRequest", func(t *testing.T) {
		d.t = t
		resp, raw := d.request(http.MethodPost, "/idp/qr/start", map[string]string{"auth_request": "no-such-request"})
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(raw), `"code"`) {
			t.Fatalf("start for an unknown auth request: %d %s", resp.StatusCode, raw)
		}
	})
	t.Run("ErrFlood", func(t *testing.T) {
		d.t = t
		for range 120 {
			d.start()
		}
		resp, raw := d.request(http.MethodPost, "/idp/qr/start", map[string]string{"auth_request": d.page.AuthRequestID})
		var e apptest.APIError
		json.Unmarshal(raw, &e)
		if resp.StatusCode != http.StatusTooManyRequests || e.Error.Code != "rate_limited" || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("121st start in a minute: %d %s", resp.StatusCode, raw)
		}
		env.Clock.Advance(61 * time.Second)
		d.start()
	})
}

// TestQRPendingScanCap: one account cannot hold more than a few undecided logins (push
// bombing, T22).
func TestQRPendingScanCap(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	ph := qrAppLogin(t, env, qrAn)
	for range 20 {
		ph.mustScan(d.start().QR)
	}
	code, e, _ := ph.scan(d.start().QR)
	wantQRError(t, "21st pending scan", code, e, http.StatusTooManyRequests, "rate_limited")
}

// TestQRAnotherAppSession: the app session that scanned owns the login; another citizen's app
// can neither confirm nor deny it.
func TestQRAnotherAppSession(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	owner := qrAppLogin(t, env, qrAn)
	owner.mustScan(s.QR)
	other := qrAppLogin(t, env, qrBinh)
	if code, e := other.call(http.MethodPut, "/settings/web-login", map[string]any{"enabled": true, "passcode": app.DemoPasscode}, nil); code != http.StatusOK {
		t.Fatalf("grant: %d %+v", code, e)
	}
	code, e := other.confirm(s.ID, app.DemoPasscode)
	wantQRError(t, "confirm by another app", code, e, http.StatusConflict, "qr_already_used")
	code, e = other.deny(s.ID)
	wantQRError(t, "deny by another app", code, e, http.StatusConflict, "qr_already_used")
	d.mustState("scanned")
	if code, e := owner.confirm(s.ID, app.DemoPasscode); code != http.StatusOK {
		t.Fatalf("confirm by the owner: %d %+v", code, e)
	}
}

// qrRawCall is an app API call that reports instead of failing the test, for goroutines.
func qrRawCall(env *apptest.Env, token, method, path string, in any) (int, string) {
	resp, raw, err := client.NewPhone(env.URL, http.DefaultClient, "").Do(context.Background(), method, path, token, in)
	if err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, string(raw)
}

// TestQRConcurrentConfirms (T12/T21): 20 confirms at once, exactly one wins.
func TestQRConcurrentConfirms(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(s.QR)
	codes := make([]int, 20)
	bodies := make([]string, 20)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range codes {
		wg.Go(func() {
			<-start
			codes[i], bodies[i] = qrRawCall(env, ph.token, http.MethodPost, "/qr/"+s.ID+"/confirm", map[string]string{"passcode": app.DemoPasscode})
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, code := range codes {
		switch code {
		case http.StatusOK:
			wins++
		case http.StatusConflict, http.StatusUnauthorized, http.StatusTooManyRequests:
		default:
			t.Errorf("confirm %d: %d %s", i, code, bodies[i])
		}
	}
	if wins != 1 {
		t.Fatalf("%d confirms succeeded, want exactly 1 (%v)", wins, codes)
	}
	d.mustState("confirmed")
}

// TestQRConcurrentScans: two phones racing for one QR; one of them gets it, the other is told
// the code is used.
func TestQRConcurrentScans(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	phones := []*qrPhone{qrAppLogin(t, env, qrAn), qrAppLogin(t, env, qrBinh)}
	codes := make([][]int, len(phones))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for p := range phones {
		codes[p] = make([]int, 6)
		for i := range codes[p] {
			wg.Go(func() {
				<-start
				codes[p][i], _ = qrRawCall(env, phones[p].token, http.MethodPost, "/qr/scan", map[string]string{"qr": s.QR})
			})
		}
	}
	close(start)
	wg.Wait()
	// An (web login on) wins with 200s, Bình (web login off) with the permission refusal.
	winCode := []int{http.StatusOK, http.StatusForbidden}
	winners := 0
	for p := range phones {
		won, lost := 0, 0
		for _, code := range codes[p] {
			switch code {
			case winCode[p]:
				won++
			case http.StatusConflict:
				lost++
			default:
				t.Errorf("phone %d: unexpected %d", p, code)
			}
		}
		if won > 0 && lost > 0 {
			t.Errorf("phone %d both won and lost: %v", p, codes[p])
		}
		if won > 0 {
			winners++
		}
	}
	if winners != 1 {
		t.Fatalf("%d phones bound the login, want exactly 1: %v", winners, codes)
	}
	d.mustState("scanned")
}

// TestQRPasscodeRegulation (T18): 5 wrong passcodes start a cooldown, the 10th locks the
// passcode and ends the app session; after a new app login the lock still holds on use.
func TestQRPasscodeRegulation(t *testing.T) {
	env := apptest.New(t)
	ph := qrAppLogin(t, env, qrAn)
	d := openQRDesktop(t, env)
	s := d.start()
	ph.mustScan(s.QR)
	for i := 1; i <= 5; i++ {
		code, e := ph.confirm(s.ID, "000000")
		if i < 5 {
			wantQRError(t, "wrong passcode", code, e, http.StatusBadRequest, "invalid_passcode")
		} else {
			wantQRError(t, "5th wrong passcode", code, e, http.StatusTooManyRequests, "rate_limited")
		}
	}
	code, e := ph.confirm(s.ID, app.DemoPasscode)
	wantQRError(t, "right passcode during the cooldown", code, e, http.StatusTooManyRequests, "rate_limited")
	d.mustState("scanned")

	env.Clock.Advance(5*time.Minute + time.Second)
	d = openQRDesktop(t, env)
	s = d.start()
	ph.mustScan(s.QR)
	for i := 6; i <= 10; i++ {
		code, e := ph.confirm(s.ID, "000000")
		if i < 10 {
			wantQRError(t, "wrong passcode", code, e, http.StatusBadRequest, "invalid_passcode")
		} else {
			wantQRError(t, "10th wrong passcode", code, e, http.StatusLocked, "passcode_locked")
		}
	}
	if code := ph.me(); code != http.StatusUnauthorized {
		t.Fatalf("the app session survived the passcode lock: /me %d", code)
	}
	d.mustState("scanned")

	again := qrAppLogin(t, env, qrAn)
	d = openQRDesktop(t, env)
	s = d.start()
	again.mustScan(s.QR)
	code, e = again.confirm(s.ID, app.DemoPasscode)
	wantQRError(t, "right passcode while locked", code, e, http.StatusLocked, "passcode_locked")
	d.mustState("scanned")
}
