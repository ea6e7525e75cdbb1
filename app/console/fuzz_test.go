package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"dvclogin/app/apptest"
	"dvclogin/store"
)

// The console login under fuzzing: the selector's bit 0 drops the CSRF token, bit 1 uses up
// the per-IP limit first.
const (
	fuzzNoCSRF    = 1 << 0
	fuzzIPLimited = 1 << 1
)

// FuzzConsoleLogin posts any password to the console's login form, after the browser first
// asked for any console path (which the console remembers and opens after the login). raw is
// appended to the encoded body as it is (repeated or undecodable parameters); grow makes the
// password up to 200 KB. Every answer passes apptest.CheckHTMLAnswer, and a successful login
// goes on to a console page, never elsewhere.
func FuzzConsoleLogin(f *testing.F) {
	env := apptest.New(f, apptest.Quiet)
	f.Fuzz(func(t *testing.T, mode uint8, next, password, raw string, grow uint32) {
		e := *env
		e.T = t
		e.Clock.Advance(11 * time.Minute) // a fresh per-IP window for each input
		if n := min(grow, 200_000); n > 0 && password != "" {
			password = strings.Repeat(password, int(n)/len(password)+1)[:n]
		}
		c := e.Client()
		if req, err := http.NewRequest(http.MethodGet, e.URL+"/console/"+next, nil); err == nil {
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("GET /console/%s: %d", next, resp.StatusCode)
			}
		}
		fields := loginForm(t, &e, c).Fields
		fields.Set("password", password)
		if mode&fuzzNoCSRF != 0 {
			fields.Del("csrf_token")
		}
		if mode&fuzzIPLimited != 0 {
			for i := 0; i < 10; i++ {
				if err := e.App.Store().RecordAttempt(context.Background(), store.Attempt{At: e.Clock.Now(),
					IP: "127.0.0.1", Kind: "console", Reason: "wrong_password"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		resp, body := e.PostEncoded(c, "/console/login", fields.Encode()+raw)
		apptest.CheckHTMLAnswer(t, resp, body)
		if loc := resp.Header.Get("Location"); resp.StatusCode == http.StatusSeeOther &&
			(!strings.HasPrefix(loc, "/console/") || strings.Contains(loc, "//")) {
			t.Fatalf("console login redirects to %q", loc)
		}
	})
}
