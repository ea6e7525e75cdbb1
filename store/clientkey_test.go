package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestClientKey(t *testing.T) {
	tests := []struct{ name, ip, want string }{
		{"IPv4", "203.0.113.7", "203.0.113.7"},
		{"IPv4Mapped", "::ffff:203.0.113.7", "203.0.113.7"},
		{"IPv6", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"IPv6SameSlash64", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"IPv6OtherSlash64", "2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"IPv6Zone", "fe80::1%eth0", "fe80::/64"},
		{"NotAnAddress", "unknown", "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ClientKey(tc.ip); got != tc.want {
				t.Fatalf("ClientKey(%q) = %q, want %q", tc.ip, got, tc.want)
			}
		})
	}
}

// Every per-IP count (console login failures, QR starts) counts the /64 of an IPv6 client,
// and keeps the full address in the row.
func TestPerIPCountsUseTheClientKey(t *testing.T) { eachDB(t, testPerIPCountsUseTheClientKey) }

func testPerIPCountsUseTheClientKey(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for i, ip := range []string{"2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:7:ffff::3"} {
		if err := s.RecordAttempt(ctx, Attempt{At: now, IP: ip, Kind: "console", Reason: "wrong_password"}); err != nil {
			t.Fatal(err)
		}
		l := QRLogin{ID: fmt.Sprintf("qr%d", i), AuthRequestID: "ar", FrameSecret: []byte("s"), BindingHash: "b",
			IP: ip, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
		if err := s.CreateQRLogin(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	since := now.Add(-time.Minute)
	if n, err := s.CountIPFailures(ctx, "2001:db8:7:7::99", "console", since); err != nil || n != 3 {
		t.Fatalf("console failures from the /64: %d %v, want 3", n, err)
	}
	if n, err := s.CountQRLoginsFromIP(ctx, "2001:db8:7:7::99", since); err != nil || n != 3 {
		t.Fatalf("QR starts from the /64: %d %v, want 3", n, err)
	}
	if n, _ := s.CountIPFailures(ctx, "2001:db8:7:8::1", "console", since); n != 0 {
		t.Fatalf("another /64 counted %d failures", n)
	}
	if l, _ := s.QRLoginByID(ctx, "qr2"); l.IP != "2001:db8:7:7:ffff::3" {
		t.Fatalf("QR login keeps IP %q, want the full address", l.IP)
	}
}
