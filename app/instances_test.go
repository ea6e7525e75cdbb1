package app_test

import (
	"context"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/store"
	"dvclogin/store/pgtest"
)

// Two instances (each its own App, router and memory) on one PostgreSQL database.
func twoInstances(t *testing.T, opts ...func(*app.Config)) (a, b *apptest.Env, dbURL string) {
	t.Helper()
	dbURL = pgtest.URL(t)
	on := func(c *app.Config) {
		c.DB = dbURL
		for _, o := range opts {
			o(c)
		}
	}
	return apptest.New(t, on), apptest.New(t, on), dbURL
}

// An instance that cannot hear the others (its listening connection is down) still tells its
// desktop what another instance did: its held event streams read the database every second.
func TestQREventsPollWhileTheListenConnectionIsDown(t *testing.T) {
	a, b, _ := twoInstances(t)
	ctx := context.Background()
	desktop := a.Client()
	lp := a.OpenLogin(desktop, client.NewPKCE(), nil)
	start, err := client.NewBrowser(a.URL, desktop).StartQR(ctx, lp)
	if err != nil {
		t.Fatalf("QR start: %v", err)
	}
	// The desktop's stream is on instance b (the cookie jar ignores the port).
	events := openQREvents(t, b, desktop, client.QRLogin{EventsURL: b.URL + strings.TrimPrefix(start.EventsURL, a.URL)})
	events.until(t, store.QRWaiting)

	// b no longer hears a: its listening connection is gone for good.
	b.App.Relay().Close()
	if !b.App.Hub().Polling() {
		t.Fatal("an instance that cannot hear the others does not poll")
	}

	phone := a.AppLogin("001085012345", app.DemoPassword)
	if _, err := a.Phone().App.Scan(ctx, phone, start.QR); err != nil {
		t.Fatalf("scan: %v", err)
	}
	if _, err := a.Phone().App.Confirm(ctx, phone, start.ID, app.DemoPasscode); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	events.until(t, store.QRConfirmed)

}

// The console password is the one stored now, whichever instance stored it: an instance that
// started with the old one refuses it once another stored a new one.
func TestConsolePasswordOfAnotherInstance(t *testing.T) {
	const first, second = "Quantri@2026", "Quantri@2027-moi"
	a, b, _ := twoInstances(t, func(c *app.Config) { c.AdminPassword = first })
	if !operatorLetIn(t, a, first) || !operatorLetIn(t, b, first) {
		t.Fatal("the configured password is refused")
	}
	b.Config.AdminPassword = second
	b.Restart()
	if operatorLetIn(t, a, first) || !operatorLetIn(t, a, second) {
		t.Fatal("the other instance still takes the password it started with")
	}
}
