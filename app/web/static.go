package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// staticFile is one embedded file, read once at startup with what serving it needs.
type staticFile struct {
	body  []byte
	ctype string
	hash  string // first 16 hex digits of its SHA-256: the ETag and the cache-busting version

	// The gzip form of a text file, made at its first request rather than at start-up (best
	// compression of every file costs about 100 ms); nil when it would not be smaller.
	compress bool
	gzOnce   sync.Once
	gz       []byte
}

// gzipped returns the compressed form, or nil when the file is sent as it is.
func (f *staticFile) gzipped() []byte {
	if !f.compress {
		return nil
	}
	f.gzOnce.Do(func() { f.gz = compressed(f.body) })
	return f.gz
}

// Static serves the embedded files under /static/. Every file has a strong ETag (a browser
// revalidates with one 304); a URL carrying the file's version (?v=HASH, made by URL) may be
// cached for a year, since a new build changes the URL. Text files are sent gzip-compressed
// to clients that accept it: they hold no secrets, so compression leaks nothing.
type Static struct {
	files map[string]*staticFile
}

// compressible are the types worth compressing (images such as PNG are compressed already).
var compressible = map[string]bool{".css": true, ".js": true, ".svg": true, ".txt": true, ".json": true, ".html": true}

// NewStatic reads every file under static/ in assets.
func NewStatic(assets fs.FS) (*Static, error) {
	s := &Static{files: map[string]*staticFile{}}
	err := fs.WalkDir(assets, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(assets, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		f := &staticFile{body: body, hash: hex.EncodeToString(sum[:8]), ctype: mime.TypeByExtension(path.Ext(p))}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		f.compress = compressible[path.Ext(p)]
		s.files[strings.TrimPrefix(p, "static/")] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	return s, nil
}

// compressed is body gzipped, or nil when that is no smaller. Writing to memory cannot fail.
func compressed(body []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(body)
	w.Close()
	if buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}

// URL returns the versioned address of the static file name ("css/base.css"). A name that is
// not embedded fails the template that asks for it, at startup's first render in tests.
func (s *Static) URL(name string) (string, error) {
	f, ok := s.files[name]
	if !ok {
		return "", fmt.Errorf("static file %q is not embedded", name)
	}
	return "/static/" + name + "?v=" + f.hash, nil
}

// Handler serves GET /static/*. A missing file is the ordinary (Vietnamese) 404 page.
func (s *Static) Handler() echo.HandlerFunc {
	return func(c echo.Context) error {
		f, ok := s.files[c.Param("*")]
		if !ok {
			return echo.ErrNotFound
		}
		h := c.Response().Header()
		etag := `"` + f.hash + `"`
		h.Set("ETag", etag)
		if c.QueryParam("v") == f.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, max-age=300")
		}
		body := f.body
		if gz := f.gzipped(); gz != nil {
			h.Add("Vary", "Accept-Encoding")
			if acceptsGzip(c.Request()) {
				h.Set("Content-Encoding", "gzip")
				body = gz
			}
		}
		if match := c.Request().Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, f.ctype, body)
	}
}

// acceptsGzip reads Accept-Encoding well enough for browsers: gzip listed and not refused
// with q=0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// etagMatches reports whether an If-None-Match list names etag (or is "*").
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
