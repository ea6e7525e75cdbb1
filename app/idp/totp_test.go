package idp_test

import (
	"context"
	"encoding/base32"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

type totpEnrollment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
	QRSVGURL   string `json:"qr_svg_url"`
}

// totpCode is the code an authenticator app shows at t.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrollTOTP sets up an authenticator app for the app session's citizen through the phone API
// and returns its secret. The clock then moves to the next step, as a person's would before
// logging in: the step that confirmed the setup is spent.
func enrollTOTP(t *testing.T, env *apptest.Env, token string) string {
	t.Helper()
	var e totpEnrollment
	if st := env.Phone().Call(http.MethodPost, "/totp/enroll", token,
		map[string]string{"passcode": app.DemoPasscode}, &e); st != http.StatusOK || e.Secret == "" {
		t.Fatalf("enroll: %d %+v", st, e)
	}
	if st := env.Phone().Call(http.MethodPost, "/totp/activate", token,
		map[string]string{"code": totpCode(t, e.Secret, env.Clock.Now())}, nil); st != http.StatusOK {
		t.Fatalf("activate: %d", st)
	}
	env.Clock.Advance(30 * time.Second)
	return e.Secret
}

func totpEnabled(t *testing.T, env *apptest.Env, token string) bool {
	t.Helper()
	var me struct {
		TOTPEnabled *bool `json:"totp_enabled"`
	}
	if st := env.Phone().Call(http.MethodGet, "/me", token, nil, &me); st != http.StatusOK || me.TOTPEnabled == nil {
		t.Fatalf("me: %d, totp_enabled missing", st)
	}
	return *me.TOTPEnabled
}

// channelForm returns the code page's form that switches to channel ("": the resend form).
func channelForm(t *testing.T, at, page, channel string) client.Form {
	t.Helper()
	for _, f := range client.ParseForms(at, page) {
		if strings.HasSuffix(f.Action, "/idp/login/otp/resend") && f.Fields.Get("channel") == channel {
			return f
		}
	}
	t.Fatalf("the code page offers no switch to %q", channel)
	return client.Form{}
}

// switchToTOTP posts channel=totp from the code page, whether the page offers it or not.
func switchToTOTP(t *testing.T, env *apptest.Env, c *http.Client, at, page string) (*http.Response, string) {
	t.Helper()
	f := channelForm(t, at, page, "app")
	return env.Submit(c, f, map[string]string{"channel": "totp"})
}

// totpLogin runs the password step for An, whose code step starts on the authenticator.
func totpLogin(t *testing.T, env *apptest.Env, c *http.Client) (string, string) {
	t.Helper()
	at, page := passwordDone(t, env, c)
	if !strings.Contains(page, "Nhập mã từ ứng dụng xác thực") {
		t.Fatalf("the code step of a citizen with an authenticator did not start on it: %q", errorText(page))
	}
	return at, page
}

func TestTOTPEnrollmentNeedsThePasscode(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	tests := []struct {
		name, passcode string
		status         int
		code           string
	}{
		{"ErrNoPasscode", "", http.StatusBadRequest, "invalid_passcode"},
		{"ErrWrongPasscode", "000000", http.StatusBadRequest, "invalid_passcode"},
		{"OK", app.DemoPasscode, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out struct {
				totpEnrollment
				apptest.APIError
			}
			st := env.Phone().Call(http.MethodPost, "/totp/enroll", token,
				map[string]string{"passcode": tc.passcode}, &out)
			if st != tc.status || out.Error.Code != tc.code {
				t.Fatalf("enroll: %d %q, want %d %q", st, out.Error.Code, tc.status, tc.code)
			}
			if tc.status != http.StatusOK {
				if out.Secret != "" {
					t.Fatal("a refused enrollment revealed a secret")
				}
				return
			}
			if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(out.Secret); err != nil || len(out.Secret) < 32 {
				t.Errorf("secret %q: want at least 160 bits of base32", out.Secret)
			}
			if !strings.HasPrefix(out.OTPAuthURL, "otpauth://totp/") || !strings.Contains(out.OTPAuthURL, "secret="+out.Secret) ||
				!strings.Contains(out.OTPAuthURL, an) {
				t.Errorf("otpauth URL %q", out.OTPAuthURL)
			}
			if !strings.HasPrefix(out.QRSVGURL, "data:image/svg+xml;base64,") {
				t.Errorf("QR %q: want an SVG data URL", out.QRSVGURL[:min(40, len(out.QRSVGURL))])
			}
		})
	}
	// A shown secret is not a login factor until a code confirms it.
	if totpEnabled(t, env, token) {
		t.Fatal("totp_enabled before any code confirmed the setup")
	}
}

func TestTOTPActivation(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	activate := func(code string) (int, string) {
		var out apptest.APIError
		st := env.Phone().Call(http.MethodPost, "/totp/activate", token, map[string]string{"code": code}, &out)
		return st, out.Error.Code
	}
	if st, code := activate("123456"); st != http.StatusConflict || code != "totp_setup_expired" {
		t.Fatalf("activate without a setup: %d %q, want 409 totp_setup_expired", st, code)
	}
	var e totpEnrollment
	env.Phone().Call(http.MethodPost, "/totp/enroll", token, map[string]string{"passcode": app.DemoPasscode}, &e)
	right := totpCode(t, e.Secret, env.Clock.Now())
	if st, code := activate(wrongCode(right)); st != http.StatusBadRequest || code != "invalid_code" {
		t.Fatalf("wrong code: %d %q, want 400 invalid_code", st, code)
	}
	if totpEnabled(t, env, token) {
		t.Fatal("a wrong code turned the authenticator on")
	}
	if st, code := activate(right); st != http.StatusOK {
		t.Fatalf("right code: %d %q", st, code)
	}
	if !totpEnabled(t, env, token) {
		t.Fatal("totp_enabled is false after activation")
	}
	var msgs struct {
		Messages []struct{ Channel, Body string } `json:"messages"`
	}
	env.Phone().Call(http.MethodGet, "/messages", token, nil, &msgs)
	if len(msgs.Messages) == 0 || msgs.Messages[0].Channel != "app" || !strings.Contains(msgs.Messages[0].Body, "bật xác thực bằng ứng dụng xác thực") {
		t.Errorf("no in-app notice of the activation: %+v", msgs.Messages)
	}

	// A setup left too long must be started again.
	env.Phone().Call(http.MethodPost, "/totp/enroll", token, map[string]string{"passcode": app.DemoPasscode}, &e)
	env.Clock.Advance(11 * time.Minute)
	if st, code := activate(totpCode(t, e.Secret, env.Clock.Now())); st != http.StatusConflict || code != "totp_setup_expired" {
		t.Fatalf("activate an old setup: %d %q, want 409", st, code)
	}
}

func TestTOTPRemovalNeedsThePasscode(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	enrollTOTP(t, env, token)
	remove := func(passcode string) int {
		return env.Phone().Call(http.MethodDelete, "/totp", token, map[string]string{"passcode": passcode}, nil)
	}
	if st := remove("000000"); st != http.StatusBadRequest || !totpEnabled(t, env, token) {
		t.Fatalf("remove with a wrong passcode: %d", st)
	}
	if st := remove(app.DemoPasscode); st != http.StatusOK || totpEnabled(t, env, token) {
		t.Fatalf("remove: %d", st)
	}
	// Off means off: a login can no longer switch to it.
	c := env.Client()
	at, page := passwordDone(t, env, c)
	if strings.Contains(page, "Dùng mã từ ứng dụng xác thực") {
		t.Error("the code page offers the removed authenticator")
	}
	if resp, _ := switchToTOTP(t, env, c, at, page); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("switch to a removed authenticator: %d, want 403", resp.StatusCode)
	}
}

// The authenticator code completes the login and the client learns it from amr.
func TestTOTPLoginReachesTheClient(t *testing.T) {
	env := apptest.New(t)
	secret := enrollTOTP(t, env, env.AppLogin(an, app.DemoPassword))
	r := newDemoRP(t, env, "profile")
	c := env.Client()
	a := client.NewAuthorization()
	authURL := r.AuthCodeURL(a)
	resp, body := env.PasswordStep(c, env.OpenLoginAt(c, authURL), an, app.DemoPassword)
	at, page := env.CodeStep(c, resp, body)
	if !strings.Contains(page, "Nhập mã từ ứng dụng xác thực") {
		t.Fatal("the code page does not start on the authenticator app")
	}
	resp, body = env.SubmitCode(c, at, page, totpCode(t, secret, env.Clock.Now()))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("right authenticator code: %d %q", resp.StatusCode, errorText(body))
	}
	_, to, _ := follow(t, env, c, hop{resp, body, at}, r.OAuth.RedirectURL)
	if to == nil || to.Query().Get("state") != a.State {
		t.Fatal("the login did not reach the client")
	}
	tok, err := r.Exchange(context.Background(), a, to.Query().Get("code"))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	_, claims := r.idToken(t, tok)
	if amr, _ := claims["amr"].([]any); !slices.Equal(amr, []any{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr = %v, want [pwd otp mfa] (RFC 8176: password and a one-time password)", claims["amr"])
	}
}

// T11: a code works once. The same code on a second login is refused, and so is the previous
// step's code once a later step was accepted.
func TestTOTPReplayRefused(t *testing.T) {
	tests := []struct {
		name   string
		second time.Duration // the second login's code, relative to the accepted one's time
	}{
		{"ErrSameCode", 0},
		{"ErrOlderStep", -30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t)
			secret := enrollTOTP(t, env, env.AppLogin(an, app.DemoPassword))
			first := env.Client()
			at, page := totpLogin(t, env, first)
			if resp, body := env.SubmitCode(first, at, page, totpCode(t, secret, env.Clock.Now())); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("first login: %d %q", resp.StatusCode, errorText(body))
			}
			second := env.Client()
			at, page = totpLogin(t, env, second)
			resp, body := env.SubmitCode(second, at, page, totpCode(t, secret, env.Clock.Now().Add(tc.second)))
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(errorText(body), "còn 4 lần") {
				t.Fatalf("replayed code: %d %q, want 401 counted as a failure", resp.StatusCode, errorText(body))
			}
		})
	}
}

// T13: only the server's current step and the one before count; codes from further away in
// either direction are wrong codes.
func TestTOTPWindow(t *testing.T) {
	env := apptest.New(t)
	secret := enrollTOTP(t, env, env.AppLogin(an, app.DemoPassword))
	// Two steps more, so that no step the cases try is the one the setup spent.
	env.Clock.Advance(60 * time.Second)
	tests := []struct {
		name   string
		offset time.Duration
		status int
	}{
		{"ErrTwoStepsBack", -60 * time.Second, http.StatusUnauthorized},
		{"ErrTwoStepsAhead", 60 * time.Second, http.StatusUnauthorized},
		{"ErrOneStepAhead", 30 * time.Second, http.StatusUnauthorized},
		// Accepted steps are spent, so the older one goes first.
		{"OKOneStepBack", -30 * time.Second, http.StatusSeeOther},
		{"OKCurrentStep", 0, http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := env.Client()
			at, page := totpLogin(t, env, c)
			resp, body := env.SubmitCode(c, at, page, totpCode(t, secret, env.Clock.Now().Add(tc.offset)))
			if resp.StatusCode != tc.status {
				t.Fatalf("code at %v: %d %q, want %d", tc.offset, resp.StatusCode, errorText(body), tc.status)
			}
		})
	}
}

// T16: a citizen without an authenticator cannot pick it, and the refusal leaves the
// challenge's count as it was.
func TestTOTPSwitchWithoutEnrollmentRefused(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	at, page := passwordDone(t, env, c)
	if strings.Contains(page, "Dùng mã từ ứng dụng xác thực") {
		t.Fatal("the code page offers an authenticator the citizen never set up")
	}
	code := env.LatestCode(token)
	for i := 0; i < 4; i++ {
		env.SubmitCode(c, at, page, wrongCode(code))
	}
	resp, body := switchToTOTP(t, env, c, at, page)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Nhập mã từ ứng dụng xác thực") {
		t.Fatalf("switch without an authenticator: %d %q, want 403", resp.StatusCode, errorText(body))
	}
	if resp, body := env.SubmitCode(c, at, page, wrongCode(code)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("5th wrong code after the refused switch: %d %q, want 403 (challenge dead)", resp.StatusCode, errorText(body))
	}
}

// T16: the code step of a citizen with an authenticator starts on it and sends nothing;
// switching to SMS sends the first code at once (no resend), and switching back keeps the wrong
// SMS codes on the count and sends nothing.
func TestTOTPSwitchKeepsTheFailureCount(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	secret := enrollTOTP(t, env, token)
	c := env.Client()
	var before, now struct {
		Messages []struct{ Channel, Body string } `json:"messages"`
	}
	env.Phone().Call(http.MethodGet, "/messages", token, nil, &before)
	at, page := totpLogin(t, env, c)
	env.Phone().Call(http.MethodGet, "/messages", token, nil, &now)
	if len(now.Messages) != len(before.Messages) {
		t.Fatalf("the code step sent %d messages before the citizen asked for one, want none", len(now.Messages)-len(before.Messages))
	}
	resp, page := env.Submit(c, channelForm(t, at, page, "sms"), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Nhập mã OTP") {
		t.Fatalf("switch to SMS: %d %q", resp.StatusCode, errorText(page))
	}
	code := env.LatestCode(token)
	for i := 0; i < 4; i++ {
		env.SubmitCode(c, at, page, wrongCode(code))
	}
	env.Phone().Call(http.MethodGet, "/messages", token, nil, &before)
	// Within the resend minute: a resend would be refused, a switch is not one.
	resp, page = env.Submit(c, channelForm(t, at, page, "totp"), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("switch: %d %q", resp.StatusCode, errorText(page))
	}
	env.Phone().Call(http.MethodGet, "/messages", token, nil, &now)
	if len(now.Messages) != len(before.Messages) {
		t.Errorf("switching sent %d messages, want none", len(now.Messages)-len(before.Messages))
	}
	right := totpCode(t, secret, env.Clock.Now())
	if resp, body := env.SubmitCode(c, at, page, wrongCode(right)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("1 wrong authenticator code after 4 wrong SMS codes: %d %q, want 403 (challenge dead)", resp.StatusCode, errorText(body))
	}
	if resp, _ := env.SubmitCode(c, at, page, right); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("right authenticator code on the dead challenge: %d, want 403", resp.StatusCode)
	}
}

// T39: the secret at rest is sealed, pending and active alike.
func TestTOTPSecretEncryptedAtRest(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	ctx := t.Context()
	var e totpEnrollment
	env.Phone().Call(http.MethodPost, "/totp/enroll", token, map[string]string{"passcode": app.DemoPasscode}, &e)
	cit, err := env.App.Store().CitizenByIDNumber(ctx, an)
	if err != nil {
		t.Fatal(err)
	}
	pending, _, err := env.App.Store().TOTPPending(ctx, cit.ID)
	if err != nil || pending == "" || strings.Contains(pending, e.Secret) {
		t.Fatalf("pending secret stored as %q (err %v): want it sealed", pending, err)
	}
	env.Phone().Call(http.MethodPost, "/totp/activate", token,
		map[string]string{"code": totpCode(t, e.Secret, env.Clock.Now())}, nil)
	cit, err = env.App.Store().CitizenByIDNumber(ctx, an)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Secret)
	if cit.TOTPSecret == "" || strings.Contains(cit.TOTPSecret, e.Secret) || strings.Contains(cit.TOTPSecret, string(raw)) {
		t.Fatalf("active secret stored as %q: want it sealed", cit.TOTPSecret)
	}
}
