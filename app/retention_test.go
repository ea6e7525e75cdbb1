package app_test

import (
	"context"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/store"
)

// The janitor's purge uses the configured retention and the application's clock: an audit
// event past it goes, a younger one stays.
func TestPurgeDropsWhatTheRetentionNoLongerKeeps(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.Retention.AuditEvents = 48 * time.Hour })
	ctx := context.Background()
	st := env.App.Store()
	for _, detail := range []string{"old", "young"} {
		if err := st.Audit(ctx, store.Event{At: env.Clock.Now(), Actor: "system", Action: "retention_test", Detail: detail}); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(24 * time.Hour)
	}
	env.Clock.Advance(time.Hour) // "old" is now 49 hours old, "young" 25
	if _, err := env.App.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	events, err := st.ListAudit(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range events {
		if e.Action == "retention_test" {
			left = append(left, e.Detail)
		}
	}
	if len(left) != 1 || left[0] != "young" {
		t.Fatalf("events left after the purge: %v, want [young]", left)
	}
}

// A retention shorter than a rule's window is raised to it: purging attempts or sent SMS a
// rule still counts would quietly weaken the rule.
func TestValidateRaisesRetentionToTheRulesWindows(t *testing.T) {
	cfg := app.DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Retention != store.DefaultRetention() {
		t.Fatalf("the default retention %+v does not cover the default limits' windows", store.DefaultRetention())
	}
	cfg.Limits.IPWindow = 3 * time.Hour
	cfg.Limits.SessionIdle = 2 * time.Hour
	cfg.Retention.LoginAttempts, cfg.Retention.SMSSends, cfg.Retention.IdleSessions = time.Minute, time.Minute, time.Minute
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Retention.LoginAttempts != 3*time.Hour || cfg.Retention.SMSSends != time.Hour {
		t.Fatalf("retention after Validate: attempts %v, SMS %v; want 3h and the SMS budget's hour",
			cfg.Retention.LoginAttempts, cfg.Retention.SMSSends)
	}
	if cfg.Retention.IdleSessions != 2*time.Hour {
		t.Fatalf("idle sessions kept %v after Validate; want the sessions' idle timeout, 2h", cfg.Retention.IdleSessions)
	}
}

// -access-token-ttl sets the lifetime of the access tokens the token endpoint issues (and so
// how long their rows must stay): a soak sets it to minutes.
func TestAccessTokenLifetimeIsConfigured(t *testing.T) {
	env := apptest.New(t, apptest.UnbudgetedSMS, func(c *app.Config) { c.Limits.AccessTokenTTL = 2 * time.Minute })
	p := client.NewPKCE()
	u := env.DirectLogin(env.Client(), env.AuthorizeURL(p, nil), "001085012345", app.DemoPassword)
	tok, err := crashRP(env.URL).Exchange(context.Background(), client.Authorization{PKCE: p}, u.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(tok.Expiry); left <= 0 || left > 2*time.Minute {
		t.Fatalf("access token expires in %v, want at most the configured 2m", left)
	}
}
