package idp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// An attacker holds a whole IPv6 /64: failures from different addresses of one /64 count
// under one per-IP limit, and the 21st is refused. Another /64 is another client.
func TestPerIPLimitKeysIPv6ByItsSlash64(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.TrustedProxies = []string{"127.0.0.1/32"} })
	n := 0
	addr := func() string { return fmt.Sprintf("2001:db8:aa:bb:%x::%x", n, n+1) }
	c := apptest.FromAddress(env.Client(), addr)
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	for n = 0; n < 20; n++ {
		id := fmt.Sprintf("0010990001%02d", n)
		if resp, _ := env.PasswordStep(c, lp, id, "Sai@12345"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d from %s: %d", n+1, addr(), resp.StatusCode)
		}
	}
	resp, body := env.PasswordStep(c, lp, an, app.DemoPassword)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("21st attempt from %s, same /64: %d %q, want 429", addr(), resp.StatusCode, errorText(body))
	}
	other := apptest.FromAddress(env.Client(), func() string { return "2001:db8:aa:bc::1" })
	lp = env.OpenLogin(other, client.NewPKCE(), nil)
	if resp, _ := env.PasswordStep(other, lp, an, app.DemoPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("from another /64: %d, want the code step", resp.StatusCode)
	}
	// The audit keeps the full address.
	attempts, err := env.App.Store().ListAttempts(t.Context(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) == 0 || !strings.Contains(attempts[0].IP, "2001:db8:aa:") || strings.Contains(attempts[0].IP, "/64") {
		t.Fatalf("attempt logged with IP %q, want the full address", attempts[0].IP)
	}
}
