package store

import "testing"

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
