package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// portalLogin logs the demo citizen in to the portal in browser c and opens the account page.
func portalLogin(t *testing.T, env *apptest.Env, c *http.Client) string {
	t.Helper()
	callback := loginToIdP(t, env, c, "/tai-khoan")
	env.Get(c, callback.String())
	resp, body := env.Get(c, "/tai-khoan")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/tai-khoan: %d", resp.StatusCode)
	}
	return body
}

// The account page lists the citizen's browser sessions at the identity provider, asked with
// the portal's access token; "Kết thúc phiên" (a CSRF-protected form) ends the browser's IdP
// session, so its next authorization asks for a login, while the portal session stays.
func TestAccountPageEndsAWebSession(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	body := portalLogin(t, env, c)
	if !strings.Contains(body, "Quản lý đăng nhập") || !strings.Contains(body, `id="web-sessions"`) {
		t.Fatalf("the account page lists no sessions:\n%s", body)
	}
	f := apptest.FormWith(t, env.URL+"/tai-khoan", body, "id")
	if !strings.HasSuffix(f.Action, "/tai-khoan/phien/ket-thuc") || f.Fields.Get("id") == "" {
		t.Fatalf("end form %+v", f)
	}

	// Without the CSRF token nothing ends.
	forged := url.Values{"id": {f.Fields.Get("id")}}
	if resp, _ := env.PostForm(c, f.Action, forged); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("end without the CSRF token: %d, want 403", resp.StatusCode)
	}

	resp, _ := env.Submit(c, f, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/tai-khoan?ended=one") {
		t.Fatalf("end: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = env.Get(c, resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã kết thúc phiên đăng nhập.") ||
		!strings.Contains(body, "Không có trình duyệt nào đang đăng nhập.") {
		t.Fatalf("after ending: %d\n%s", resp.StatusCode, body)
	}
	// The browser's IdP session is gone: a new authorization shows the login page (OpenLogin
	// fails the test unless it does), where before it would have logged in at once.
	env.OpenLogin(c, client.NewPKCE(), nil)

	// Ending the same id again: the provider no longer knows it.
	resp, _ = env.Submit(c, f, nil)
	if !strings.HasPrefix(resp.Header.Get("Location"), "/tai-khoan?ended=gone") {
		t.Fatalf("ending again: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// "Đăng xuất tất cả" on the account page ends every browser's IdP session.
func TestAccountPageEndsAll(t *testing.T) {
	env := apptest.New(t)
	other := env.Client()
	portalLogin(t, env, other)
	c := env.Client()
	body := portalLogin(t, env, c)
	if n := strings.Count(body, `action="/tai-khoan/phien/ket-thuc"`); n != 2 {
		t.Fatalf("%d sessions listed, want 2", n)
	}
	f, ok := client.ParseForms(env.URL+"/tai-khoan", body).To("/tai-khoan/phien/ket-thuc-tat-ca")
	if !ok || f.Fields.Get("csrf_token") == "" {
		t.Fatalf("no end-all form with a CSRF token:\n%s", body)
	}
	resp, _ := env.Submit(c, f, nil)
	if !strings.HasPrefix(resp.Header.Get("Location"), "/tai-khoan?ended=all") {
		t.Fatalf("end-all: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = env.Get(c, "/tai-khoan")
	if strings.Contains(body, `action="/tai-khoan/phien/ket-thuc"`) {
		t.Fatal("sessions still listed after end-all")
	}
	env.OpenLogin(other, client.NewPKCE(), nil) // the other browser must log in again
	env.OpenLogin(c, client.NewPKCE(), nil)
}

// Once the portal's access token has expired the page says so instead of a list.
func TestAccountPageSessionsNeedAFreshToken(t *testing.T) {
	env := apptest.New(t, func(cfg *app.Config) { cfg.Limits.AccessTokenTTL = time.Minute })
	c := env.Client()
	portalLogin(t, env, c)
	env.Clock.Advance(2 * time.Minute)
	_, body := env.Get(c, "/tai-khoan")
	if !strings.Contains(body, "Quyền xem phiên đăng nhập đã hết hạn") || strings.Contains(body, `action="/tai-khoan/phien/ket-thuc"`) {
		t.Fatalf("expired token:\n%s", body)
	}
}
