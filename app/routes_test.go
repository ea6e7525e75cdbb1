package app_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dvclogin/app/apptest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestRouteTable compares the whole URL surface with testdata/routes.golden: a route added,
// moved or dropped is a visible diff in review. After a deliberate change, run
// `go test ./app -run TestRouteTable -update` and commit the new table.
func TestRouteTable(t *testing.T) {
	env := apptest.New(t)
	got := strings.Join(env.App.RouteTable(), "\n") + "\n"
	golden := filepath.Join("testdata", "routes.golden")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("the route table changed; if that is intended, run go test ./app -run TestRouteTable -update\n got:\n%s\nwant:\n%s", got, want)
	}
}
