package idp_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// The login-link attack: the attacker starts a login in his own browser (he holds its state
// and PKCE verifier), sends the victim the IdP login page URL of that request, and polls the
// request's callback. Every variant must leave him without a code and the victim's browser
// without a silent completion.

const msgOtherBrowserPage = "Yêu cầu đăng nhập này được tạo trên trình duyệt khác"

// attackerLogin starts a login for client in a fresh attacker browser and returns it with the
// login page its authorization request reached.
func attackerLogin(t *testing.T, env *apptest.Env, clientID string) (*http.Client, client.LoginPage) {
	t.Helper()
	c := env.Client()
	start := env.AuthorizeURL(client.NewPKCE(), nil)
	if clientID == "dvc-portal" {
		start = env.URL + "/dang-nhap/vneid"
	}
	lp := env.OpenLoginAt(c, start) // fails unless the authorization reaches the login page
	if lp.AuthRequestID == "" {
		t.Fatalf("%s: login page without data-auth-request", clientID)
	}
	return c, lp
}

// mustShowOtherBrowser checks that a browser which did not create the request is told so, with
// a way to start its own login, and is not redirected anywhere.
func mustShowOtherBrowser(t *testing.T, what string, resp *http.Response, body, restart string) {
	t.Helper()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
		t.Fatalf("%s: %d Location=%q, want 403 and no redirect", what, resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(body, msgOtherBrowserPage) || !strings.Contains(body, `id="other-browser-restart" href="`+restart+`"`) {
		t.Fatalf("%s: page lacks the other-browser message or the restart link to %s:\n%s", what, restart, body)
	}
	if strings.Contains(body, `name="password"`) || strings.Contains(body, `name="otp"`) {
		t.Fatalf("%s: page still offers a login form", what)
	}
}

// mustGetNoCode polls the request's callback as the attacker and checks no code comes back.
func mustGetNoCode(t *testing.T, env *apptest.Env, attacker *http.Client, authRequestID string) {
	t.Helper()
	resp, body := env.Get(attacker, "/idp/authorize/callback?id="+url.QueryEscape(authRequestID))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(loc, "code=") || strings.Contains(body, "code=") {
		t.Fatalf("attacker's callback poll: %d Location=%q, want 400 without a code", resp.StatusCode, loc)
	}
}

// mustStillBeOpen checks the request was not completed: its creator still sees the login form.
func mustStillBeOpen(t *testing.T, env *apptest.Env, attacker *http.Client, lp client.LoginPage) {
	t.Helper()
	resp, body := env.Get(attacker, lp.URL)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Fatalf("the attacker's request was touched: its login page answers %d\n%s", resp.StatusCode, body)
	}
}

func restartFor(env *apptest.Env, clientID string) string {
	if clientID == "dvc-portal" {
		return env.URL + "/dang-nhap/vneid"
	}
	return "http://127.0.0.1:9/"
}

func TestLoginLinkAttackWithVictimSSO(t *testing.T) {
	for _, clientID := range []string{"dvc-portal", "demo-app"} {
		t.Run(clientID, func(t *testing.T) {
			env := apptest.New(t)
			victim := env.Client()
			newDemoRP(t, env, "profile").login(t, victim) // the victim has an IdP session

			attacker, lp := attackerLogin(t, env, clientID)
			resp, body := env.Get(victim, lp.URL)
			mustShowOtherBrowser(t, "victim opens the attacker's login link", resp, body, restartFor(env, clientID))
			mustGetNoCode(t, env, attacker, lp.AuthRequestID)
			mustStillBeOpen(t, env, attacker, lp)

			// The victim's own logins still use the SSO session.
			if l := newDemoRP(t, env, "profile").login(t, victim); l.code == "" {
				t.Fatal("the victim's own SSO login gave no code")
			}
			if clientID == "dvc-portal" {
				resp, _ := env.Get(attacker, "/tai-khoan")
				if resp.StatusCode == http.StatusOK {
					t.Fatal("the attacker reached /tai-khoan")
				}
			}
		})
	}
}

func TestLoginLinkAttackVictimTypesPasswordAndCode(t *testing.T) {
	for _, clientID := range []string{"dvc-portal", "demo-app"} {
		t.Run(clientID, func(t *testing.T) {
			env := apptest.New(t)
			phone := env.AppLogin(an, app.DemoPassword)
			attacker, lp := attackerLogin(t, env, clientID)

			victim := env.Client()
			resp, body := env.Get(victim, lp.URL)
			mustShowOtherBrowser(t, "victim opens the link", resp, body, restartFor(env, clientID))

			// The victim types password and code into a form aimed at the attacker's request
			// (its own page's form with the request id swapped, as a crafted page would post).
			own := env.OpenLogin(victim, client.NewPKCE(), nil)
			form := apptest.FormWith(t, own.URL, own.Body, "password")
			resp, body = env.Submit(victim, form, map[string]string{"authRequestID": lp.AuthRequestID,
				"id_number": an, "password": app.DemoPassword})
			mustShowOtherBrowser(t, "password posted to the attacker's request", resp, body, restartFor(env, clientID))
			if n := countCodes(t, env, phone); n != 0 {
				t.Fatalf("%d codes were sent for the attacker's request", n)
			}

			// The code step of the attacker's request is refused the same way.
			resp, body = env.Get(victim, "/idp/login/otp?authRequestID="+lp.AuthRequestID)
			mustShowOtherBrowser(t, "code step of the attacker's request", resp, body, restartFor(env, clientID))
			resp, body = env.PostForm(victim, "/idp/login/otp", url.Values{"csrf_token": {own.CSRF},
				"authRequestID": {lp.AuthRequestID}, "otp": {"123456"}})
			mustShowOtherBrowser(t, "code posted to the attacker's request", resp, body, restartFor(env, clientID))
			resp, body = env.PostForm(victim, "/idp/login/otp/resend", url.Values{"csrf_token": {own.CSRF},
				"authRequestID": {lp.AuthRequestID}})
			mustShowOtherBrowser(t, "resend for the attacker's request", resp, body, restartFor(env, clientID))

			mustGetNoCode(t, env, attacker, lp.AuthRequestID)
			mustStillBeOpen(t, env, attacker, lp)
		})
	}
}

// countCodes counts the login codes the citizen's phone received.
func countCodes(t *testing.T, env *apptest.Env, token string) int {
	t.Helper()
	var out struct {
		Messages []struct {
			Body string `json:"body"`
		} `json:"messages"`
	}
	if st := env.Phone().Call(http.MethodGet, "/messages", token, nil, &out); st != http.StatusOK {
		t.Fatalf("messages: %d", st)
	}
	n := 0
	for _, m := range out.Messages {
		if strings.Contains(strings.ToLower(m.Body), "ma xac nhan") || strings.Contains(m.Body, "Mã xác nhận") {
			n++
		}
	}
	return n
}

func TestLoginLinkAttackByQR(t *testing.T) {
	env := apptest.New(t)
	attacker, lp := attackerLogin(t, env, "demo-app")

	// The victim's browser opens the attacker's page and would show a QR for the attacker's
	// request: starting it is refused, so the victim's phone has nothing to confirm.
	victim := env.Client()
	own := env.OpenLogin(victim, client.NewPKCE(), nil)
	var out apptest.APIError
	status := jsonWithCSRF(t, env, victim, own.CSRF, "/idp/qr/start", map[string]string{"auth_request": lp.AuthRequestID}, &out)
	if status != http.StatusForbidden || out.Error.Code != "auth_request_other_browser" || !strings.Contains(out.Error.Message, msgOtherBrowserPage) {
		t.Fatalf("QR start on the attacker's request: %d %+v, want 403 auth_request_other_browser", status, out)
	}
	mustGetNoCode(t, env, attacker, lp.AuthRequestID)
	mustStillBeOpen(t, env, attacker, lp)
}

// jsonWithCSRF posts JSON as a browser page would (X-CSRF-Token) and decodes the answer.
func jsonWithCSRF(t *testing.T, env *apptest.Env, c *http.Client, csrf, path string, in, out any) int {
	t.Helper()
	b, _ := json.Marshal(in)
	req, err := http.NewRequest(http.MethodPost, env.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	resp, raw := env.Do(c, req)
	if err := json.Unmarshal([]byte(raw), out); err != nil {
		t.Fatalf("%s: decode %q: %v", path, raw, err)
	}
	return resp.StatusCode
}

func TestCallbackNeedsTheCompletingSession(t *testing.T) {
	env := apptest.New(t)
	phone := env.AppLogin(an, app.DemoPassword)
	browser := env.Client()
	lp := env.OpenLogin(browser, client.NewPKCE(), nil)
	resp, body := env.PasswordStep(browser, lp, an, app.DemoPassword)
	at, page := env.CodeStep(browser, resp, body)
	resp, _ = env.SubmitCode(browser, at, page, env.LatestCode(phone))
	callback := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(callback, "/idp/authorize/callback") {
		t.Fatalf("code step: %d to %q, want 303 to the callback", resp.StatusCode, callback)
	}

	// Another browser holding only the binding key (not the IdP session) gets no code.
	u, _ := url.Parse(env.URL + "/idp/")
	other := env.Client()
	other.Jar, _ = cookiejar.New(nil)
	for _, ck := range browser.Jar.Cookies(u) {
		if ck.Name == "dvc_idp_browser" {
			other.Jar.SetCookies(u, []*http.Cookie{ck})
		}
	}
	if len(other.Jar.Cookies(u)) != 1 {
		t.Fatal("the browser has no binding cookie dvc_idp_browser")
	}
	resp, _ = env.Get(other, callback)
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Fatalf("callback with the binding key but not the session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The browser that logged in gets its code.
	resp, _ = env.Get(browser, callback)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, client.DemoRedirect+"?code=") {
		t.Fatalf("the logging-in browser's callback: %d %q, want the code", resp.StatusCode, loc)
	}
}

func TestCookielessClientNeverGetsACode(t *testing.T) {
	env := apptest.New(t)
	bare := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := env.Get(bare, env.AuthorizeURL(client.NewPKCE(), nil))
	loc, err := resp.Location()
	if err != nil || !strings.Contains(loc.Path, "/idp/login") {
		t.Fatalf("authorize: %d %v, want a redirect to the login page", resp.StatusCode, err)
	}
	resp, body := env.Get(bare, loc.String())
	mustShowOtherBrowser(t, "cookie-less login page", resp, body, "http://127.0.0.1:9/")
	mustGetNoCode(t, env, bare, loc.Query().Get("authRequestID"))
}

func TestOpenAuthRequestsPerAddressAreCapped(t *testing.T) {
	// 300 authorization requests in a moment would otherwise meet the hashing admission, which
	// counts each as a password hash to come (TestOverloadFinishesAdmittedLogins): this test is
	// about the cap of open requests alone.
	env := apptest.New(t, func(c *app.Config) { c.HashWait = time.Hour })
	c := env.Client()
	for i := 0; i < 300; i++ {
		resp, _ := env.Get(c, env.AuthorizeURL(client.NewPKCE(), nil))
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("authorize %d: %d, want 302", i+1, resp.StatusCode)
		}
	}
	resp, body := env.Get(c, env.AuthorizeURL(client.NewPKCE(), nil))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "quá nhiều yêu cầu đăng nhập") {
		t.Fatalf("authorize 301: %d Retry-After=%q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Open requests expire and are purged: the address may start logins again.
	env.Clock.Advance(11 * time.Minute)
	if resp, _ := env.Get(c, env.AuthorizeURL(client.NewPKCE(), nil)); resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize after the requests expired: %d, want 302", resp.StatusCode)
	}
}
