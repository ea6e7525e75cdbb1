// Package assets holds the templates and static files, embedded so the binary runs from any
// folder with no files beside it.
package assets

import "embed"

// FS holds templates/ and static/.
//
//go:embed templates static
var FS embed.FS
