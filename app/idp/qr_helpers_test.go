package idp_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// The demo citizens the QR tests use (the README's "Demo accounts").
const (
	qrAn   = "001085012345" // level 2, web login enabled
	qrBinh = "079190054321" // level 2, web login disabled
	qrChau = "048201067890" // level 1
)

const qrSeedNoPermission = "Tài khoản của bạn không có quyền đăng nhập trên cổng thông tin định danh điện tử. Vui lòng cập nhật lại quyền trên thiết bị"

// qrDesktop is a browser on the IdP login page that shows the QR.
type qrDesktop struct {
	t     testing.TB
	env   *apptest.Env
	c     *http.Client
	page  apptest.LoginPage
	login qrStart
	ua    string
}

type qrStart struct {
	ID        string    `json:"id"`
	QR        string    `json:"qr"`
	ImageURL  string    `json:"image_url"`
	StatusURL string    `json:"status_url"`
	EventsURL string    `json:"events_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

type qrStatus struct {
	State     string    `json:"state"`
	QR        string    `json:"qr"`
	ExpiresAt time.Time `json:"expires_at"`
	Redirect  string    `json:"redirect"`
	ScannedBy string    `json:"scanned_by"`
}

type qrAPIError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// openQRDesktop opens a demo-app authorization in a new browser and lands on the login page.
func openQRDesktop(t testing.TB, env *apptest.Env) *qrDesktop {
	t.Helper()
	c := env.Client()
	page := env.OpenLogin(c, apptest.NewPKCE(), nil)
	if page.AuthRequestID == "" || page.CSRF == "" {
		t.Fatalf("login page lacks data-auth-request or the csrf meta:\n%s", page.Body)
	}
	return &qrDesktop{t: t, env: env, c: c, page: page}
}

// request sends a request as this browser; JSON bodies carry the page's CSRF token.
func (d *qrDesktop) request(method, target string, in any) (*http.Response, []byte) {
	d.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	if !strings.HasPrefix(target, "http") {
		target = d.env.URL + target
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		d.t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", d.page.CSRF)
	}
	req.Header.Set("Accept", "application/json")
	if d.ua != "" {
		req.Header.Set("User-Agent", d.ua)
	}
	resp, err := d.c.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// start starts a QR login for the page's auth request and fails the test unless it works.
func (d *qrDesktop) start() qrStart {
	d.t.Helper()
	resp, raw := d.request(http.MethodPost, "/idp/qr/start", map[string]string{"auth_request": d.page.AuthRequestID})
	if resp.StatusCode != http.StatusOK {
		d.t.Fatalf("start QR: %d %s", resp.StatusCode, raw)
	}
	var s qrStart
	if err := json.Unmarshal(raw, &s); err != nil || s.ID == "" || s.QR == "" {
		d.t.Fatalf("start QR: %s (%v)", raw, err)
	}
	d.login = s
	return s
}

// status reads the login's status as this browser.
func (d *qrDesktop) status() (int, qrStatus) {
	d.t.Helper()
	resp, raw := d.request(http.MethodGet, d.login.StatusURL, nil)
	var st qrStatus
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &st); err != nil {
			d.t.Fatalf("status: %s: %v", raw, err)
		}
	}
	return resp.StatusCode, st
}

// mustState checks the login's state as the qrDesktop sees it.
func (d *qrDesktop) mustState(want string) qrStatus {
	d.t.Helper()
	code, st := d.status()
	if code != http.StatusOK || st.State != want {
		d.t.Fatalf("qrDesktop status: %d %q, want 200 %q", code, st.State, want)
	}
	return st
}

// finish follows the confirmed login's redirect to the client's callback and returns the
// callback URL the browser ends on.
func (d *qrDesktop) finish(redirect string) string {
	d.t.Helper()
	resp, body := d.env.Get(d.c, redirect)
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		d.t.Fatalf("finish: status %d\n%s", resp.StatusCode, body)
	}
	_, _, at := d.env.Follow(d.c, resp, body)
	return at
}

// phone is the VNeID app signed in as one citizen.
type qrPhone struct {
	t     testing.TB
	env   *apptest.Env
	token string
}

func qrAppLogin(t testing.TB, env *apptest.Env, idNumber string) *qrPhone {
	t.Helper()
	return &qrPhone{t: t, env: env, token: env.AppLogin(idNumber, app.DemoPassword)}
}

// call sends one app API call and decodes a success into out; it returns the status and the
// error code ("" on success).
func (ph *qrPhone) call(method, path string, in, out any) (int, qrAPIError) {
	ph.t.Helper()
	var raw json.RawMessage
	code := ph.env.JSON(http.DefaultClient, method, "/api/mobile/v1"+path, ph.token, in, &raw)
	var e qrAPIError
	if code >= 300 {
		json.Unmarshal(raw, &e)
		return code, e
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			ph.t.Fatalf("%s %s: %s: %v", method, path, raw, err)
		}
	}
	return code, e
}

type qrScanAnswer struct {
	Login struct {
		ID          string    `json:"id"`
		ClientName  string    `json:"client_name"`
		Browser     string    `json:"browser"`
		IP          string    `json:"ip"`
		RequestedAt time.Time `json:"requested_at"`
		ExpiresAt   time.Time `json:"expires_at"`
	} `json:"login"`
}

func (ph *qrPhone) scan(text string) (int, qrAPIError, qrScanAnswer) {
	ph.t.Helper()
	var out qrScanAnswer
	code, e := ph.call(http.MethodPost, "/qr/scan", map[string]string{"qr": text}, &out)
	return code, e, out
}

func (ph *qrPhone) mustScan(text string) qrScanAnswer {
	ph.t.Helper()
	code, e, out := ph.scan(text)
	if code != http.StatusOK {
		ph.t.Fatalf("scan: %d %s %s", code, e.Error.Code, e.Error.Message)
	}
	return out
}

func (ph *qrPhone) confirm(id, passcode string) (int, qrAPIError) {
	ph.t.Helper()
	var out struct {
		State     string `json:"state"`
		SignedOut bool   `json:"signed_out"`
	}
	code, e := ph.call(http.MethodPost, "/qr/"+id+"/confirm", map[string]string{"passcode": passcode}, &out)
	if code == http.StatusOK && (out.State != "confirmed" || !out.SignedOut) {
		ph.t.Fatalf("confirm answered %+v", out)
	}
	return code, e
}

func (ph *qrPhone) deny(id string) (int, qrAPIError) {
	ph.t.Helper()
	return ph.call(http.MethodPost, "/qr/"+id+"/deny", nil, nil)
}

func (ph *qrPhone) me() int {
	ph.t.Helper()
	code, _ := ph.call(http.MethodGet, "/me", nil, nil)
	return code
}

// wantError checks an API refusal's status and code.
func wantQRError(t testing.TB, what string, code int, e qrAPIError, wantStatus int, wantCode string) {
	t.Helper()
	if code != wantStatus || e.Error.Code != wantCode {
		t.Fatalf("%s: %d %q (%s), want %d %q", what, code, e.Error.Code, e.Error.Message, wantStatus, wantCode)
	}
}

// qrEvent is one server-sent event.
type qrEvent struct {
	Name   string
	Status qrStatus
}

// qrEventStream reads a login's event stream in the background.
type qrEventStream struct {
	t      testing.TB
	events chan qrEvent
	body   io.Closer
}

// follow opens the login's event stream as this browser (without the client's overall
// timeout: a stream lives as long as the login).
func (d *qrDesktop) follow() *qrEventStream {
	d.t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.login.EventsURL, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	c := &http.Client{Jar: d.c.Jar}
	resp, err := c.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		d.t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &qrEventStream{t: d.t, events: make(chan qrEvent, 64), body: resp.Body}
	d.t.Cleanup(func() { resp.Body.Close() })
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var ev qrEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.Status)
			case line == "" && ev.Name != "":
				s.events <- ev
				ev = qrEvent{}
			}
		}
	}()
	return s
}

// next returns the next event; the deadline only keeps a broken stream from hanging the test.
func (s *qrEventStream) next() qrEvent {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatal("event stream ended")
		}
		return ev
	case <-time.After(20 * time.Second):
		s.t.Fatal("no event within 20 s")
	}
	return qrEvent{}
}

// until skips events until one named name arrives.
func (s *qrEventStream) until(name string) qrEvent {
	s.t.Helper()
	for {
		if ev := s.next(); ev.Name == name {
			return ev
		}
	}
}

// ended waits for the server to close the stream.
func (s *qrEventStream) ended() {
	s.t.Helper()
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return
			}
		case <-time.After(20 * time.Second):
			s.t.Fatal("event stream still open")
		}
	}
}

// decodeQR reads the text a PNG QR code encodes.
func decodeQR(t testing.TB, pngBytes []byte) string {
	t.Helper()
	text, err := apptest.DecodeQR(pngBytes)
	if err != nil {
		t.Fatalf("read QR: %v", err)
	}
	return text
}

// frameOf returns the frame part of a QR URL.
func qrFrameOf(qr string) string {
	_, f, _ := strings.Cut(qr, "#")
	return f
}
