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
	"dvclogin/store"
)

// The login forms under fuzzing. The selector's low two bits pick the form; bit 2 drops the
// CSRF token, bit 3 puts the second value in authRequestID, bit 4 uses up the per-IP password
// limit first.
const (
	fuzzFormPassword = iota // POST /idp/login: id_number=a, password=b
	fuzzFormOTP             // POST /idp/login/otp after a right password: otp=a
	fuzzFormResend          // POST /idp/login/otp/resend after a right password: channel=a
	fuzzNoCSRF       = 1 << 2
	fuzzAuthRequest  = 1 << 3
	fuzzIPLimited    = 1 << 4
)

// FuzzLoginForms posts any values to the IdP's login forms, as a browser on the login page
// would but with the fields it picks: invalid UTF-8, CR LF, repeated or undecodable
// parameters (raw is appended to the encoded body as it is) and, with grow, values of up to
// 200 KB. Every answer passes apptest.CheckHTMLAnswer: no 5xx, Retry-After on every 429, and
// a page with a Vietnamese error instead of internal detail.
func FuzzLoginForms(f *testing.F) {
	env := apptest.New(f, apptest.Quiet)
	ctx := context.Background()
	cit, err := env.App.Store().CitizenByIDNumber(ctx, an)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, form uint8, a, b, raw string, grow uint32) {
		e := *env
		e.T = t
		// A fresh per-IP window and an unlocked account for each input: what one input used
		// up must not hide the paths of the next.
		e.Clock.Advance(11 * time.Minute)
		if err := e.App.Store().UnlockCitizen(ctx, cit.ID); err != nil {
			t.Fatal(err)
		}
		if n := min(grow, 200_000); n > 0 && a != "" {
			a = strings.Repeat(a, int(n)/len(a)+1)[:n]
		}
		c := e.Client()
		lp := e.OpenLogin(c, client.NewPKCE(), nil)
		fields := apptest.FormWith(t, lp.URL, lp.Body, "password").Fields
		action := "/idp/login"
		switch form % 4 {
		case fuzzFormPassword:
			fields.Set("id_number", a)
			fields.Set("password", b)
		case fuzzFormOTP, fuzzFormResend:
			resp, body := passwordStep(t, &e, c, lp)
			at, page := e.CodeStep(c, resp, body)
			fields = apptest.FormWith(t, at, page, "otp").Fields
			if form%4 == fuzzFormOTP {
				action = "/idp/login/otp"
				fields.Set("otp", a)
			} else {
				action = "/idp/login/otp/resend"
				fields.Del("otp")
				fields.Set("channel", a)
			}
		default:
			return
		}
		if form&fuzzNoCSRF != 0 {
			fields.Del("csrf_token")
		}
		if form&fuzzAuthRequest != 0 {
			fields.Set("authRequestID", b)
		}
		if form&fuzzIPLimited != 0 {
			for i := 0; i < e.Config.Limits.IPMaxFailures; i++ {
				if err := e.App.Store().RecordAttempt(ctx, store.Attempt{At: e.Clock.Now(), IP: "127.0.0.1",
					IDNumber: cit.IDNumber, Kind: "password", Reason: "wrong_password"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		resp, body := e.PostEncoded(c, action, fields.Encode()+raw)
		apptest.CheckHTMLAnswer(t, resp, body)
	})
}

// passwordStep passes the password step as An and returns its answer, for the code forms.
func passwordStep(t *testing.T, e *apptest.Env, c *http.Client, lp client.LoginPage) (*http.Response, string) {
	resp, body := e.PasswordStep(c, lp, an, app.DemoPassword)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password step for the setup: %d %q", resp.StatusCode, apptest.PageError(body))
	}
	return resp, body
}
