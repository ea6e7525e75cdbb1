package portal_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/store"
)

// The portal's session before login lives 15 minutes from its latest login start, and the
// janitor's purge removes it; a login turns it into a citizen's session with the normal
// lifetimes.
func TestPreLoginSessionLivesFifteenMinutes(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	base, _ := url.Parse(env.URL)
	c := env.Client()
	startLogin(t, env, c)
	created := env.Clock.Now()
	hash := store.Digest(cookieValue(c, base, "dvc_portal"))
	sess, err := env.App.Store().SessionByHash(ctx, "portal", hash, created)
	if err != nil {
		t.Fatal(err)
	}
	if got := sess.ExpiresAt.Sub(created); got != 15*time.Minute {
		t.Fatalf("session before login expires after %v, want 15m", got)
	}
	env.Clock.Advance(15*time.Minute + time.Second)
	if _, err := env.App.Store().SessionByHash(ctx, "portal", hash, env.Clock.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session before login after 15 minutes: %v, want gone", err)
	}
	if _, err := env.App.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Store().SessionByHash(ctx, "portal", hash, created); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("the purge left the expired session before login in the database")
	}

	// After the login the session has the citizen's lifetimes: it outlives 15 minutes.
	c = env.Client()
	callback := loginToIdP(t, env, c, "")
	if resp, _ := env.Get(c, callback.String()); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: %d", resp.StatusCode)
	}
	env.Clock.Advance(20 * time.Minute)
	if resp, _ := env.Get(c, "/tai-khoan"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/tai-khoan 20 minutes after login: %d, want 200", resp.StatusCode)
	}
}

// One client (address, or IPv6 /64) may hold 50 sessions before login in 15 minutes; the
// 51st start is refused with 429, Retry-After and a message, while other clients go on.
func TestPreLoginSessionsPerClientAreCapped(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.TrustedProxies = []string{"127.0.0.1/32"} })
	n := 0
	fresh := func() *http.Client { // a script that drops its cookies, hopping within a /64
		n++
		addr := fmt.Sprintf("2001:db8:5::%x", n)
		return apptest.FromAddress(env.Client(), func() string { return addr })
	}
	keep := fresh()
	startLogin(t, env, keep)
	for i := 1; i < 50; i++ {
		if resp, _ := env.Get(fresh(), "/dang-nhap/vneid"); resp.StatusCode != http.StatusFound {
			t.Fatalf("start %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := env.Get(fresh(), "/dang-nhap/vneid")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "900" ||
		!strings.Contains(body, "Có quá nhiều lượt đăng nhập đang chờ") {
		t.Fatalf("51st start: %d Retry-After %q, want 429 with Retry-After 900 and the message",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// A browser that keeps its session starts no new one, and other clients are not affected.
	startLogin(t, env, keep)
	startLogin(t, env, apptest.FromAddress(env.Client(), func() string { return "203.0.113.5" }))
	env.Clock.Advance(15*time.Minute + time.Second)
	if resp, _ := env.Get(fresh(), "/dang-nhap/vneid"); resp.StatusCode != http.StatusFound {
		t.Fatalf("after 15 minutes: %d, want 302", resp.StatusCode)
	}
}
