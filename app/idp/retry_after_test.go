package idp_test

import (
	"net/http"
	"testing"
	"time"

	"dvclogin/app/apptest"
)

// Every 429 carries Retry-After, on the HTML forms too (the README's limits). The
// per-IP password limit and "Gửi lại mã" too soon are covered by FuzzLoginForms' seeds
// password_ip_limited and resend_too_soon; this is the hourly resend limit, which no single
// fuzz input reaches.
func TestResendLimitPerHourCarriesRetryAfter(t *testing.T) {
	env := apptest.New(t, apptest.UnbudgetedSMS) // the resend limit, not the SMS budget, is under test
	c := env.Client()
	at, page := passwordDone(t, env, c)
	rf := resendForm(t, at, page)
	for i := 1; i <= env.Config.Limits.OTPResendPerHour; i++ {
		env.Clock.Advance(61 * time.Second)
		if resp, _ := env.Submit(c, rf, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("resend %d: %d", i, resp.StatusCode)
		}
	}
	env.Clock.Advance(61 * time.Second)
	resp, body := env.Submit(c, rf, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("resend past the hourly limit: %d, Retry-After %q, error %q", resp.StatusCode,
			resp.Header.Get("Retry-After"), apptest.PageError(body))
	}
}
