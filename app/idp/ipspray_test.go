package idp_test

import (
	"fmt"
	"net/http"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// spoofing sets X-Forwarded-For and X-Real-IP on every request, each a fresh address unless
// fixed: what a client that wants a new limiter key per guess sends.
type spoofing struct {
	n           *int
	xff, realIP string // fixed values; "" = a fresh address per request
}

func (s spoofing) RoundTrip(r *http.Request) (*http.Response, error) {
	*s.n++
	r = r.Clone(r.Context())
	fresh := fmt.Sprintf("203.0.113.%d", *s.n%250+1)
	r.Header.Set("X-Forwarded-For", orFresh(s.xff, fresh))
	r.Header.Set("X-Real-IP", orFresh(s.realIP, fresh))
	return http.DefaultTransport.RoundTrip(r)
}

func orFresh(fixed, fresh string) string {
	if fixed != "" {
		return fixed
	}
	return fresh
}

// T38: one common password tried on many ID numbers from one IP hits the per-IP limit at 20
// failures (429 with Retry-After), and forged X-Forwarded-For / X-Real-IP headers do not move
// the limiter key unless the peer is a configured trusted proxy.
func TestT38_SprayWithSpoofedForwardingHeaders(t *testing.T) {
	tests := []struct {
		name        string
		trusted     []string
		xff, realIP string
		limited     bool // the 21st failure is refused
	}{
		{"NoTrustedProxySpoofedHeaders", nil, "", "", true},
		{"UntrustedPeerSpoofedHeaders", []string{"10.0.0.0/8"}, "", "", true},
		{"TrustedProxyFixedXFFSpoofedRealIP", []string{"127.0.0.1/32"}, "198.51.100.7", "", true},
		{"TrustedProxyReportsEachClient", []string{"127.0.0.1/32"}, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t, func(c *app.Config) { c.TrustedProxies = tc.trusted })
			n := 0
			c := env.Client()
			c.Transport = spoofing{n: &n, xff: tc.xff, realIP: tc.realIP}
			lp := env.OpenLogin(c, client.NewPKCE(), nil)
			const common = "Matkhau@123"
			for i := 0; i < 20; i++ {
				if resp, _ := env.PasswordStep(c, lp, fmt.Sprintf("0019950000%02d", i), common); resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d, want 401", i+1, resp.StatusCode)
				}
			}
			resp, body := env.PasswordStep(c, lp, "001995000099", common)
			if !tc.limited {
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("21st guess, each from its own client: %d, want 401", resp.StatusCode)
				}
				return
			}
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "600" {
				t.Fatalf("21st guess: %d Retry-After %q %q, want 429 with Retry-After 600", resp.StatusCode,
					resp.Header.Get("Retry-After"), errorText(body))
			}
		})
	}
}
