package idp_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/app/web"
)

var switchTag = regexp.MustCompile(`<a class="lang-switch" href="([^"]+)"`)

// switchHref is where the page's language switch leads.
func switchHref(t *testing.T, body string) *url.URL {
	t.Helper()
	m := switchTag.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page has no language switch")
	}
	return qrMustURL(t, html.UnescapeString(m[1]))
}

// english is a browser that chose English with the switch (?lang=en): it has the cookie.
func english(t *testing.T, env *apptest.Env) *http.Client {
	t.Helper()
	c := env.Client()
	if resp, _ := env.Get(c, "/?lang=en"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/?lang=en: %d", resp.StatusCode)
	}
	return c
}

// The login pages in English: ?lang=en on the login page, then the cookie alone for the
// password tab, the password step's refusals, the code page and its messages; the SMS of a
// login in English is English; a browser that never asked stays Vietnamese.
func TestLoginPagesInEnglish(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword) // the phone that holds An's SIM
	c := env.Client()
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	if !strings.Contains(lp.Body, "Quét mã QR bằng ứng dụng VNeID") || !strings.Contains(lp.Body, `<html lang="vi">`) {
		t.Fatal("the login page is not Vietnamese by default")
	}

	_, body := env.Get(c, lp.URL+"&lang=en")
	apptest.CheckEnglish(t, "QR tab", body, []string{">Log in<", "Scan the QR code with the VNeID app", "Demo app (developer's machine)",
		`alt="Login QR code: scan it with the VNeID app on your phone"`, "Only scan the QR code shown on this login page",
		"The QR code is valid for", `"Hide"`, "The QR code is valid for 1 more minute."})

	pw := "/idp/login?tab=password&authRequestID=" + lp.AuthRequestID
	_, body = env.Get(c, pw)
	apptest.CheckEnglish(t, "password tab (cookie)", body, []string{"Personal ID number", `placeholder="Enter your personal ID number (12 digits)"`,
		"Forgot your password?", ">Show<"})

	resp, body := env.PasswordStep(c, lp, an, "Sai@12345")
	if resp.StatusCode != http.StatusUnauthorized || errorText(body) != "The personal ID number or password is incorrect." {
		t.Fatalf("wrong password: %d %q", resp.StatusCode, errorText(body))
	}
	apptest.CheckEnglish(t, "refused password step", body, nil)
	if sw := switchHref(t, body); sw.Path != "/idp/login" || sw.Query().Get("tab") != "password" ||
		sw.Query().Get("authRequestID") != lp.AuthRequestID || sw.Query().Get("lang") != "vi" {
		t.Errorf("the switch of a page answering the password POST leads to %s, not back to the password tab", sw)
	}
	_, body = env.PasswordStep(c, lp, binh, app.DemoPassword)
	if got := errorText(body); !strings.HasPrefix(got, "Your account is not permitted") || !strings.Contains(got, "device. Open the VNeID app") {
		t.Errorf("no web permission: %q", got)
	}

	resp, body = env.PasswordStep(c, lp, an, app.DemoPassword)
	at, body := env.CodeStep(c, resp, body)
	apptest.CheckEnglish(t, "code page", body, []string{"<title>Enter the OTP - Electronic Identification Portal</title>",
		"The OTP has been sent to the phone number", "The code is valid for", "Resend code", "Get the verification code in the VNeID app",
		"Never share this code with anyone."})
	msgs := env.Phone().Messages(token)
	if len(msgs) == 0 || !strings.HasPrefix(msgs[0].Body, "Your National Public Service Portal login code is ") {
		t.Fatalf("the SMS of a login in English: %+v", msgs)
	}
	resp, body = env.SubmitCode(c, at, body, "000000")
	if got := errorText(body); resp.StatusCode != http.StatusUnauthorized || got != "The OTP is incorrect. You have 4 tries left." {
		t.Errorf("wrong code: %d %q", resp.StatusCode, got)
	}
	apptest.CheckEnglish(t, "code page after a wrong code", body, nil)

	// Another browser, also in English, on this login: the page that explains it.
	_, body = env.Get(english(t, env), lp.URL)
	apptest.CheckEnglish(t, "other browser", body, []string{"The login cannot continue", "This login request was created in another browser"})

	// A browser that never chose stays Vietnamese.
	lp2 := env.OpenLogin(env.Client(), client.NewPKCE(), nil)
	if words := apptest.VietnameseWords(lp2.Body); len(words) < 20 || strings.Contains(lp2.Body, "Scan the QR code") {
		t.Errorf("the default login page is not Vietnamese")
	}
}

// The authenticator-app code page in English keeps its issuer as the authenticator shows it.
func TestTOTPCodePageInEnglish(t *testing.T) {
	env := apptest.New(t)
	enrollTOTP(t, env, env.AppLogin(an, app.DemoPassword))
	c := english(t, env)
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	resp, body := env.PasswordStep(c, lp, an, app.DemoPassword)
	_, body = env.CodeStep(c, resp, body)
	apptest.CheckEnglish(t, "authenticator code page", body, []string{"Enter the code from your authenticator app",
		"enter the 6-digit code it shows for", "Authenticator app code (6 digits)"}, "VNeID (mô phỏng)")
}

// The app's API answers in the language of its cookie: refusals, what it is shown of a QR
// login, and the notices it causes. Without the cookie it stays Vietnamese.
func TestMobileAPIInEnglish(t *testing.T) {
	env := apptest.New(t)
	en := client.NewPhone(env.URL, english(t, env), "")
	ctx := context.Background()

	_, err := en.Login(ctx, "123", "x", "")
	if st, e := apptest.Refusal(t, err); st != http.StatusBadRequest || e.Error.Message != "The personal ID number must have exactly 12 digits." {
		t.Errorf("bad ID number: %d %+v", st, e)
	}
	_, err = en.Login(ctx, an, "Sai@12345", "")
	if st, e := apptest.Refusal(t, err); st != http.StatusUnauthorized || e.Error.Message != "The personal ID number or password is incorrect." {
		t.Errorf("wrong password: %d %+v", st, e)
	}
	_, err = client.NewPhone(env.URL, env.Client(), "").Login(ctx, an, "Sai@12345", "")
	if _, e := apptest.Refusal(t, err); e.Error.Message != "Số định danh cá nhân hoặc mật khẩu không đúng." {
		t.Errorf("without the cookie: %+v", e)
	}

	s, err := en.Login(ctx, an, app.DemoPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := en.Call(ctx, http.MethodPost, "/qr/scan", s.Token, map[string]string{"qr": "not a frame"}, nil); err != nil {
		if _, e := apptest.Refusal(t, err); e.Error.Code != "invalid_qr" || !strings.HasPrefix(e.Error.Message, "Invalid QR code.") {
			t.Errorf("invalid QR: %+v", e)
		}
	} else {
		t.Error("a QR that is no frame was accepted")
	}
	err = en.Call(ctx, http.MethodPut, "/settings/web-login", s.Token, map[string]any{"enabled": true, "passcode": "000000"}, nil)
	if _, e := apptest.Refusal(t, err); e.Error.Code != "invalid_passcode" || e.Error.Message != "The passcode is incorrect. 9 tries left before the passcode is locked." {
		t.Errorf("wrong passcode: %+v", e)
	}
	if err := en.Call(ctx, http.MethodPut, "/settings/web-login", s.Token, map[string]any{"enabled": true, "passcode": app.DemoPasscode}, nil); err != nil {
		t.Fatal(err)
	}
	msgs, err := en.Messages(ctx, s.Token)
	if err != nil || len(msgs) == 0 || msgs[0].Body != "You turned on Website login." {
		t.Errorf("the notice of a change made in English: %+v %v", msgs, err)
	}

	// What the phone is shown of a QR login: the client and the browser in its words.
	d := openQRDesktop(t, env)
	d.ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	l := d.start()
	req, err := en.Scan(ctx, s.Token, l.QR)
	if err != nil {
		t.Fatal(err)
	}
	if req.ClientName != "Demo app (developer's machine)" || req.Browser != "Chrome 124 on Windows" {
		t.Errorf("the scanned login in English: %q, %q", req.ClientName, req.Browser)
	}
	d.ua = "curl/8.5.0"
	l = d.start()
	if _, err := en.Deny(ctx, s.Token, req.ID); err != nil {
		t.Fatal(err)
	}
	if req, err = en.Scan(ctx, s.Token, l.QR); err != nil || req.Browser != "Unknown browser" {
		t.Errorf("an unknown browser in English: %q %v", req.Browser, err)
	}
}

// ui_locales on the authorization request chooses the login pages' language when the browser
// chose none: the first language of the list the site speaks, on every step of that login.
// The browser's own choice (?lang=, the cookie) wins over it.
func TestUILocales(t *testing.T) {
	env := apptest.New(t)
	langOf := apptest.PageLang

	c := env.Client()
	lp := env.OpenLogin(c, client.NewPKCE(), url.Values{"ui_locales": {"fr-CA en-US vi"}})
	apptest.CheckEnglish(t, "login page with ui_locales=fr-CA en-US vi", lp.Body, []string{"Scan the QR code with the VNeID app"})
	for _, k := range c.Jar.Cookies(qrMustURL(t, env.URL+"/")) {
		if k.Name == web.LangCookie {
			t.Errorf("ui_locales set the language cookie %q: it is the client's guess, not the visitor's choice", k.Value)
		}
	}
	resp, body := env.PasswordStep(c, lp, an, "Sai@12345")
	if resp.StatusCode != http.StatusUnauthorized || errorText(body) != "The personal ID number or password is incorrect." {
		t.Errorf("the password step of that login: %d %q", resp.StatusCode, errorText(body))
	}
	// The QR start of that login answers its refusals in English too.
	other := env.Client()
	own := env.OpenLogin(other, client.NewPKCE(), nil)
	var out apptest.APIError
	status := jsonWithCSRF(t, env, other, own.CSRF, "/idp/qr/start", map[string]string{"auth_request": lp.AuthRequestID}, &out)
	if status != http.StatusForbidden || !strings.HasPrefix(out.Error.Message, "This login request was created in another browser") {
		t.Errorf("QR start from another browser: %d %+v", status, out)
	}

	for _, tc := range []struct {
		name, locales, want string
		browser             func() *http.Client
		query               string
	}{
		{"NoneWeSpeak", "fr de", "vi", env.Client, ""},
		{"Vietnamese", "vi-VN en", "vi", env.Client, ""},
		{"CookieWins", "en", "vi", func() *http.Client {
			c := env.Client()
			env.Get(c, "/?lang=vi")
			return c
		}, ""},
		{"QueryWins", "en", "vi", env.Client, "&lang=vi"},
		{"EnglishCookie", "vi", "en", func() *http.Client { return english(t, env) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.browser()
			lp := env.OpenLogin(c, client.NewPKCE(), url.Values{"ui_locales": {tc.locales}})
			body := lp.Body
			if tc.query != "" {
				_, body = env.Get(c, lp.URL+tc.query)
			}
			if got := langOf(body); got != tc.want {
				t.Errorf("ui_locales=%q: the login page speaks %q, want %q", tc.locales, got, tc.want)
			}
		})
	}

	// The authorization endpoint's own error page follows ui_locales as well.
	_, body = env.Get(env.Client(), "/idp/authorize?client_id=no-such-client&ui_locales=en&response_type=code")
	if !strings.Contains(body, "The application asking for the login is not registered") {
		t.Errorf("authorize error page with ui_locales=en: %q", apptest.PageError(body))
	}
}
