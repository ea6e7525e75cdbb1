package app_test

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"dvclogin/app/apptest"
)

// The canonical-host redirect stays on the public origin whatever the request-target: raw
// request lines, written by hand, that a browser would never send.
func TestCanonicalHostRedirectStaysOnTheOrigin(t *testing.T) {
	env := apptest.New(t)
	public, _ := url.Parse(env.URL)
	targets := []struct{ name, target string }{
		{"DoubleSlash", "//evil.example/x"},
		{"DoubleSlashQuery", "//evil.example/x?y=//evil.example"},
		{"OpaqueUserinfo", "http:@evil.example"},
		{"OpaqueUserinfoPath", "http:@evil.example/x"},
		{"AbsoluteUserinfo", "http://localhost@evil.example/"},
		{"Backslash", "/\\evil.example/x"},
		{"EncodedSlashes", "/%2F%2Fevil.example/x"},
		{"Asterisk", "*"},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", public.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Write([]byte("GET " + tc.target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if resp.StatusCode >= 300 && resp.StatusCode < 400 {
				u, err := url.Parse(loc)
				if err != nil || u.Scheme != public.Scheme || u.Host != public.Host || u.User != nil || u.Opaque != "" {
					t.Fatalf("%d to %q, off the origin %s", resp.StatusCode, loc, env.URL)
				}
				return
			}
			if resp.StatusCode < 400 || loc != "" {
				t.Fatalf("%d with Location %q", resp.StatusCode, loc)
			}
		})
	}
}
