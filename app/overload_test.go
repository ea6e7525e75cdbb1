package app_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// Under saturation the work a login already paid for goes first. A login whose password was
// checked finishes its code step though no new password may be hashed, and a QR login whose app
// login was hashed is confirmed with its passcode though new app logins and password steps are
// refused at once, with 429 and Retry-After.
func TestOverloadFinishesAdmittedLogins(t *testing.T) {
	env := apptest.New(t, apptest.UnbudgetedSMS)
	const an = "001085012345"
	ctx := context.Background()

	t.Run("CodeStepNeedsNoHash", func(t *testing.T) {
		c := env.Client()
		lp := env.OpenLogin(c, client.NewPKCE(), nil)
		resp, body := env.PasswordStep(c, lp, an, app.DemoPassword)
		at, page := env.CodeStep(c, resp, body)
		token := env.AppLogin(an, app.DemoPassword)
		code := env.LatestCode(token)

		release := env.App.Hasher().Saturate()
		defer release()
		late := env.Client()
		resp, _ = env.PasswordStep(late, env.OpenLogin(late, client.NewPKCE(), nil), an, app.DemoPassword)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("new password step while saturated: %d Retry-After %q, want 429 with Retry-After",
				resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		resp, _ = env.SubmitCode(c, at, page, code)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("code step of an admitted login while saturated: %d, want 303 on to the client", resp.StatusCode)
		}
	})

	t.Run("QRConfirmBeforeNewLogins", func(t *testing.T) {
		c := env.Client()
		b := client.NewBrowser(env.URL, c)
		lp := env.OpenLogin(c, client.NewPKCE(), nil)
		l, err := b.StartQR(ctx, lp)
		if err != nil {
			t.Fatal(err)
		}
		phone := env.Phone()
		token := phone.Login(an, app.DemoPassword)
		if _, err := phone.App.Scan(ctx, token, l.QR); err != nil {
			t.Fatal(err)
		}

		// New work is refused (a full queue of new logins), paid work is not.
		release := env.App.Hasher().RefuseNew()
		defer release()
		_, err = client.NewPhone(env.URL, env.Client(), "").Login(ctx, an, app.DemoPassword, "")
		var refusal *client.APIError
		if !errors.As(err, &refusal) || refusal.Status != http.StatusTooManyRequests || refusal.RetryAfter == "" {
			t.Fatalf("new app login under saturation: %v, want 429 with Retry-After", err)
		}
		late := env.Client()
		resp, _ := env.PasswordStep(late, env.OpenLogin(late, client.NewPKCE(), nil), an, app.DemoPassword)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("new password step under saturation: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		d, err := phone.App.Confirm(ctx, token, l.ID, app.DemoPasscode)
		if err != nil || d.State != "confirmed" {
			t.Fatalf("QR confirm of an admitted login under saturation: %+v %v, want confirmed", d, err)
		}
	})
}
