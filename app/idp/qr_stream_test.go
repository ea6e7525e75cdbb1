package idp_test

import (
	"net/http"
	"runtime"
	"testing"
	"time"

	"dvclogin/app"
)

// Waiting QR logins hold no goroutine each: their event streams are kept apart from the
// requests that opened them (after the first event), and they still tell their desktop of
// a confirm; a stream that ended closes its connection, which its response announced, so a
// browser does not send its next request on it (openWaiter checks).
func TestWaitingQRLoginsHoldNoGoroutine(t *testing.T) {
	env := waitersEnv(t)
	openWaiter(t, env, -1).Close() // what every login shares
	time.Sleep(100 * time.Millisecond)
	before := runtime.NumGoroutine()
	const n = 40
	for i := range n {
		c := openWaiter(t, env, i)
		t.Cleanup(func() { c.Close() })
	}
	if grew := runtime.NumGoroutine() - before; grew >= n/2 {
		t.Fatalf("%d waiting logins added %d goroutines", n, grew)
	}

	d := openQRDesktop(t, env)
	s := d.start()
	events := d.follow()
	events.until("waiting")
	ph := qrAppLogin(t, env, qrAn)
	ph.mustScan(s.QR)
	events.until("scanned")
	if code, _ := qrRawCall(env, ph.token, http.MethodPost, "/qr/"+s.ID+"/confirm", map[string]string{"passcode": app.DemoPasscode}); code != http.StatusOK {
		t.Fatalf("confirm: %d", code)
	}
	events.until("confirmed")
	select {
	case _, open := <-events.Events:
		if open {
			t.Fatal("an event after confirmed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end after confirmed")
	}
}
