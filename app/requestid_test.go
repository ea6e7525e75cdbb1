package app_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// lockedBuffer is a log sink the server's goroutines may write to at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A client's X-Request-Id is not taken as ours: the response carries an id we made, and the
// client's value is logged apart, cleaned of anything that could forge a log line.
func TestClientRequestIDIsNotTrusted(t *testing.T) {
	var logs lockedBuffer
	env := apptest.New(t, func(c *app.Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	ids := map[string]bool{}
	for _, sent := range []string{"chosen-by-client", "chosen-by-client"} {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/healthz", nil)
		req.Header.Set("X-Request-Id", sent+` status=200 ip=1.2.3.4 `+strings.Repeat("x", 100))
		resp, _ := env.Do(env.Client(), req)
		got := resp.Header.Get("X-Request-Id")
		if got == "" || strings.Contains(got, "chosen") || ids[got] {
			t.Fatalf("response X-Request-Id %q: want a fresh id of our own", got)
		}
		ids[got] = true
		if !strings.Contains(logs.String(), "request_id="+got) {
			t.Fatalf("our id %s is not in the log", got)
		}
	}
	log := logs.String()
	if !strings.Contains(log, "client_request_id=chosen-by-client_status_200_ip_1.2.3.4_xxx") {
		t.Fatalf("the client's id is not logged apart, cleaned:\n%s", log)
	}
	if strings.Contains(log, strings.Repeat("x", 65)) {
		t.Fatal("the client's id is logged untruncated")
	}
}
