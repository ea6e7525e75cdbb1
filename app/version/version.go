// Package version says which build of dvclogin is running: what the release script stamped
// into the binary, else what the Go toolchain recorded when it built it.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// The release script (scripts/release) stamps these with
// -ldflags "-X dvclogin/app/version.version=v1.2.0 -X dvclogin/app/version.commit=... ...".
// They must be variables for -X to reach them; nothing else writes them. go run and go build
// leave them empty, and the build info recorded by the toolchain speaks instead.
var (
	version  string // git describe, e.g. v1.2.0 or v1.2.0-3-gabc1234
	commit   string // full commit hash
	date     string // commit time, RFC 3339 (a reproducible build has no clock of its own)
	modified string // "true" when built from a tree with uncommitted changes
)

// Info is one build of dvclogin.
type Info struct {
	Version  string // v1.2.0, or "(devel)" for a build outside a release
	Commit   string // "" when unknown
	Date     string // commit time, RFC 3339; "" when unknown
	Modified bool   // the tree had uncommitted changes
	Go       string // toolchain, e.g. go1.26.0
}

// Get returns this binary's build: the stamped values first, then the toolchain's build info
// (vcs.revision, vcs.time, vcs.modified). Only a release names a version: the module
// version the toolchain records for a plain build is no release.
func Get() Info {
	i := Info{Version: version, Commit: commit, Date: date, Modified: modified == "true",
		Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fromBuildInfo(&i, bi)
	}
	if i.Version == "" {
		i.Version = "(devel)"
	}
	return i
}

// fromBuildInfo fills what the release script did not stamp from the toolchain's record.
func fromBuildInfo(i *Info, bi *debug.BuildInfo) {
	if bi.GoVersion != "" {
		i.Go = bi.GoVersion
	}
	if i.Commit != "" {
		return
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			i.Commit = s.Value
		case "vcs.time":
			i.Date = s.Value
		case "vcs.modified":
			i.Modified = s.Value == "true"
		}
	}
}

// Short is one line for the banner: "dvclogin v1.2.0 (abc1234, 2026-03-02)".
func (i Info) Short() string {
	var parts []string
	if i.Commit != "" {
		parts = append(parts, shortCommit(i))
	}
	if len(i.Date) >= 10 {
		parts = append(parts, i.Date[:10])
	}
	if len(parts) == 0 {
		return "dvclogin " + i.Version
	}
	return "dvclogin " + i.Version + " (" + strings.Join(parts, ", ") + ")"
}

// String is what `dvclogin version` prints, one line that programs parse:
// "dvclogin v1.2.0 (commit <full hash>, built 2026-03-02T08:00:00Z, go1.26.0)". The full
// commit lets a check find the exact revision; an unknown part reads "unknown".
func (i Info) String() string {
	unknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	return fmt.Sprintf("dvclogin %s (commit %s, built %s, %s)\n", i.Version, unknown(i.Commit), unknown(i.Date), unknown(i.Go))
}

// shortCommit is the first 7 characters of the commit, marked when the tree was modified.
func shortCommit(i Info) string {
	c := i.Commit
	if len(c) > 7 {
		c = c[:7]
	}
	if i.Modified {
		c += "+"
	}
	return c
}
