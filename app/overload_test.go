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

// Under saturation a login that was admitted finishes and the excess is refused at its start. A
// login whose password was checked finishes its code step though nothing may be hashed; a login
// admitted at its authorization request has its password checked though new app logins are
// refused; and a QR login whose app login was hashed is confirmed with its passcode. Every
// refusal is at once, with 429 and Retry-After.
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
		startRefused(t, env, "new login while saturated")
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

		// A login admitted at its authorization request, before the cores filled.
		started := env.Client()
		startedLogin := env.OpenLogin(started, client.NewPKCE(), nil)

		// A hash that would start a login is refused; admitted and paid work is not.
		release := env.App.Hasher().RefuseNew()
		defer release()
		_, err = client.NewPhone(env.URL, env.Client(), "").Login(ctx, an, app.DemoPassword, "")
		var refusal *client.APIError
		if !errors.As(err, &refusal) || refusal.Status != http.StatusTooManyRequests || refusal.RetryAfter == "" {
			t.Fatalf("new app login under saturation: %v, want 429 with Retry-After", err)
		}
		resp, body := env.PasswordStep(started, startedLogin, an, app.DemoPassword)
		if resp.StatusCode == http.StatusTooManyRequests {
			t.Fatal("password step of a login admitted at its start refused under saturation")
		}
		env.CodeStep(started, resp, body) // on to the code step
		d, err := phone.App.Confirm(ctx, token, l.ID, app.DemoPasscode)
		if err != nil || d.State != "confirmed" {
			t.Fatalf("QR confirm of an admitted login under saturation: %+v %v, want confirmed", d, err)
		}
	})

	// When the queue of new logins fills, a new login is refused at its first request, before
	// it costs anything, while a login already started goes on to its password hash and code.
	t.Run("NewLoginsRefusedAtTheStart", func(t *testing.T) {
		c := env.Client()
		lp := env.OpenLogin(c, client.NewPKCE(), nil)

		release := env.App.Hasher().RefuseStarts()
		defer release()
		startRefused(t, env, "new authorization request while the queue fills")
		resp, body := env.PasswordStep(c, lp, an, app.DemoPassword)
		at, page := env.CodeStep(c, resp, body)
		resp, _ = env.SubmitCode(c, at, page, env.LatestCode(env.AppLogin(an, app.DemoPassword)))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("code step of a login started before: %d, want 303 on to the client", resp.StatusCode)
		}
		// A browser already signed in to the IdP needs no hash: its next login is not refused.
		signedIn := *c
		signedIn.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := signedIn.Get(env.AuthorizeURL(client.NewPKCE(), nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			t.Fatal("authorization request of a browser signed in to the IdP refused")
		}
	})
}

// startRefused checks that a new login is refused at its authorization request: 429 with
// Retry-After.
func startRefused(t *testing.T, env *apptest.Env, what string) {
	t.Helper()
	resp, err := env.Client().Get(env.AuthorizeURL(client.NewPKCE(), nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: %d Retry-After %q, want 429 with Retry-After", what, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
