package idp_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
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
	page  client.LoginPage
	login client.QRLogin
	ua    string
}

// openQRDesktop opens a demo-app authorization in a new browser and lands on the login page.
func openQRDesktop(t testing.TB, env *apptest.Env) *qrDesktop {
	t.Helper()
	c := env.Client()
	page := env.OpenLogin(c, client.NewPKCE(), nil)
	if page.AuthRequestID == "" || page.CSRF == "" {
		t.Fatalf("login page lacks data-auth-request or the csrf meta:\n%s", page.Body)
	}
	return &qrDesktop{t: t, env: env, c: c, page: page}
}

// browser is the desktop's browser, with its User-Agent if the test set one.
func (d *qrDesktop) browser() *client.Browser {
	b := client.NewBrowser(d.env.URL, d.c)
	if d.ua != "" {
		b.Header.Set("User-Agent", d.ua)
	}
	return b
}

// request sends a request as this browser; JSON bodies carry the page's CSRF token.
func (d *qrDesktop) request(method, target string, in any) (*http.Response, []byte) {
	d.t.Helper()
	csrf := ""
	if method != http.MethodGet {
		csrf = d.page.CSRF
	}
	p, err := d.browser().JSON(context.Background(), method, target, csrf, in)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, target, err)
	}
	return p.Resp, []byte(p.Body)
}

// start starts a QR login for the page's auth request and fails the test unless it works.
func (d *qrDesktop) start() client.QRLogin {
	d.t.Helper()
	l, err := d.browser().StartQR(context.Background(), d.page)
	if err != nil {
		d.t.Fatalf("start QR: %v", err)
	}
	d.login = l
	return l
}

// status reads the login's status as this browser.
func (d *qrDesktop) status() (int, client.QRStatus) {
	d.t.Helper()
	return apptest.QRStatus(d.t, d.browser(), d.login.StatusURL)
}

// mustState checks the login's state as the qrDesktop sees it.
func (d *qrDesktop) mustState(want string) client.QRStatus {
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
	p, err := d.browser().FinishQR(context.Background(), redirect)
	if err != nil {
		d.t.Fatalf("finish: %v", err)
	}
	return p.URL.String()
}

// qrPhone is the VNeID app signed in as one citizen on a device.
type qrPhone struct {
	t     testing.TB
	dev   *apptest.Device
	token string
}

func qrAppLogin(t testing.TB, env *apptest.Env, idNumber string) *qrPhone {
	t.Helper()
	return &qrPhone{t: t, dev: env.Phone(), token: env.AppLogin(idNumber, app.DemoPassword)}
}

// call sends one app API call and decodes a success into out; it returns the status and the
// error answer.
func (ph *qrPhone) call(method, path string, in, out any) (int, apptest.APIError) {
	ph.t.Helper()
	err := ph.dev.App.Call(context.Background(), method, path, ph.token, in, out)
	return apptest.Refusal(ph.t, err)
}

func (ph *qrPhone) scan(text string) (int, apptest.APIError, client.QRRequest) {
	ph.t.Helper()
	who, err := ph.dev.App.Scan(context.Background(), ph.token, text)
	code, e := apptest.Refusal(ph.t, err)
	return code, e, who
}

func (ph *qrPhone) mustScan(text string) client.QRRequest {
	ph.t.Helper()
	code, e, who := ph.scan(text)
	if code != http.StatusOK {
		ph.t.Fatalf("scan: %d %s %s", code, e.Error.Code, e.Error.Message)
	}
	return who
}

func (ph *qrPhone) confirm(id, passcode string) (int, apptest.APIError) {
	ph.t.Helper()
	d, err := ph.dev.App.Confirm(context.Background(), ph.token, id, passcode)
	code, e := apptest.Refusal(ph.t, err)
	if code == http.StatusOK && (d.State != "confirmed" || !d.SignedOut) {
		ph.t.Fatalf("confirm answered %+v", d)
	}
	return code, e
}

func (ph *qrPhone) deny(id string) (int, apptest.APIError) {
	ph.t.Helper()
	_, err := ph.dev.App.Deny(context.Background(), ph.token, id)
	return apptest.Refusal(ph.t, err)
}

func (ph *qrPhone) me() int {
	ph.t.Helper()
	code, _ := ph.call(http.MethodGet, "/me", nil, nil)
	return code
}

// wantQRError checks an API refusal's status and code.
func wantQRError(t testing.TB, what string, code int, e apptest.APIError, wantStatus int, wantCode string) {
	t.Helper()
	if code != wantStatus || e.Error.Code != wantCode {
		t.Fatalf("%s: %d %q (%s), want %d %q", what, code, e.Error.Code, e.Error.Message, wantStatus, wantCode)
	}
}

// qrEvent is one server-sent event of a QR login.
type qrEvent struct {
	Name   string
	Status client.QRStatus
}

// qrEventStream is a login's event stream, read in the background.
type qrEventStream struct {
	t testing.TB
	*client.Stream
}

// follow opens the login's event stream as this browser.
func (d *qrDesktop) follow() *qrEventStream {
	d.t.Helper()
	s, err := d.browser().Events(context.Background(), d.login.EventsURL)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(s.Close)
	return &qrEventStream{t: d.t, Stream: s}
}

// next returns the next event; the deadline only keeps a broken stream from hanging the test.
func (s *qrEventStream) next() qrEvent {
	s.t.Helper()
	select {
	case ev, ok := <-s.Events:
		if !ok {
			s.t.Fatal("event stream ended")
		}
		var st client.QRStatus
		if err := ev.Decode(&st); err != nil {
			s.t.Fatalf("event %s: %q: %v", ev.Name, ev.Data, err)
		}
		return qrEvent{Name: ev.Name, Status: st}
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
		case _, ok := <-s.Events:
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
