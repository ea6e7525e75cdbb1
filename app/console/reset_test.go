package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// TestResetFromTheConsole: the dashboard's button leads to a page that lists what will be
// lost; its form (CSRF token, operator session) puts the demo data back. The operator who
// asked stays logged in; everybody else, other operators included, is logged out.
func TestResetFromTheConsole(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	st := env.App.Store()
	appToken := env.AppLogin(an.IDNumber, app.DemoPassword)
	if err := st.SetWebLogin(ctx, binh.ID, true); err != nil {
		t.Fatal(err)
	}
	c, other := operator(t, env), operator(t, env)

	_, dash := env.Get(c, "/console/")
	if !strings.Contains(dash, `href="/console/reset"`) {
		t.Fatal("the dashboard has no way to the reset")
	}
	resp, page := env.Get(c, "/console/reset")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Bạn có chắc") || !strings.Contains(page, "phiên đăng nhập") {
		t.Fatalf("confirmation page: %d\n%s", resp.StatusCode, page)
	}
	f, ok := client.ParseForms(env.URL+"/console/reset", page).To("/console/reset")
	if !ok {
		t.Fatal("the confirmation page has no form posting to /console/reset")
	}

	if resp, _ := env.PostForm(c, "/console/reset", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("reset without a CSRF token: %d, want 403", resp.StatusCode)
	}
	// A browser with a valid CSRF token of its own (from the login page) but no operator.
	anon := env.Client()
	token := loginForm(t, env, anon).Values(nil).Get("csrf_token")
	if resp, _ := env.PostForm(anon, "/console/reset", url.Values{"csrf_token": {token}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reset without an operator session: %d, want 401", resp.StatusCode)
	}
	if cit, _ := st.CitizenByID(ctx, binh.ID); !cit.WebLogin {
		t.Fatal("a refused reset changed the data")
	}

	resp, _ = env.Submit(c, f, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("reset: %d to %q, want 303 to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, dash = env.Get(c, "/console/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(dash, "Đã khôi phục dữ liệu demo") {
		t.Fatalf("after the reset the operator sees %d:\n%s", resp.StatusCode, dash)
	}
	if resp, _ := env.Get(other, "/console/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another operator's session after the reset: %d, want a redirect to login", resp.StatusCode)
	}
	if code := env.Phone().Call(http.MethodGet, "/me", appToken, nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("an app session of the old data: %d, want 401", code)
	}
	if cit, err := st.CitizenByID(ctx, binh.ID); err != nil || cit.WebLogin {
		t.Fatalf("Trần Thị Bình after the reset: %+v %v, want the seed (web login off)", cit, err)
	}
	events, err := st.ListAudit(ctx, 10)
	if err != nil || len(events) != 1 || events[0].Action != "demo_reset" || events[0].Actor != "console" {
		t.Fatalf("audit after the reset: %+v %v, want only the reset", events, err)
	}
}
