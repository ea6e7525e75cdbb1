package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Page is embedded in every page's data struct.
type Page struct {
	Title   string
	CSRF    string   // token for forms (input "csrf_token") and JSON POSTs (header X-CSRF-Token)
	Lang    string   // html lang attribute
	Scripts []string // extra scripts under /static/js/, loaded with defer
}

// NewPage fills the common page fields for this request.
func NewPage(c echo.Context, title string) Page {
	return Page{Title: title, CSRF: CSRFToken(c), Lang: "vi"}
}

// Renderer holds every template, parsed once at startup, and the static files they link to.
type Renderer struct {
	pages  map[string]*template.Template
	static *Static
}

// NewRenderer parses templates/layout.html, each actor's partials (templates/ACTOR/_*.html)
// and every page (templates/ACTOR/NAME.html, named "ACTOR/NAME"; templates/NAME.html is "NAME").
// A missing or broken template fails startup, not a request.
func NewRenderer(assets fs.FS) (*Renderer, error) {
	static, err := NewStatic(assets)
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"static":       static.URL,
		"maskPhone":    MaskPhone,
		"maskIDNumber": MaskIDNumber,
		"maskName":     MaskName,
		"dateVN":       DateVN,
		"timeVN":       TimeVN,
		"join":         strings.Join,
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	r := &Renderer{pages: map[string]*template.Template{}, static: static}
	err = fs.WalkDir(assets, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") || p == "templates/layout.html" ||
			strings.HasPrefix(path.Base(p), "_") {
			return err
		}
		t, err := layout.Clone()
		if err != nil {
			return err
		}
		dir := path.Dir(p)
		if dir != "templates" {
			partials, _ := fs.Glob(assets, dir+"/_*.html")
			if len(partials) > 0 {
				if t, err = t.ParseFS(assets, partials...); err != nil {
					return fmt.Errorf("templates %s: %w", dir, err)
				}
			}
		}
		if t, err = t.ParseFS(assets, p); err != nil {
			return fmt.Errorf("templates %s: %w", p, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		r.pages[name] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := r.pages["error"]; !ok {
		return nil, fmt.Errorf("templates: error.html is missing")
	}
	return r, nil
}

// Static serves the files the pages link to (GET /static/*).
func (r *Renderer) Static() echo.HandlerFunc { return r.static.Handler() }

// Has reports whether a page template exists.
func (r *Renderer) Has(name string) bool {
	_, ok := r.pages[name]
	return ok
}

// Page renders a page into a buffer first, so a template error never sends half a page.
func (r *Renderer) Page(c echo.Context, status int, name string, data any) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

var vnZone = time.FixedZone("ICT", 7*3600)

// DateVN formats a date the Vietnamese way (dd/mm/yyyy). It accepts a time or "YYYY-MM-DD".
func DateVN(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.In(vnZone).Format("02/01/2006")
	case string:
		if d, err := time.Parse("2006-01-02", t); err == nil {
			return d.Format("02/01/2006")
		}
		return t
	}
	return ""
}

// TimeVN formats a moment in Vietnam time (UTC+7) as "15:04:05 02/01/2006".
func TimeVN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(vnZone).Format("15:04:05 02/01/2006")
}
