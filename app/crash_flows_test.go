package app_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/store"

	"golang.org/x/oauth2"
)

// The client side of the crash test: the load (direct and QR logins of demo-app with
// offline_access), and what is checked after every restart.

// crashScope asks for a refresh token: a refresh after the restart is the proof that the login
// the client saw succeed is still there.
var crashScope = url.Values{"scope": {"openid profile offline_access"}}

// crashWorker is one virtual user: login after login as one citizen, of one kind.
type crashWorker struct {
	idNumber string
	qr       bool
	phone    *apptest.Env // the citizen's phone: its device key holds the citizen's SIM across kills
}

// crashLogin is a login whose token exchange the client saw succeed.
type crashLogin struct {
	kind    string
	cycle   int    // the load cycle (or restart) it happened in
	refresh string // the newest refresh token: each refresh rotates it
}

// crashQR is a QR login the client started (it has the binding cookie) and has not yet seen
// end.
type crashQR struct {
	browser   *http.Client
	start     client.QRLogin
	pkce      client.PKCE
	cycle     int
	expiresAt time.Time
	cut       bool // a kill interrupted it (counted once)
}

// crashWorld is what the client knows across kills.
type crashWorld struct {
	t        *testing.T
	base     string
	cycle    int
	stopping atomic.Bool // set just before a kill

	mu      sync.Mutex
	logins  []*crashLogin
	qrs     []*crashQR
	cut     int // QR logins a kill interrupted
	resumed int // QR logins confirmed before a kill and finished after the restart
}

// load starts the workers; the returned wait blocks until every one has stopped, which they
// do once stopping is set.
func (w *crashWorld) load(workers []crashWorker) (wait func()) {
	w.stopping.Store(false)
	var wg sync.WaitGroup
	for _, wk := range workers {
		wg.Go(func() {
			for !w.stopping.Load() && w.attempt(wk) {
			}
		})
	}
	return wg.Wait
}

// crashAbort ends one login of the load: the helper that failed panics with it.
type crashAbort struct{ msg string }

// abortLogin is a testing.TB whose failures end the current login instead of the test: a kill
// cuts requests short by design. Whether a failure counts is decided by when it happened.
type abortLogin struct{ testing.TB }

func (abortLogin) Helper()                      {}
func (abortLogin) Fatal(args ...any)            { panic(crashAbort{fmt.Sprint(args...)}) }
func (abortLogin) Fatalf(f string, args ...any) { panic(crashAbort{fmt.Sprintf(f, args...)}) }
func (abortLogin) Error(args ...any)            { panic(crashAbort{fmt.Sprint(args...)}) }
func (abortLogin) Errorf(f string, args ...any) { panic(crashAbort{fmt.Sprintf(f, args...)}) }
func (abortLogin) FailNow()                     { panic(crashAbort{"FailNow"}) }

// attempt runs one login. A failure before the kill is a test failure and stops the worker
// (false); one after it is expected.
func (w *crashWorld) attempt(wk crashWorker) (ok bool) {
	e := wk.phone
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		abort, isAbort := r.(crashAbort)
		if !isAbort {
			panic(r)
		}
		if ok = w.stopping.Load(); !ok {
			w.t.Errorf("cycle %d: a login of %s (qr %v) failed before the kill: %s", w.cycle, wk.idNumber, wk.qr, abort.msg)
		}
	}()
	if wk.qr {
		w.qrLogin(e, wk.idNumber)
	} else {
		w.directLogin(e, wk.idNumber)
	}
	return true
}

// directLogin is seed flow 2: number and password, the SMS code read on the phone, the code
// redeemed at the token endpoint.
func (w *crashWorld) directLogin(e *apptest.Env, idNumber string) {
	c := e.Client()
	p := client.NewPKCE()
	lp := e.OpenLogin(c, p, crashScope)
	phone := e.AppLogin(idNumber, app.DemoPassword)
	resp, body := e.PasswordStep(c, lp, idNumber, app.DemoPassword)
	at, page := e.CodeStep(c, resp, body)
	resp, body = e.SubmitCode(c, at, page, e.LatestCode(phone))
	_, _, to := e.Follow(c, resp, body)
	w.redeem(e, "direct", to, p)
}

// qrLogin is seed flow 1: the desktop starts a QR login, the phone scans it and confirms with
// the passcode, the desktop finishes and the code is redeemed.
func (w *crashWorld) qrLogin(e *apptest.Env, idNumber string) {
	ctx := context.Background()
	ip := fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), 1+rand.IntN(254))
	c := apptest.FromAddress(e.Client(), func() string { return ip })
	p := client.NewPKCE()
	lp := e.OpenLogin(c, p, crashScope)
	start, err := client.NewBrowser(e.URL, c).StartQR(ctx, lp)
	if err != nil {
		e.T.Fatalf("QR start: %v", err)
	}
	q := &crashQR{browser: c, start: start, pkce: p, cycle: w.cycle, expiresAt: start.ExpiresAt}
	w.mu.Lock()
	w.qrs = append(w.qrs, q)
	w.mu.Unlock()

	phone := e.AppLogin(idNumber, app.DemoPassword)
	if _, err := e.Phone().App.Scan(ctx, phone, start.QR); err != nil {
		e.T.Fatalf("scan: %v", err)
	}
	if _, err := e.Phone().App.Confirm(ctx, phone, start.ID, app.DemoPasscode); err != nil {
		e.T.Fatalf("confirm: %v", err)
	}
	code, st := qrStatusOf(e, q)
	if code != http.StatusOK || st.State != store.QRConfirmed || st.Redirect == "" {
		e.T.Fatalf("status after confirm: %d %+v", code, st)
	}
	w.finishQR(e, q, st.Redirect, "qr")
}

// finishQR follows a confirmed login's redirect in the browser that started it and redeems the
// code.
func (w *crashWorld) finishQR(e *apptest.Env, q *crashQR, redirect, kind string) {
	resp, body := e.Get(q.browser, redirect)
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		e.T.Fatalf("QR finish: %d %s", resp.StatusCode, body)
	}
	// The answer ended the QR login (and dropped its binding cookie): what is left is the
	// code flow, whose success the token exchange shows.
	w.forget(q)
	_, _, to := e.Follow(q.browser, resp, body)
	w.redeem(e, kind, to, q.pkce)
}

// qrStatusOf reads a QR login's status as the browser that started it.
func qrStatusOf(e *apptest.Env, q *crashQR) (int, client.QRStatus) {
	return apptest.QRStatus(e.T, client.NewBrowser(e.URL, q.browser), q.start.StatusURL)
}

// crashRP is demo-app redeeming the load's codes and refreshing its tokens.
func crashRP(base string) *client.RP {
	return &client.RP{HTTP: &http.Client{Timeout: 30 * time.Second}, OAuth: oauth2.Config{ClientID: client.DemoApp,
		RedirectURL: client.DemoRedirect,
		Endpoint:    oauth2.Endpoint{TokenURL: base + "/idp/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}}
}

// redeem takes the code from the client's callback URL to the token endpoint and records the
// login once the answer carries a refresh token: from then on the client has seen it succeed.
func (w *crashWorld) redeem(e *apptest.Env, kind, callback string, p client.PKCE) {
	u, err := url.Parse(callback)
	if err != nil || !strings.HasPrefix(callback, client.DemoRedirect) || u.Query().Get("code") == "" {
		e.T.Fatalf("login ended at %s, not at the client's callback with a code", callback)
	}
	tok, err := crashRP(e.URL).Exchange(context.Background(), client.Authorization{PKCE: p}, u.Query().Get("code"))
	if err == nil && tok.RefreshToken == "" {
		err = errors.New("answer without a refresh token")
	}
	if err != nil {
		e.T.Fatalf("code exchange: %v", err)
	}
	w.mu.Lock()
	w.logins = append(w.logins, &crashLogin{kind: kind, cycle: w.cycle, refresh: tok.RefreshToken})
	w.mu.Unlock()
}

// verify runs after a restart: every QR login the client started and did not see end is
// readable by its browser and ends (a confirmed one can still be finished), and the logins the
// client saw succeed still refresh: a sample after each restart (with the newest, the one most
// at risk), all of them at the end, when the QR logins still open are also waited for.
func (w *crashWorld) verify(final bool) {
	t := w.t
	t.Helper()
	e := apptest.Remote(t, w.base)
	w.checkQRLogins(e)
	if final && len(w.qrs) > 0 {
		last := time.Now()
		for _, q := range w.qrs {
			if q.expiresAt.After(last) {
				last = q.expiresAt
			}
		}
		time.Sleep(time.Until(last) + 100*time.Millisecond)
		w.checkQRLogins(e)
		if len(w.qrs) > 0 {
			t.Errorf("%d QR logins are still open after their lifetime", len(w.qrs))
		}
	}
	sample := w.logins
	if !final && len(sample) > 11 {
		sample = []*crashLogin{sample[len(sample)-1]}
		for _, i := range rand.Perm(len(w.logins) - 1)[:10] {
			sample = append(sample, w.logins[i])
		}
	}
	for _, l := range sample {
		tok, err := crashRP(w.base).Refresh(context.Background(), l.refresh)
		if err != nil {
			t.Errorf("restart %d: a %s login of cycle %d that the client saw succeed no longer refreshes: %v", w.cycle, l.kind, l.cycle, err)
			continue
		}
		l.refresh = tok.RefreshToken
	}
}

// checkQRLogins reads every open QR login as its browser and keeps those still live.
func (w *crashWorld) checkQRLogins(e *apptest.Env) {
	t := w.t
	t.Helper()
	for _, q := range append([]*crashQR(nil), w.qrs...) {
		if !q.cut {
			q.cut = true
			w.cut++
		}
		code, st := qrStatusOf(e, q)
		if code != http.StatusOK {
			t.Errorf("restart %d: the QR login started in cycle %d answers its browser %d, want 200", w.cycle, q.cycle, code)
			w.forget(q)
			continue
		}
		switch st.State {
		case store.QRWaiting, store.QRScanned:
			if time.Now().After(q.expiresAt.Add(time.Second)) {
				t.Errorf("restart %d: the QR login started in cycle %d is still %s after its lifetime", w.cycle, q.cycle, st.State)
				w.forget(q)
			}
		case store.QRConfirmed:
			if st.Redirect == "" { // finished before the kill; the answer died with the server
				w.forget(q)
				continue
			}
			w.finishQR(e, q, st.Redirect, "qr finished after a restart")
			w.resumed++
		case store.QRDenied, store.QRCancelled, store.QRExpired:
			w.forget(q)
		default:
			t.Errorf("restart %d: QR login in unknown state %q", w.cycle, st.State)
			w.forget(q)
		}
	}
}

// forget drops a QR login whose end the client has seen.
func (w *crashWorld) forget(q *crashQR) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, o := range w.qrs {
		if o == q {
			w.qrs = append(w.qrs[:i], w.qrs[i+1:]...)
			return
		}
	}
}
