package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-03-02T08:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	tests := []struct {
		name    string
		stamped Info
		short   string
	}{
		// The module version the toolchain records is no release.
		{"BuildInfo", Info{Version: "(devel)"}, "dvclogin (devel) (0123456+, 2026-03-02)"},
		{"StampedWins", Info{Version: "v2.0.0", Commit: "fedcba9876543210", Date: "2026-04-01T00:00:00Z"}, "dvclogin v2.0.0 (fedcba9, 2026-04-01)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			i := tc.stamped
			fromBuildInfo(&i, bi)
			if got := i.Short(); got != tc.short || i.Go != "go1.99.1" {
				t.Fatalf("Short() = %q (go %q), want %q", got, i.Go, tc.short)
			}
		})
	}
	if got := (Info{Version: "(devel)"}).Short(); got != "dvclogin (devel)" {
		t.Fatalf("unknown build: %q", got)
	}
}

// String is the one line of `dvclogin version` that programs parse.
func TestString(t *testing.T) {
	for _, tc := range []struct {
		name string
		i    Info
		want string
	}{
		{"Release", Info{Version: "v1.2.0", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-03-02T08:00:00Z", Go: "go1.26.0"},
			"dvclogin v1.2.0 (commit 0123456789abcdef0123456789abcdef01234567, built 2026-03-02T08:00:00Z, go1.26.0)\n"},
		{"Unknown", Info{Version: "(devel)", Go: "go1.26.0"}, "dvclogin (devel) (commit unknown, built unknown, go1.26.0)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.i.String(); got != tc.want {
				t.Fatalf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}
