package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// redirects is a server whose paths redirect as their names say.
func redirects(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a":
			http.Redirect(w, r, "/b?x=1", http.StatusFound)
		case "/b":
			http.Redirect(w, r, "c", http.StatusSeeOther) // relative to /b
		case "/c":
			w.Write([]byte("page c " + r.Header.Get("User-Agent")))
		case "/out":
			http.Redirect(w, r, "http://127.0.0.1:9/callback?code=abc", http.StatusFound)
		case "/to-stop":
			http.Redirect(w, r, "/stop?code=def", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/nowhere":
			w.WriteHeader(http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFollow(t *testing.T) {
	srv := redirects(t)
	b := NewBrowser(srv.URL+"/", NewHTTP(nil))
	b.Header.Set("User-Agent", "dvclogin-test")
	ctx := context.Background()
	follow := func(path string, stop func(string) bool) (*Page, error) {
		t.Helper()
		p, err := b.Get(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if stop == nil {
			return b.Follow(ctx, p)
		}
		return b.FollowUntil(ctx, p, func(u *url.URL) bool { return stop(u.Path) })
	}
	t.Run("OnTheServer", func(t *testing.T) {
		p, err := follow("/a", nil)
		if err != nil || p.Resp.StatusCode != http.StatusOK || p.Body != "page c dvclogin-test" || p.URL.String() != srv.URL+"/c" {
			t.Fatalf("ended with %+v, %v", p, err)
		}
	})
	t.Run("StopsWhereItLeavesTheServer", func(t *testing.T) {
		p, err := follow("/out", nil)
		if err != nil || p.Resp.StatusCode != http.StatusFound || p.URL.String() != "http://127.0.0.1:9/callback?code=abc" {
			t.Fatalf("ended with %+v, %v", p, err)
		}
	})
	t.Run("StopsWhereTold", func(t *testing.T) {
		p, err := follow("/to-stop", func(path string) bool { return path == "/stop" })
		if err != nil || p.Resp.StatusCode != http.StatusFound || p.URL.Query().Get("code") != "def" {
			t.Fatalf("ended with %+v, %v", p, err)
		}
	})
	t.Run("ErrLoop", func(t *testing.T) {
		if _, err := follow("/loop", nil); err == nil || !strings.Contains(err.Error(), "more than 20 redirects") {
			t.Fatalf("a redirect loop: %v", err)
		}
	})
	t.Run("ErrNoLocation", func(t *testing.T) {
		if _, err := follow("/nowhere", nil); err == nil || !strings.Contains(err.Error(), "without Location") {
			t.Fatalf("a redirect without Location: %v", err)
		}
	})
}
