package cli

import (
	"runtime"
	"strings"
	"testing"
)

// TestVersion: `dvclogin version` and `dvclogin -version` print the same four lines, and the
// flag never starts a server (no -addr is free to bind here, and nothing is listened on).
func TestVersion(t *testing.T) {
	out, _, err := runWith(t, nil, "version")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dvclogin ", "\ncommit  ", "\ndate    ", "\ngo      " + runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
	flagOut, _, err := runWith(t, nil, "-version", "-addr", "256.0.0.1:1", "-data", t.TempDir())
	if err != nil || flagOut != out {
		t.Fatalf("-version: %v\n%s\nwant\n%s", err, flagOut, out)
	}
	if _, _, err := runWith(t, nil, "version", "extra"); err == nil {
		t.Fatal("version took an argument")
	}
}
