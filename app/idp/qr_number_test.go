package idp_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/store"
)

// Number matching ("Đối chiếu số"): the console turns it on; after a scan the desktop shows a
// number and the phone must pick it among three, once, before the passcode.

const (
	msgNumberNeeded = "Hãy chọn số đang hiển thị trên màn hình máy tính trước khi nhập passcode."
	msgNumberWrong  = "Số bạn chọn không khớp với số trên màn hình máy tính, nên yêu cầu đăng nhập đã bị từ chối. Nếu chính bạn đang đăng nhập, hãy tải lại mã QR trên máy tính và quét lại."
)

func setNumberMatching(t testing.TB, env *apptest.Env, on bool) {
	t.Helper()
	if err := env.App.Store().SetQRNumberMatching(context.Background(), on, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
}

// rawScan scans as the phone and returns the scan's answer as sent.
func (ph *qrPhone) rawScan(text string) map[string]map[string]json.RawMessage {
	ph.t.Helper()
	var out map[string]map[string]json.RawMessage
	if code := ph.dev.Call(http.MethodPost, "/qr/scan", ph.token, map[string]string{"qr": text}, &out); code != http.StatusOK {
		ph.t.Fatalf("scan: %d %v", code, out)
	}
	return out
}

func (ph *qrPhone) confirmNumber(id string, number int, passcode string) (int, apptest.APIError, client.Decision) {
	ph.t.Helper()
	d, err := ph.dev.App.ConfirmNumber(context.Background(), ph.token, id, number, passcode)
	code, e := apptest.Refusal(ph.t, err)
	return code, e, d
}

// checkChoices checks the phone's choices: three different two-digit numbers.
func checkChoices(t testing.TB, numbers []int) {
	t.Helper()
	if len(numbers) != 3 || numbers[0] == numbers[1] || numbers[1] == numbers[2] || numbers[0] == numbers[2] {
		t.Fatalf("choices %v, want three different numbers", numbers)
	}
	for _, n := range numbers {
		if n < 10 || n > 99 {
			t.Fatalf("choices %v: %d is not two digits", numbers, n)
		}
	}
}

// wrongOf is a choice other than the desktop's number.
func wrongOf(numbers []int, right int) int {
	for _, n := range numbers {
		if n != right {
			return n
		}
	}
	return 0
}

// TestQRNumberMatchingRightPick: the desktop's scanned event carries the number, the phone's
// scan the three choices with it among them; the pick alone answers that the login waits, and
// the pick with the passcode logs the desktop in.
func TestQRNumberMatchingRightPick(t *testing.T) {
	env := apptest.New(t)
	setNumberMatching(t, env, true)
	d := openQRDesktop(t, env)
	s := d.start()
	events := d.follow()
	if ev := events.next(); ev.Status.Number != 0 {
		t.Fatalf("a waiting login shows the number %d", ev.Status.Number)
	}
	ph := qrAppLogin(t, env, qrAn)
	who := ph.mustScan(s.QR)
	checkChoices(t, who.Numbers)
	ev := events.until("scanned")
	if !slices.Contains(who.Numbers, ev.Status.Number) {
		t.Fatalf("the desktop shows %d, not among the phone's choices %v", ev.Status.Number, who.Numbers)
	}
	right := ev.Status.Number
	if st := d.mustState("scanned"); st.Number != right {
		t.Fatalf("the status shows %d, the event %d", st.Number, right)
	}
	// Another browser, without this login's binding, learns nothing of it.
	other := &qrDesktop{t: t, env: env, c: env.Client(), login: s}
	if code, st := other.status(); code != http.StatusNotFound || st.Number != 0 {
		t.Fatalf("another browser's status: %d %+v", code, st)
	}
	// A scan again by the same app (a double tap) offers the same choices: fresh ones would
	// give the right number away as the one that stays.
	if again := ph.mustScan(s.QR); !slices.Equal(again.Numbers, who.Numbers) {
		t.Fatalf("a second scan offers %v, the first %v", again.Numbers, who.Numbers)
	}

	code, e, dec := ph.confirmNumber(s.ID, right, "")
	if code != http.StatusOK || dec.State != "scanned" || dec.SignedOut {
		t.Fatalf("the pick alone: %d %+v %+v", code, e, dec)
	}
	code, e, dec = ph.confirmNumber(s.ID, right, app.DemoPasscode)
	if code != http.StatusOK || dec.State != "confirmed" || !dec.SignedOut {
		t.Fatalf("the pick with the passcode: %d %+v %+v", code, e, dec)
	}
	done := events.until("confirmed")
	if done.Status.Number != 0 || done.Status.Redirect == "" {
		t.Fatalf("confirmed event %+v", done.Status)
	}
	if at := d.finish(done.Status.Redirect); !strings.HasPrefix(at, client.DemoRedirect) || !strings.Contains(at, "code=") {
		t.Fatalf("the browser ended at %s", at)
	}
}

// TestQRNumberMatchingWrongPick: a wrong pick denies the login at once, before any passcode is
// checked; the desktop hears denied with the reason; the failure is in the attempt log and the
// audit; the login takes no second pick.
func TestQRNumberMatchingWrongPick(t *testing.T) {
	env := apptest.New(t)
	setNumberMatching(t, env, true)
	d := openQRDesktop(t, env)
	s := d.start()
	events := d.follow()
	ph := qrAppLogin(t, env, qrAn)
	who := ph.mustScan(s.QR)
	right := events.until("scanned").Status.Number
	wrong := wrongOf(who.Numbers, right)

	code, e, _ := ph.confirmNumber(s.ID, wrong, app.DemoPasscode)
	wantQRError(t, "wrong pick", code, e, http.StatusForbidden, "number_mismatch")
	if e.Error.Message != msgNumberWrong {
		t.Fatalf("wrong pick says %q", e.Error.Message)
	}
	if ev := events.until("denied"); ev.Status.Reason != "number_mismatch" || ev.Status.Redirect != "" || ev.Status.Number != 0 {
		t.Fatalf("denied event %+v", ev.Status)
	}
	events.ended()
	if st := d.mustState("denied"); st.Reason != "number_mismatch" {
		t.Fatalf("status %+v", st)
	}
	// One pick per login: the right number afterwards finds the login ended.
	code, e, _ = ph.confirmNumber(s.ID, right, app.DemoPasscode)
	wantQRError(t, "the right pick after a wrong one", code, e, http.StatusConflict, "qr_already_used")
	if code := ph.me(); code != http.StatusOK {
		t.Fatalf("a wrong pick signed the app out: /me %d", code)
	}
	resp, _ := env.Get(d.c, "/idp/qr/"+s.ID+"/finish")
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("finish of a login denied by a wrong pick: %d", resp.StatusCode)
	}

	ctx := context.Background()
	attempts, err := env.App.Store().ListAttempts(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, a := range attempts {
		kinds[a.Kind]++
		if a.Kind == "qr_number" && (a.Success || a.Reason != "wrong_number" || a.IDNumber != qrAn || a.CitizenID == "") {
			t.Errorf("the wrong pick is recorded as %+v", a)
		}
	}
	if kinds["qr_number"] != 1 || kinds["passcode"] != 0 {
		t.Fatalf("attempts by kind %v: want one qr_number and no passcode check", kinds)
	}
	audit, err := env.App.Store().ListAudit(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range audit {
		if ev.Action == "qr_number_mismatch" {
			n++
			if !strings.Contains(ev.Detail, "qr "+s.ID[:8]) {
				t.Errorf("qr_number_mismatch detail %q", ev.Detail)
			}
		}
		if ev.Action == "qr_confirmed" || ev.Action == "qr_denied" {
			t.Errorf("audited %s", ev.Action)
		}
	}
	if n != 1 {
		t.Fatalf("%d qr_number_mismatch events, want 1", n)
	}
}

// TestQRNumberMatchingRefusals: with number matching a confirm without a pick, or with a number
// the phone was not offered, is refused and the login still waits; after a right pick the
// passcode may be retried with the same pick, never with another.
func TestQRNumberMatchingRefusals(t *testing.T) {
	env := apptest.New(t)
	setNumberMatching(t, env, true)
	d := openQRDesktop(t, env)
	s := d.start()
	ph := qrAppLogin(t, env, qrAn)
	who := ph.mustScan(s.QR)
	right := d.mustState("scanned").Number

	code, e := ph.confirm(s.ID, app.DemoPasscode) // the confirm body of an app without number matching
	wantQRError(t, "no pick", code, e, http.StatusBadRequest, "number_required")
	if e.Error.Message != msgNumberNeeded {
		t.Fatalf("no pick says %q", e.Error.Message)
	}
	notOffered := 10
	for slices.Contains(who.Numbers, notOffered) {
		notOffered++
	}
	code, e, _ = ph.confirmNumber(s.ID, notOffered, app.DemoPasscode)
	wantQRError(t, "a number not offered", code, e, http.StatusBadRequest, "bad_request")
	var out map[string]any
	if code := ph.dev.Call(http.MethodPost, "/qr/"+s.ID+"/confirm", ph.token, map[string]any{"number": "57", "passcode": app.DemoPasscode}, &out); code != http.StatusBadRequest {
		t.Fatalf("a pick that is not a number: %d %v", code, out)
	}
	if st := d.mustState("scanned"); st.Number != right {
		t.Fatalf("after the refusals the desktop shows %+v", st)
	}

	code, e, _ = ph.confirmNumber(s.ID, right, "000000")
	wantQRError(t, "right pick, wrong passcode", code, e, http.StatusBadRequest, "invalid_passcode")
	code, e, _ = ph.confirmNumber(s.ID, wrongOf(who.Numbers, right), app.DemoPasscode)
	wantQRError(t, "another pick after the right one", code, e, http.StatusConflict, "number_already_picked")
	d.mustState("scanned")
	if code, e, dec := ph.confirmNumber(s.ID, right, app.DemoPasscode); code != http.StatusOK || dec.State != "confirmed" {
		t.Fatalf("the right pick again with the right passcode: %d %+v", code, e)
	}
	d.mustState("confirmed")
}

// TestQRNumberMatchingTimeout: a login whose number is not picked before it expires ends
// expired, as any other; neither a pick nor a confirm takes it afterwards.
func TestQRNumberMatchingTimeout(t *testing.T) {
	env := apptest.New(t)
	setNumberMatching(t, env, true)
	d := openQRDesktop(t, env)
	s := d.start()
	events := d.follow()
	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(s.QR)
	right := events.until("scanned").Status.Number
	env.Clock.Advance(121 * time.Second)
	if ev := events.until("expired"); ev.Status.Number != 0 || ev.Status.Reason != "" {
		t.Fatalf("expired event %+v", ev.Status)
	}
	events.ended()
	code, e, _ := ph.confirmNumber(s.ID, right, "")
	wantQRError(t, "a pick after expiry", code, e, http.StatusGone, "qr_expired")
	code, e, _ = ph.confirmNumber(s.ID, right, app.DemoPasscode)
	wantQRError(t, "a confirm after expiry", code, e, http.StatusGone, "qr_expired")
	if st := d.mustState("expired"); st.Number != 0 {
		t.Fatalf("an expired login shows its number: %+v", st)
	}
}

// TestQRNumberMatchingOff: off (the default) nothing changes: no choices in the scan's
// answer, no number on the desktop, a pick sent anyway is ignored. A login scanned while it
// was off keeps going without a pick after it is turned on.
func TestQRNumberMatchingOff(t *testing.T) {
	env := apptest.New(t)
	d := openQRDesktop(t, env)
	s := d.start()
	ph := qrAppLogin(t, env, qrAn)
	login := ph.rawScan(s.QR)["login"]
	want := []string{"browser", "client_name", "expires_at", "id", "ip", "requested_at"}
	if got := slices.Sorted(maps.Keys(login)); !slices.Equal(got, want) {
		t.Fatalf("the scan answers %v, want %v", got, want)
	}
	_, raw := d.request(http.MethodGet, s.StatusURL, nil)
	if strings.Contains(string(raw), `"number"`) || strings.Contains(string(raw), `"reason"`) {
		t.Fatalf("the status without number matching: %s", raw)
	}
	setNumberMatching(t, env, true)
	if code, e, dec := ph.confirmNumber(s.ID, 42, app.DemoPasscode); code != http.StatusOK || dec.State != "confirmed" {
		t.Fatalf("confirm with a pick on a login without number matching: %d %+v", code, e)
	}
	d.mustState("confirmed")
}

// TestQRNumberMatchingPhoneView: the phone's views of the login never single out the
// desktop's number. The scan's answer has it only among the choices, its state answer not at
// all; and over many logins it stands at every place among the choices.
func TestQRNumberMatchingPhoneView(t *testing.T) {
	env := apptest.New(t)
	setNumberMatching(t, env, true)
	ph := qrAppLogin(t, env, qrAn)
	places := map[int]bool{}
	for i := 0; i < 12; i++ {
		d := openQRDesktop(t, env)
		s := d.start()
		login := ph.rawScan(s.QR)["login"]
		want := []string{"browser", "client_name", "expires_at", "id", "ip", "numbers", "requested_at"}
		if got := slices.Sorted(maps.Keys(login)); !slices.Equal(got, want) {
			t.Fatalf("the scan answers %v, want %v", got, want)
		}
		var numbers []int
		if err := json.Unmarshal(login["numbers"], &numbers); err != nil {
			t.Fatal(err)
		}
		checkChoices(t, numbers)
		right := d.mustState("scanned").Number
		places[slices.Index(numbers, right)] = true
		var st map[string]json.RawMessage
		if code := ph.dev.Call(http.MethodGet, "/qr/"+s.ID, ph.token, nil, &st); code != http.StatusOK {
			t.Fatalf("GET /qr/{id}: %d", code)
		}
		if got := slices.Sorted(maps.Keys(st)); !slices.Equal(got, []string{"expires_at", "state"}) {
			t.Fatalf("the phone's state answer has %v", got)
		}
		l, err := env.App.Store().QRLoginByID(context.Background(), s.ID)
		if err != nil || l.Match.Number != right || l.State != store.QRScanned {
			t.Fatalf("stored %+v (%v)", l.Match, err)
		}
	}
	if len(places) < 2 {
		t.Fatalf("over 12 logins the desktop's number stood only at places %v among the choices", places)
	}
}
