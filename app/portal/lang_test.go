package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

// The portal in English: the home page (menu, sitemap, sample procedures, footer) with
// ?lang=en, then by the cookie alone the search, the chooser, the login's answers, the account
// page and logout; the identity provider is asked to speak the same language. A browser that
// never chose stays Vietnamese.
func TestPortalInEnglish(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	_, body := env.Get(c, "/?lang=en")
	apptest.CheckEnglish(t, "home", body, []string{"<title>National Public Service Portal</title>", "NATIONAL PUBLIC SERVICE PORTAL",
		"Search administrative procedures", `placeholder="Enter a keyword, for example: birth"`, ">Log in<",
		"Information and services", "Search procedures", "Feedback and petitions", "Online payment", "Frequently asked questions",
		"Features of the National Public Service Portal", "Birth registration", "Civil status",
		"Managing agency: Office of the Government", "www.dichvucong.gov.vn", "Helpline: 18001096", "Email: dichvucong@chinhphu.vn"})

	// The search finds a procedure by its English name, or by its Vietnamese one.
	for _, q := range []string{"birth", "khai sinh"} {
		_, body = env.Get(c, "/?q="+url.QueryEscape(q))
		if !regexp.MustCompile(`<li data-search="[^"]*">\s*<span class="proc-name">Birth registration`).MatchString(body) ||
			!regexp.MustCompile(`<li data-search="[^"]*" class="hidden">\s*<span class="proc-name">Marriage registration`).MatchString(body) {
			t.Errorf("search %q in English: birth registration not the only one shown", q)
		}
	}

	_, body = env.Get(c, "/dang-nhap")
	apptest.CheckEnglish(t, "chooser", body, []string{"<title>Log in - National Public Service Portal</title>",
		"Choose the type of account you want to log in with",
		"Electronic identification account issued by the Ministry of Public Security for citizens", "System notice:",
		"One-stop counter screen: log in at the counter with the VNeID app"})

	_, body = env.Get(c, "/dang-nhap-tai-quay")
	apptest.CheckEnglish(t, "counter screen", body, []string{"<title>Counter login - National Public Service Portal</title>",
		"Scan the QR code below, or type the 8-letter code", "Creating a login code…", "New code", "End session"})

	if q := startLogin(t, env, c); q.Get("ui_locales") != "en" {
		t.Errorf("the portal in English asks the IdP for ui_locales %q", q.Get("ui_locales"))
	}
	if q := startLogin(t, env, env.Client()); q.Get("ui_locales") != "vi" {
		t.Errorf("the portal in Vietnamese asks the IdP for ui_locales %q", q.Get("ui_locales"))
	}

	// A login the citizen cancelled at the IdP; the switch there starts a new login rather
	// than replaying the spent callback.
	state := startLogin(t, env, c).Get("state")
	_, body = env.Get(c, "/sso?error=access_denied&state="+url.QueryEscape(state))
	apptest.CheckEnglish(t, "cancelled login", body, []string{"Login cancelled", "You cancelled the login.", "Log in again", "Back to the home page"})
	if m := regexp.MustCompile(`class="lang-switch" href="([^"]+)"`).FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != "/dang-nhap?lang=vi" {
		t.Errorf("the switch of the callback's answer: %v", m)
	}

	callback := loginToIdP(t, env, c, "/tai-khoan")
	env.Get(c, callback.String())
	_, body = env.Get(c, "/tai-khoan")
	apptest.CheckEnglish(t, "account", body, []string{"<title>Account information - National Public Service Portal</title>",
		"Identity information", "Full name", "Date of birth", "Male", "Level 2 electronic identification account",
		"Personal ID number, password and an OTP sent by SMS", "Information synchronised from VNeID", "Log out"},
		"Nguyễn Văn An")
	_, body = env.Get(c, "/")
	apptest.CheckEnglish(t, "home, logged in", body, []string{"Hello, Nguyễn Văn An", "You are logged in with your electronic identification account."},
		"Nguyễn Văn An")

	f := apptest.FormWith(t, env.URL+"/tai-khoan", body, "csrf_token")
	resp, page := env.Submit(c, f, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	apptest.CheckEnglish(t, "logout", page, []string{"Logging out", "Continue logging out"})
	lf := apptest.FormWith(t, env.URL+"/dang-xuat", page, "id_token_hint")
	resp, home := env.Submit(c, lf, nil)
	_, home, _ = env.Follow(c, resp, home)
	apptest.CheckEnglish(t, "home after logout", home, []string{"You have logged out."})

	// Vietnamese by default.
	_, body = env.Get(env.Client(), "/")
	if !strings.Contains(body, `<html lang="vi">`) || !strings.Contains(body, "Tra cứu thủ tục hành chính") || strings.Contains(body, "Birth registration") {
		t.Error("the home page of a browser that never chose is not Vietnamese")
	}
}

// A refusal with a number in it, on the error page: English when the cookie says so.
func TestPortalRefusalInEnglish(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.TrustedProxies = []string{"127.0.0.1/32"} })
	from := func(c *http.Client) *http.Client {
		return apptest.FromAddress(c, func() string { return "2001:db8:7::1" })
	}
	for i := 0; i < 50; i++ {
		if resp, _ := env.Get(from(env.Client()), "/dang-nhap/vneid"); resp.StatusCode != http.StatusFound {
			t.Fatalf("start %d: %d", i+1, resp.StatusCode)
		}
	}
	en := from(env.Client())
	env.Get(en, "/?lang=en")
	resp, body := env.Get(en, "/dang-nhap/vneid")
	if resp.StatusCode != http.StatusTooManyRequests || apptest.PageError(body) != "Too many logins are waiting from your network address. Please try again in 15 minutes." {
		t.Errorf("the 51st start in English: %d %q", resp.StatusCode, apptest.PageError(body))
	}
	apptest.CheckEnglish(t, "refused login start", body, nil)
	if _, body := env.Get(from(env.Client()), "/dang-nhap/vneid"); !strings.Contains(body, "Vui lòng thử lại sau 15 phút.") {
		t.Errorf("the same refusal in Vietnamese: %q", apptest.PageError(body))
	}
}
