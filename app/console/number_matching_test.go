package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// setNumberMatching submits the settings page's "Đối chiếu số" form and returns the settings
// page that follows it.
func setNumberMatching(t *testing.T, env *apptest.Env, c *http.Client) string {
	t.Helper()
	resp, body := env.Get(c, "/console/settings")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /console/settings: %d", resp.StatusCode)
	}
	f, ok := client.ParseForms(env.URL+"/console/settings", body).To("/console/settings/number-matching")
	if !ok {
		t.Fatal("the settings page has no number matching form")
	}
	resp, _ = env.Submit(c, f, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/settings" {
		t.Fatalf("number matching: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = env.Get(c, "/console/settings")
	return body
}

func numberMatchingOn(t *testing.T, env *apptest.Env) bool {
	t.Helper()
	on, err := env.App.Store().QRNumberMatching(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return on
}

// "Đối chiếu số" is off by default; the operator turns it on and off on the settings page, each
// change is audited, and it survives a restart.
func TestNumberMatchingSetting(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	if _, body := env.Get(c, "/console/settings"); !strings.Contains(body, "Đang tắt") || numberMatchingOn(t, env) {
		t.Fatal("number matching is not off by default")
	}
	body := setNumberMatching(t, env, c)
	if !numberMatchingOn(t, env) || !strings.Contains(body, "Đã bật đối chiếu số khi đăng nhập bằng mã QR.") ||
		!strings.Contains(body, "Đang bật") || !strings.Contains(body, "Tắt đối chiếu số") {
		t.Fatalf("after turning it on: on=%v, page:\n%s", numberMatchingOn(t, env), body)
	}
	env.Restart()
	c = operator(t, env)
	if !numberMatchingOn(t, env) {
		t.Fatal("number matching did not survive a restart")
	}
	if body := setNumberMatching(t, env, c); numberMatchingOn(t, env) || !strings.Contains(body, "Đang tắt") {
		t.Fatal("number matching not turned off")
	}
	events, err := env.App.Store().ListAudit(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range events {
		if strings.HasPrefix(e.Action, "qr_number_matching_") {
			if e.Actor != "console" {
				t.Errorf("%s audited by %q", e.Action, e.Actor)
			}
			seen = append(seen, e.Action)
		}
	}
	if strings.Join(seen, " ") != "qr_number_matching_disabled qr_number_matching_enabled" {
		t.Fatalf("audited %v, want the change off after the change on", seen)
	}
	_, body = env.Get(c, "/console/audit")
	if !strings.Contains(body, "Bật đối chiếu số khi đăng nhập bằng mã QR") {
		t.Fatal("the log page does not word the change")
	}
}

// The form needs the console's CSRF token and a logged-in operator.
func TestNumberMatchingNeedsOperatorAndCSRF(t *testing.T) {
	env := apptest.New(t)
	path := "/console/settings/number-matching"
	if resp, _ := env.PostForm(env.Client(), path, url.Values{"enabled": {"1"}}); resp.StatusCode < 300 || resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/console/settings" {
		t.Fatalf("without a login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := env.PostForm(operator(t, env), path, url.Values{"enabled": {"1"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("without a CSRF token: %d, want 403", resp.StatusCode)
	}
	if numberMatchingOn(t, env) {
		t.Fatal("a refused request turned number matching on")
	}
}
