package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/labstack/echo/v4"
)

func staticServer(t *testing.T) (*Static, *echo.Echo) {
	t.Helper()
	css := strings.Repeat("body{margin:0;color:#222}\n", 200)
	s, err := NewStatic(fstest.MapFS{
		"static/css/a.css":   {Data: []byte(css)},
		"static/img/x.png":   {Data: []byte("\x89PNG not really")},
		"static/js/tiny.js":  {Data: []byte("1")},
		"templates/skip.txt": {Data: []byte("not static")},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.GET("/static/*", s.Handler())
	return s, e
}

func fetch(e *echo.Echo, target string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestStaticVersionedURLIsImmutable(t *testing.T) {
	s, e := staticServer(t)
	u, err := s.URL("css/a.css")
	if err != nil {
		t.Fatal(err)
	}
	if rec := fetch(e, u, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("%s: %d Cache-Control %q, want 200 immutable", u, rec.Code, rec.Header().Get("Cache-Control"))
	}
	for _, target := range []string{"/static/css/a.css", "/static/css/a.css?v=0000000000000000"} {
		rec := fetch(e, target, nil)
		if cc := rec.Header().Get("Cache-Control"); rec.Code != http.StatusOK || strings.Contains(cc, "immutable") {
			t.Fatalf("%s: %d Cache-Control %q: only the current version may be kept for a year", target, rec.Code, cc)
		}
	}
	if _, err := s.URL("css/missing.css"); err == nil {
		t.Fatal("URL of a file that is not embedded gave no error")
	}
}

func TestStaticETagRevalidates(t *testing.T) {
	_, e := staticServer(t)
	first := fetch(e, "/static/css/a.css", nil)
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if rec := fetch(e, "/static/css/a.css", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("revalidation with the current ETag: %d, %d bytes; want 304 and no body", rec.Code, rec.Body.Len())
	}
	if rec := fetch(e, "/static/css/a.css", map[string]string{"If-None-Match": `"stale"`}); rec.Code != http.StatusOK {
		t.Fatalf("revalidation with a stale ETag: %d, want 200", rec.Code)
	}
}

func TestStaticGzip(t *testing.T) {
	_, e := staticServer(t)
	plain := fetch(e, "/static/css/a.css", nil)
	if plain.Header().Get("Content-Encoding") != "" || !strings.Contains(plain.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("without Accept-Encoding: Content-Encoding %q Vary %q; want none and Vary: Accept-Encoding",
			plain.Header().Get("Content-Encoding"), plain.Header().Get("Vary"))
	}
	gz := fetch(e, "/static/css/a.css", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Body.Len() >= plain.Body.Len() {
		t.Fatalf("with gzip accepted: Content-Encoding %q, %d bytes (plain %d)", gz.Header().Get("Content-Encoding"), gz.Body.Len(), plain.Body.Len())
	}
	r, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(r); !bytes.Equal(got, plain.Body.Bytes()) {
		t.Fatal("the gzip body does not inflate to the file")
	}
	if rec := fetch(e, "/static/css/a.css", map[string]string{"Accept-Encoding": "gzip;q=0"}); rec.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip sent to a client that refused it (q=0)")
	}
	for _, target := range []string{"/static/img/x.png", "/static/js/tiny.js"} {
		if rec := fetch(e, target, map[string]string{"Accept-Encoding": "gzip"}); rec.Header().Get("Content-Encoding") != "" {
			t.Fatalf("%s compressed: images are compressed already and a tiny file only grows", target)
		}
	}
}

func TestStaticMissingIsNotFound(t *testing.T) {
	_, e := staticServer(t)
	for _, target := range []string{"/static/css/nope.css", "/static/css/", "/static/", "/static/../templates/skip.txt", "/static/templates/skip.txt"} {
		if rec := fetch(e, target, nil); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", target, rec.Code)
		}
	}
}
