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

// webPassword runs one password step for id in a new browser and returns the status and the
// error text.
func webPassword(env *apptest.Env, id, password string) (int, string) {
	c := env.Client()
	resp, body := env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), id, password)
	return resp.StatusCode, errorText(body)
}

// phoneMessages returns the messages on the citizen's phone, newest first.
func phoneMessages(t *testing.T, env *apptest.Env, citizenID string) (app, sms []string) {
	t.Helper()
	msgs, err := env.App.Store().MessagesFor(context.Background(), citizenID, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Channel == "app" {
			app = append(app, m.Body)
		} else {
			sms = append(sms, m.Body)
		}
	}
	return app, sms
}

// auditActions lists the audited actions about a citizen.
func auditActions(t *testing.T, env *apptest.Env, citizenID string) []string {
	t.Helper()
	events, err := env.App.Store().ListAudit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		if e.CitizenID == citizenID {
			out = append(out, e.Action)
		}
	}
	return out
}

// T04 lockout timing with the fake clock: locked at the 5th wrong password, the right password
// refused during the lock, allowed once it is over, and a success starts the count again.
func TestT04_LockoutTiming(t *testing.T) {
	env := apptest.New(t)
	for i := 1; i <= 4; i++ {
		if st, _ := webPassword(env, an, "Sai@12345"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, st)
		}
	}
	if st, msg := webPassword(env, an, "Sai@12345"); st != http.StatusLocked || !strings.Contains(msg, "15 phút") {
		t.Fatalf("5th wrong password: %d %q, want 423 for 15 phút", st, msg)
	}
	env.Clock.Advance(15*time.Minute - time.Second)
	if st, _ := webPassword(env, an, app.DemoPassword); st != http.StatusLocked {
		t.Fatalf("right password 1 s before the lock ends: %d, want 423", st)
	}
	env.Clock.Advance(time.Second)
	if st, msg := webPassword(env, an, app.DemoPassword); st != http.StatusSeeOther {
		t.Fatalf("right password when the lock is over: %d %q", st, msg)
	}
	for i := 1; i <= 4; i++ {
		if st, _ := webPassword(env, an, "Sai@12345"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d after a success: %d, want 401 (count restarted)", i, st)
		}
	}
}

// T04 denial of service: whoever locks a citizen out of the password login, the citizen is
// told at once (in the app and by SMS), the operator sees it in the audit log, and the QR
// login from an app session opened before the lock still works.
func TestT04_LockedCitizenIsToldAndCanStillUseQR(t *testing.T) {
	env := apptest.New(t)
	id := citizenID(t, env, an)
	ph := qrAppLogin(t, env, qrAn)
	for i := 0; i < 5; i++ {
		webPassword(env, an, "Sai@12345")
	}
	if st, _ := webPassword(env, an, app.DemoPassword); st != http.StatusLocked {
		t.Fatalf("password login after 5 wrong passwords: %d, want 423", st)
	}
	inApp, sms := phoneMessages(t, env, id)
	if len(inApp) == 0 || !strings.Contains(inApp[0], "tạm khóa") || !strings.Contains(inApp[0], "nhập sai mật khẩu") ||
		!strings.Contains(inApp[0], "mã QR") {
		t.Fatalf("in-app notice of the lock: %q", inApp)
	}
	if len(sms) == 0 || !strings.Contains(sms[0], "tam khoa") {
		t.Fatalf("SMS notice of the lock: %q", sms)
	}
	if acts := auditActions(t, env, id); !strings.Contains(strings.Join(acts, " "), "account_locked") {
		t.Fatalf("audit log has %v, want account_locked", acts)
	}

	d := openQRDesktop(t, env)
	s := d.start()
	ph.mustScan(s.QR)
	if code, e := ph.confirm(s.ID, app.DemoPasscode); code != http.StatusOK {
		t.Fatalf("QR confirm by the locked citizen's app: %d %+v", code, e)
	}
	st := d.mustState("confirmed")
	if at := d.finish(st.Redirect); !strings.HasPrefix(at, client.DemoRedirect) || !strings.Contains(at, "code=") {
		t.Fatalf("QR login of a locked citizen ended at %s, want the client with a code", at)
	}
}

// A lock notice refused by the SMS budget does not undo or break the lock.
func TestLockHoldsWhenTheNoticeSMSIsRefused(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.Limits.SMSAccountMax, c.Limits.SMSAccountHourMax = 1, 1 })
	id := citizenID(t, env, an)
	if st, _ := webPassword(env, an, app.DemoPassword); st != http.StatusSeeOther {
		t.Fatalf("first login: %d", st)
	}
	for i := 1; i <= 4; i++ {
		webPassword(env, an, "Sai@12345")
	}
	if st, msg := webPassword(env, an, "Sai@12345"); st != http.StatusLocked {
		t.Fatalf("5th wrong password with the SMS budget spent: %d %q, want 423", st, msg)
	}
	inApp, sms := phoneMessages(t, env, id)
	if len(sms) != 1 || len(inApp) == 0 || !strings.Contains(inApp[0], "tạm khóa") {
		t.Fatalf("SMS %q, in-app %q: want the one code SMS and the in-app lock notice", sms, inApp)
	}
	if st, _ := webPassword(env, an, app.DemoPassword); st != http.StatusLocked {
		t.Fatalf("right password during the lock: %d, want 423", st)
	}
}
