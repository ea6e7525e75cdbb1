package cli

import (
	"net"
	"os"
	"strings"
	"testing"
)

// TestOpenBrowserDecision: the portal opens by itself only for a double-click (no arguments,
// nobody piping input, not in CI) in a desktop session, or when -open / DVC_OPEN asks; never
// from a test binary. The Windows window waits for Enter only after a double-click.
func TestOpenBrowserDecision(t *testing.T) {
	unset, on, off := openChoice{}, openChoice{set: true, on: true}, openChoice{set: true}
	type env map[string]string
	tests := []struct {
		name    string
		goos    string
		env     env
		args    []string
		stdin   stdinKind
		testing bool
		choice  openChoice
		open    bool
		hold    bool
	}{
		{"WindowsDoubleClick", "windows", nil, nil, stdinTerminal, false, unset, true, true},
		{"MacDoubleClick", "darwin", nil, nil, stdinTerminal, false, unset, true, false},
		{"LinuxFileManager", "linux", env{"WAYLAND_DISPLAY": "wayland-0"}, nil, stdinNone, false, unset, true, false},
		{"LinuxX11", "linux", env{"DISPLAY": ":0"}, nil, stdinTerminal, false, unset, true, false},
		{"LinuxNoDisplay", "linux", nil, nil, stdinTerminal, false, unset, false, false},
		{"OverSSH", "darwin", env{"SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22"}, nil, stdinTerminal, false, unset, false, false},
		{"InCI", "windows", env{"CI": "true"}, nil, stdinTerminal, false, unset, false, false},
		{"WithArguments", "windows", nil, []string{"-addr", ":9090"}, stdinTerminal, false, unset, false, false},
		{"InputPiped", "darwin", nil, nil, stdinOther, false, unset, false, false},
		{"OpenFalse", "windows", nil, []string{"-open=false"}, stdinTerminal, false, off, false, false},
		{"OpenTrueWithArguments", "linux", nil, []string{"-open", "-addr", ":9090"}, stdinOther, false, on, true, false},
		{"NeverInTests", "windows", nil, nil, stdinTerminal, true, on, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := launch{goos: tc.goos, getenv: func(k string) string { return tc.env[k] }, args: tc.args, stdin: tc.stdin, testing: tc.testing}
			if got := l.shouldOpenBrowser(tc.choice); got != tc.open {
				t.Errorf("shouldOpenBrowser = %v, want %v", got, tc.open)
			}
			if got := l.holdsWindow(); got != tc.hold {
				t.Errorf("holdsWindow = %v, want %v", got, tc.hold)
			}
		})
	}
}

// TestThisProcessNeverOpens: the launch of a test binary says testing, whatever -open says.
func TestThisProcessNeverOpens(t *testing.T) {
	l := currentLaunch(nil, os.Stdin)
	if l.shouldOpenBrowser(openChoice{set: true, on: true}) || l.holdsWindow() {
		t.Fatal("a test binary would open a browser or hold its window")
	}
}

func TestOpenFlag(t *testing.T) {
	tests := []struct {
		name, env string
		args      []string
		want      openChoice
		ok        bool
	}{
		{"Unset", "", nil, openChoice{}, true},
		{"Flag", "", []string{"-open"}, openChoice{set: true, on: true}, true},
		{"FlagFalse", "", []string{"-open=false"}, openChoice{set: true}, true},
		{"Env", "0", nil, openChoice{set: true}, true},
		{"FlagWinsOverEnv", "0", []string{"-open"}, openChoice{set: true, on: true}, true},
		{"ErrEnv", "sometimes", nil, openChoice{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("DVC_OPEN", tc.env)
			}
			_, opts, err := parseServeFlags(tc.args, &strings.Builder{})
			if (err == nil) != tc.ok || tc.ok && opts.open != tc.want {
				t.Fatalf("open %+v, err %v; want %+v ok=%v", opts.open, err, tc.want, tc.ok)
			}
		})
	}
}

// TestHealthURL: the readiness check asks the listening address over plain HTTP, from this
// machine, whatever interface the server listens on.
func TestHealthURL(t *testing.T) {
	tests := []struct {
		name  string
		bound net.Addr
		want  string
	}{
		{"AllInterfaces", &net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://127.0.0.1:8080/healthz"},
		{"AllInterfacesIPv6", &net.TCPAddr{IP: net.IPv6unspecified, Port: 8443}, "http://127.0.0.1:8443/healthz"},
		{"OneAddress", &net.TCPAddr{IP: net.ParseIP("192.168.1.23"), Port: 8080}, "http://192.168.1.23:8080/healthz"},
		{"LoopbackIPv6", &net.TCPAddr{IP: net.IPv6loopback, Port: 9000}, "http://[::1]:9000/healthz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := healthURL(tc.bound); got != tc.want {
				t.Fatalf("healthURL(%v) = %q, want %q", tc.bound, got, tc.want)
			}
		})
	}
}
