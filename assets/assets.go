// Package assets holds the templates and static files, embedded so the binary runs from any
// folder with no files beside it.
package assets

import "embed"

// FS holds templates/ and static/. A directory pattern leaves out names that start with "_",
// so the partials (templates/ACTOR/_*.html) are named by their own pattern.
//
//go:embed templates templates/*/_*.html static
var FS embed.FS
