package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
)

// Page is embedded in every page's data struct.
type Page struct {
	Title   string     // a catalog key: the layout shows it in the page's language
	CSRF    string     // token for forms (input "csrf_token") and JSON POSTs (header X-CSRF-Token)
	Lang    string     // html lang attribute; the renderer fills it
	Scripts []string   // extra scripts under /static/js/, loaded with defer
	Here    string     // the page's own GET address, for a page answering a POST (the language switch returns there)
	Switch  LangSwitch // the renderer fills it
}

func (p *Page) base() *Page { return p }

// NewPage fills the common page fields for this request.
func NewPage(c echo.Context, title string) Page {
	return Page{Title: title, CSRF: CSRFToken(c)}
}

// Renderer holds every template, parsed once at startup, and the static files they link to.
type Renderer struct {
	pages  map[i18n.Lang]map[string]*template.Template
	static *Static
}

// scriptKey finds dvcT("…") in the scripts: the keys they look up in the page's dictionary.
var scriptKey = regexp.MustCompile(`dvcT\(\s*("(?:[^"\\]|\\.)*")`)

// ScriptKeys lists the catalog keys the site's scripts use (static/js, vendored files aside).
func ScriptKeys(assets fs.FS) ([]string, error) {
	seen := map[string]bool{}
	files, err := fs.Glob(assets, "static/js/*.js")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := fs.ReadFile(assets, f)
		if err != nil {
			return nil, err
		}
		for _, m := range scriptKey.FindAllSubmatch(b, -1) {
			k, err := strconv.Unquote(string(m[1]))
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", f, m[1], err)
			}
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// scriptDictionary is what a page in l gives its scripts: the English text of every key they
// use; Vietnamese needs none, the keys are the text.
func scriptDictionary(l i18n.Lang, keys []string) (template.JS, error) {
	if l == i18n.Vi {
		return "", nil
	}
	dict := make(map[string]string, len(keys))
	for _, k := range keys {
		dict[k] = l.T(k)
	}
	b, err := json.Marshal(dict) // escapes <, > and &: safe inside a script element
	return template.JS(b), err
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
		"t":            i18n.Vi.Any,
		"tf":           i18n.Vi.F,
		"scriptDict":   func() template.JS { return "" },
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	keys, err := ScriptKeys(assets)
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
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
		pages[name] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := pages["error"]; !ok {
		return nil, fmt.Errorf("templates: error.html is missing")
	}
	// Each language has its own copy of every page, parsed once, whose t and tf speak it.
	r := &Renderer{pages: map[i18n.Lang]map[string]*template.Template{i18n.Vi: pages}, static: static}
	for _, l := range []i18n.Lang{i18n.En} {
		dict, err := scriptDictionary(l, keys)
		if err != nil {
			return nil, err
		}
		own := template.FuncMap{"t": l.Any, "tf": l.F, "scriptDict": func() template.JS { return dict }}
		r.pages[l] = make(map[string]*template.Template, len(pages))
		for name, t := range pages {
			c, err := t.Clone()
			if err != nil {
				return nil, err
			}
			r.pages[l][name] = c.Funcs(own)
		}
	}
	return r, nil
}

// Static serves the files the pages link to (GET /static/*).
func (r *Renderer) Static() echo.HandlerFunc { return r.static.Handler() }

// Has reports whether a page template exists.
func (r *Renderer) Has(name string) bool {
	_, ok := r.pages[i18n.Vi][name]
	return ok
}

// Page renders a page into a buffer first, so a template error never sends half a page.
func (r *Renderer) Page(c echo.Context, status int, name string, data any) error {
	l := Lang(c)
	t, ok := r.pages[l][name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	if p, ok := data.(interface{ base() *Page }); ok {
		page := p.base()
		page.Lang = string(l)
		page.Switch = langSwitch(c, page.Here)
	}
	// The language comes from a cookie, and the switch's words from Accept-Language.
	c.Response().Header().Add("Vary", "Cookie, Accept-Language")
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
