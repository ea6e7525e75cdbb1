package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// portalLogin walks seed flow 2 from the portal's home page to /tai-khoan: "Đăng nhập" ->
// the account-type chooser -> the IdP -> số định danh + mật khẩu -> the OTP read from the
// phone's SMS -> back on the portal. It returns the account page.
func portalLogin(t *testing.T, env *apptest.Env, c *http.Client, idNumber string) string {
	t.Helper()
	_, home := env.Get(c, "/")
	if !strings.Contains(home, `href="/dang-nhap"`) {
		t.Fatal("home page has no Đăng nhập link to /dang-nhap")
	}
	_, chooser := env.Get(c, "/dang-nhap")
	if !strings.Contains(chooser, "Tài khoản Định danh điện tử cấp bởi Bộ Công an dành cho Công dân") {
		t.Fatal("chooser lacks the citizen account option")
	}
	lp := env.OpenLoginAt(c, "/dang-nhap/vneid") // fails unless the chooser leads to the IdP login page
	if lp.AuthRequestID == "" || lp.CSRF == "" {
		t.Fatal("login page lacks data-auth-request or the csrf-token meta")
	}
	token := env.AppLogin(idNumber, app.DemoPassword)
	resp, body := env.PasswordStep(c, lp, idNumber, app.DemoPassword)
	codeAt, codePage := env.CodeStep(c, resp, body)
	resp, body = env.SubmitCode(c, codeAt, codePage, env.LatestCode(token))
	resp, body, at := env.Follow(c, resp, body)
	if resp.StatusCode != http.StatusOK || at != env.URL+"/tai-khoan" {
		t.Fatalf("login ended at %s with %d, want /tai-khoan\n%s", at, resp.StatusCode, body)
	}
	return body
}

func TestDirectLoginEndToEnd(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	account := portalLogin(t, env, c, "001085012345")
	for _, want := range []string{"Nguyễn Văn An", "001085012345", "Thông tin định danh", "Đăng xuất"} {
		if !strings.Contains(account, want) {
			t.Errorf("account page lacks %q", want)
		}
	}

	// Đăng xuất: the portal session ends and so does the IdP session.
	logout, ok := client.ParseForms(env.URL+"/tai-khoan", account).To("/dang-xuat")
	if !ok {
		t.Fatal("the account page has no logout form")
	}
	resp, body := env.Submit(c, logout, nil)
	// The logout page posts the ID token to the IdP (a script does it in a browser).
	resp, body = env.Submit(c, apptest.FormWith(t, env.URL+"/dang-xuat", body, "id_token_hint"), nil)
	resp, _, at := env.Follow(c, resp, body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(at, env.URL+"/") {
		t.Fatalf("logout ended at %s with %d", at, resp.StatusCode)
	}
	resp, _ = env.Get(c, "/tai-khoan")
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("/tai-khoan after logout: %d, want a redirect to the login", resp.StatusCode)
	}
	// The IdP session is gone too: a new login shows the login page instead of SSO.
	resp, body = env.Get(c, "/dang-nhap/vneid")
	resp, _, at = env.Follow(c, resp, body)
	if !strings.Contains(at, "/idp/login") || resp.StatusCode != http.StatusOK {
		t.Fatalf("after logout a new login went to %s (%d): the IdP session survived", at, resp.StatusCode)
	}
}

func TestSingleSignOnWithinTheIdPSession(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	portalLogin(t, env, c, "001085012345")
	// A second client in the same browser gets in without typing anything.
	resp, body := env.Get(c, env.AuthorizeURL(client.NewPKCE(), nil))
	_, _, at := env.Follow(c, resp, body)
	if !strings.HasPrefix(at, client.DemoRedirect) || !strings.Contains(at, "code=") {
		t.Fatalf("SSO ended at %s, want the client's callback with a code", at)
	}
	// prompt=login forces the login page.
	resp, body = env.Get(c, env.AuthorizeURL(client.NewPKCE(), url.Values{"prompt": {"login"}}))
	_, _, at = env.Follow(c, resp, body)
	if !strings.Contains(at, "/idp/login") {
		t.Fatalf("prompt=login ended at %s, want the login page", at)
	}
}

func TestRestartKeepsPortalSession(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	portalLogin(t, env, c, "001085012345")
	env.Restart()
	resp, body := env.Get(c, "/tai-khoan")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Nguyễn Văn An") {
		t.Fatalf("after restart /tai-khoan: %d", resp.StatusCode)
	}
}
