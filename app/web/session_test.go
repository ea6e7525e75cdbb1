package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/store"
)

type testData struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// sessionRig is one actor's typed sessions on a real store, with a clock the test moves and a
// browser that keeps the cookies it is given.
type sessionRig struct {
	t      *testing.T
	now    time.Time
	st     *store.Store
	ss     *SessionStore[testData]
	echo   *echo.Echo
	cookie *http.Cookie
}

func newSessionRig(t *testing.T) *sessionRig {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &sessionRig{t: t, now: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), st: st, echo: echo.New()}
	m := &Sessions{Store: st, Now: func() time.Time { return r.now }}
	r.ss = NewSessionStore[testData](m, SessionKind{Kind: "portal", Cookie: "dvc_t", Path: "/",
		Idle: 30 * time.Minute, Absolute: 12 * time.Hour})
	return r
}

// do runs f as one request of the browser and keeps the cookie it sets.
func (r *sessionRig) do(f func(c echo.Context)) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if r.cookie != nil {
		req.AddCookie(r.cookie)
	}
	rec := httptest.NewRecorder()
	f(r.echo.NewContext(req, rec))
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "dvc_t" {
			r.cookie = ck
			if ck.MaxAge < 0 {
				r.cookie = nil
			}
		}
	}
}

func (r *sessionRig) load() *Session[testData] {
	var s *Session[testData]
	r.do(func(c echo.Context) {
		var err error
		if s, err = r.ss.Load(c); err != nil {
			r.t.Fatal(err)
		}
	})
	return s
}

func TestSessionStoreRoundTrip(t *testing.T) {
	r := newSessionRig(t)
	if s := r.load(); s != nil {
		t.Fatalf("a browser without a cookie has a session: %+v", s)
	}
	r.do(func(c echo.Context) {
		s, err := r.ss.LoadOrNew(c)
		if err != nil || s.IDHash != "" {
			t.Fatalf("LoadOrNew without a cookie = %+v, %v; want a fresh unsaved session", s, err)
		}
		s.Data = testData{Name: "Nguyễn Văn A", Count: 1}
		if err := r.ss.Save(c, s); err != nil {
			t.Fatal(err)
		}
	})
	s := r.load()
	if s == nil || s.Data != (testData{Name: "Nguyễn Văn A", Count: 1}) {
		t.Fatalf("loaded %+v, want the saved data", s)
	}
	r.do(func(c echo.Context) {
		s, _ := r.ss.Load(c)
		s.Data.Count++
		if err := r.ss.Save(c, s); err != nil {
			t.Fatal(err)
		}
	})
	if s := r.load(); s == nil || s.Data.Count != 2 {
		t.Fatalf("after an update: %+v, want count 2", s)
	}
}

func TestSessionStoreRegenerateKillsTheOldID(t *testing.T) {
	r := newSessionRig(t)
	r.do(func(c echo.Context) {
		s := r.ss.New()
		s.Data.Name = "before"
		if err := r.ss.Save(c, s); err != nil {
			t.Fatal(err)
		}
	})
	planted := r.cookie
	r.do(func(c echo.Context) {
		s, _ := r.ss.Load(c)
		s.Subject, s.Data.Name = "citizen-1", "after"
		if err := r.ss.Regenerate(c, s); err != nil {
			t.Fatal(err)
		}
	})
	if r.cookie == nil || r.cookie.Value == planted.Value {
		t.Fatal("Regenerate kept the session id")
	}
	if s := r.load(); s == nil || s.Subject != "citizen-1" || s.Data.Name != "after" {
		t.Fatalf("new id loads %+v", s)
	}
	r.cookie = planted
	if s := r.load(); s != nil {
		t.Fatalf("the id from before Regenerate still loads %+v", s)
	}
}

func TestSessionStoreIdleTouchAndDestroy(t *testing.T) {
	r := newSessionRig(t)
	r.do(func(c echo.Context) {
		if err := r.ss.Save(c, r.ss.New()); err != nil {
			t.Fatal(err)
		}
	})
	seen := r.load().SeenAt
	r.now = r.now.Add(20 * time.Second)
	r.do(func(c echo.Context) {
		s, _ := r.ss.Load(c)
		if err := r.ss.Touch(c, s, time.Minute); err != nil {
			t.Fatal(err)
		}
	})
	if got := r.load().SeenAt; !got.Equal(seen) {
		t.Fatalf("Touch within a minute wrote the session (seen %v, was %v)", got, seen)
	}
	r.now = r.now.Add(25 * time.Minute) // 25m20s idle: still alive
	r.do(func(c echo.Context) {
		s, _ := r.ss.Load(c)
		if err := r.ss.Touch(c, s, time.Minute); err != nil {
			t.Fatal(err)
		}
	})
	r.now = r.now.Add(25 * time.Minute) // 25 min after the touch: alive only because of it
	if s := r.load(); s == nil {
		t.Fatal("a touched session ended before its idle time")
	}
	r.now = r.now.Add(31 * time.Minute)
	if s := r.load(); s != nil {
		t.Fatal("a session idle for more than its idle time still loads")
	}

	r.do(func(c echo.Context) {
		if err := r.ss.Save(c, r.ss.New()); err != nil {
			t.Fatal(err)
		}
	})
	kept := r.cookie
	r.do(func(c echo.Context) {
		if err := r.ss.Destroy(c); err != nil {
			t.Fatal(err)
		}
	})
	if r.cookie != nil {
		t.Fatal("Destroy left the cookie")
	}
	r.cookie = kept
	if s := r.load(); s != nil {
		t.Fatal("a destroyed session still loads with its old cookie")
	}
}

func TestSessionStoreUnreadableDataIsNoSession(t *testing.T) {
	r := newSessionRig(t)
	r.do(func(c echo.Context) {
		if err := r.ss.Save(c, r.ss.New()); err != nil {
			t.Fatal(err)
		}
	})
	s := r.load()
	s.Session.Data = `{"count":"not a number"}`
	if err := r.st.UpdateSession(context.Background(), s.Session); err != nil {
		t.Fatal(err)
	}
	if s := r.load(); s != nil {
		t.Fatalf("undecodable data loaded as %+v", s)
	}
}
