package store

import "net/netip"

// ClientKey is what per-IP limits count by: an IPv4 address as it is (an IPv4-mapped IPv6
// address as its IPv4 address), an IPv6 address as its /64 prefix, since a subscriber is
// given a whole /64 and can send from any of its addresses. Anything that is not an IP
// address is its own key.
func ClientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.WithZone("").Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
