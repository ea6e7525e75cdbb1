package cli

import (
	"regexp"
	"runtime"
	"testing"
)

// versionLine is the one line of `dvclogin version`. A test binary has no release stamp:
// its version is (devel).
var versionLine = regexp.MustCompile(`\Advclogin \(devel\) \(commit (unknown|[0-9a-f]{40}), built (unknown|\S+), ` +
	regexp.QuoteMeta(runtime.Version()) + `\)\n\z`)

// TestVersion: `dvclogin version` and `dvclogin -version` print the same one line, and the
// flag never starts a server (no -addr is free to bind here, and nothing is listened on).
func TestVersion(t *testing.T) {
	out, _, err := runWith(t, nil, "version")
	if err != nil {
		t.Fatal(err)
	}
	if !versionLine.MatchString(out) {
		t.Errorf("version output %q does not match %s", out, versionLine)
	}
	flagOut, _, err := runWith(t, nil, "-version", "-addr", "256.0.0.1:1", "-data", t.TempDir())
	if err != nil || flagOut != out {
		t.Fatalf("-version: %v\n%s\nwant\n%s", err, flagOut, out)
	}
	if _, _, err := runWith(t, nil, "version", "extra"); err == nil {
		t.Fatal("version took an argument")
	}
}
