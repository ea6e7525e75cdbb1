package idp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/app/web"
	"dvclogin/store"
)

// The phone API's calls under fuzzing. The selector's low three bits pick the call; the next
// two the Content-Type; bit 5 drops the bearer token and bit 6 sends a wrong one.
var fuzzPhoneCalls = []struct{ method, path string }{
	{http.MethodPost, "/login"},
	{http.MethodPost, "/qr/scan"},
	{http.MethodPost, "/qr/{id}/confirm"},
	{http.MethodPost, "/qr/{id}/deny"},
	{http.MethodPut, "/settings/web-login"},
	{http.MethodPost, "/totp/enroll"},
	{http.MethodPost, "/totp/activate"},
	{http.MethodDelete, "/totp"},
}

var fuzzContentTypes = []string{"application/json", "", "application/json; charset=utf-8", "application/x-www-form-urlencoded"}

// Placeholders an input may use so that it can reach past the first check: a fresh frame of a
// waiting QR login (in the body), the id of a waiting login, or of one An's app has scanned.
const (
	fuzzFrame   = "@FRAME@"
	fuzzWaiting = "@WAITING@"
	fuzzScanned = "@SCANNED@"
)

// FuzzPhoneAPI sends any body to the phone API's calls as An's app and checks every answer
// (apptest.CheckJSONAnswer): no 5xx, and every refusal in the documented error shape with a
// code the app knows and a Vietnamese message.
func FuzzPhoneAPI(f *testing.F) {
	env := apptest.New(f, apptest.Quiet)
	ctx := context.Background()
	an, err := env.App.Store().CitizenByIDNumber(ctx, qrAn)
	if err != nil {
		f.Fatal(err)
	}
	token := env.AppLogin(qrAn, app.DemoPassword)
	f.Fuzz(func(t *testing.T, call uint8, id, body string) {
		e := *env
		e.T = t
		token = resetForFuzz(t, &e, an, token)
		c := fuzzPhoneCalls[call%8]
		if strings.Contains(body, fuzzFrame) {
			body = strings.ReplaceAll(body, fuzzFrame, fuzzQRLogin(t, &e).QR)
		}
		switch id {
		case fuzzWaiting:
			id = fuzzQRLogin(t, &e).ID
		case fuzzScanned:
			l := fuzzQRLogin(t, &e)
			ph := &qrPhone{t: t, dev: e.NewDevice(), token: token}
			if code, apiErr, _ := ph.scan(l.QR); code != http.StatusOK {
				t.Fatalf("scan for the setup: %d %+v", code, apiErr)
			}
			id = l.ID
		}
		path := strings.Replace(c.path, "{id}", url.PathEscape(id), 1)
		req, err := http.NewRequest(c.method, e.URL+"/api/mobile/v1"+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ct := fuzzContentTypes[call>>3%4]; ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		switch {
		case call&(1<<5) != 0:
		case call&(1<<6) != 0:
			req.Header.Set("Authorization", "Bearer "+token+"x")
		default:
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		apptest.CheckJSONAnswer(t, resp, string(raw), apptest.PhoneErrorCodes)
	})
}

// resetForFuzz undoes what the previous input did to An, so that it cannot hide the paths the
// next one explores: locks are cleared, web login is on, and the app session lives (an input
// may have logged in again, confirmed a login or locked the passcode, each of which ends it).
// It returns the live token.
func resetForFuzz(t *testing.T, e *apptest.Env, an store.Citizen, token string) string {
	ctx := context.Background()
	st := e.App.Store()
	if err := st.UnlockCitizen(ctx, an.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.SetWebLogin(ctx, an.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err := st.SessionByHash(ctx, "app", store.Digest(token), e.Clock.Now())
	if !errors.Is(err, store.ErrNotFound) {
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	// Through the store, not /login: the inputs may have used up the per-IP password limit.
	token = web.RandomToken(32)
	now := e.Clock.Now()
	if _, err := st.ReplaceSubjectSession(ctx, store.Session{IDHash: store.Digest(token), Kind: "app",
		Subject: an.ID, Data: "{}", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(e.Config.Limits.AppSessionTTL)}); err != nil {
		t.Fatal(err)
	}
	return token
}

// fuzzQRLogin starts a QR login in a new browser. The clock moves 7 s first, which keeps the
// QR starts under their per-IP limit and An's undecided scans (each lives 120 s) under theirs.
func fuzzQRLogin(t *testing.T, e *apptest.Env) client.QRLogin {
	e.Clock.Advance(7 * time.Second)
	return openQRDesktop(t, e).start()
}
