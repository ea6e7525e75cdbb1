package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/app/web"
	"dvclogin/store"
)

const adminPassword = "Quantri@2026" // what apptest configures

var (
	an   = app.DemoCitizens[0] // level 2, web login on
	binh = app.DemoCitizens[1] // level 2, web login off
)

// loginForm opens the console login page and returns its form.
func loginForm(t *testing.T, env *apptest.Env, c *http.Client) client.Form {
	t.Helper()
	resp, body := env.Get(c, "/console/login")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /console/login: %d", resp.StatusCode)
	}
	return apptest.FormWith(t, env.URL+"/console/login", body, "password")
}

// operator returns a client logged in to the console.
func operator(t *testing.T, env *apptest.Env) *http.Client {
	t.Helper()
	c := env.Client()
	resp, _ := env.Submit(c, loginForm(t, env, c), map[string]string{"password": adminPassword})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("console login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return c
}

// citizenForm returns the form that posts to a citizen's action (with its CSRF token).
func citizenForm(t *testing.T, env *apptest.Env, c *http.Client, citizenID, action string) client.Form {
	t.Helper()
	resp, body := env.Get(c, "/console/citizens")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /console/citizens: %d", resp.StatusCode)
	}
	want := "/console/citizens/" + citizenID + "/" + action
	f, ok := client.ParseForms(env.URL+"/console/citizens", body).To(want)
	if !ok {
		t.Fatalf("no form posting to %s", want)
	}
	return f
}

// act submits a citizen action and returns the citizens page that follows it.
func act(t *testing.T, env *apptest.Env, c *http.Client, citizenID, action string, set map[string]string) string {
	t.Helper()
	resp, _ := env.Submit(c, citizenForm(t, env, c, citizenID, action), set)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/citizens" {
		t.Fatalf("%s %s: %d to %q", action, citizenID, resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := env.Get(c, "/console/citizens")
	return body
}

func TestPagesRequireLogin(t *testing.T) {
	env := apptest.New(t)
	for _, path := range []string{"/console/", "/console/citizens", "/console/messages", "/console/audit",
		"/console/settings", "/console/guide", "/console/qr/app.svg"} {
		t.Run(path, func(t *testing.T) {
			resp, _ := env.Get(env.Client(), path)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
				t.Fatalf("status %d to %q, want 303 to /console/login", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
	t.Run("messages.json", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/console/messages.json", nil)
		req.Header.Set("Accept", "application/json")
		if resp, _ := env.Do(env.Client(), req); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
	})
}

func TestLoginWrongPassword(t *testing.T) {
	env := apptest.New(t)
	var first string
	for _, tc := range []struct{ name, password string }{
		{"Wrong", "Quantri@2025"},
		{"Empty", ""},
		{"TrailingSpace", adminPassword + " "},
		{"Citizen", app.DemoPassword},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := env.Client()
			resp, body := env.Submit(c, loginForm(t, env, c), map[string]string{"password": tc.password})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			msg := errorText(body)
			if msg == "" {
				t.Fatalf("no error message in page:\n%s", body)
			}
			if first == "" {
				first = msg
			} else if msg != first {
				t.Fatalf("message %q differs from %q", msg, first)
			}
			if resp, _ := env.Get(c, "/console/"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("dashboard after a wrong password: %d, want a redirect to login", resp.StatusCode)
			}
		})
	}
	attempts, err := env.App.Store().ListAttempts(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, a := range attempts {
		if a.Kind == "console" && !a.Success && a.IP == "127.0.0.1" {
			failed++
		}
	}
	if failed != 4 {
		t.Fatalf("recorded %d failed console attempts, want 4", failed)
	}
}

// errorText is the login page's error box.
func errorText(body string) string {
	_, rest, ok := strings.Cut(body, `class="alert alert-error" role="alert">`)
	if !ok {
		return ""
	}
	msg, _, _ := strings.Cut(rest, "<")
	return msg
}

func TestLoginRateLimitPerIP(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	for i := 1; i <= 10; i++ {
		if resp, _ := env.Submit(c, loginForm(t, env, c), map[string]string{"password": "sai-mat-khau"}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong attempt %d: status %d, want 401", i, resp.StatusCode)
		}
	}
	resp, _ := env.Submit(c, loginForm(t, env, c), map[string]string{"password": adminPassword})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt with the right password: status %d (Retry-After %q), want 429",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp, _ := env.Get(c, "/console/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("refused login still opened the console: %d", resp.StatusCode)
	}
	env.Clock.Advance(15 * time.Minute)
	operator(t, env) // both windows (this IP's, and every IP's) have passed
}

func TestLoginRegeneratesSession(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	// Asking for a page first creates the pre-login session that remembers it.
	if resp, _ := env.Get(c, "/console/citizens"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET /console/citizens: %d", resp.StatusCode)
	}
	before := consoleCookie(t, env, c)
	resp, _ := env.Submit(c, loginForm(t, env, c), map[string]string{"password": adminPassword})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/citizens" {
		t.Fatalf("login: %d to %q, want 303 to the page asked for", resp.StatusCode, resp.Header.Get("Location"))
	}
	after := consoleCookie(t, env, c)
	if after == before {
		t.Fatal("the session id did not change at login")
	}
	if resp, _ := env.Get(c, "/console/citizens"); resp.StatusCode != http.StatusOK {
		t.Fatalf("with the new cookie: %d, want 200", resp.StatusCode)
	}
	old := env.Client()
	u, _ := url.Parse(env.URL + "/console/")
	old.Jar.SetCookies(u, []*http.Cookie{{Name: "dvc_console", Value: before, Path: "/console"}})
	if resp, _ := env.Get(old, "/console/citizens"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("with the pre-login cookie: %d, want a redirect to login", resp.StatusCode)
	}
}

func consoleCookie(t *testing.T, env *apptest.Env, c *http.Client) string {
	t.Helper()
	u, _ := url.Parse(env.URL + "/console/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "dvc_console" {
			return ck.Value
		}
	}
	t.Fatal("no dvc_console cookie")
	return ""
}

func TestLogout(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	cookie := consoleCookie(t, env, c)
	_, body := env.Get(c, "/console/")
	f := apptest.FormWith(t, env.URL+"/console/", body, "csrf_token")
	if resp, _ := env.Submit(c, f, nil); resp.StatusCode != http.StatusSeeOther || f.Action != env.URL+"/console/logout" {
		t.Fatalf("logout (%s): %d", f.Action, resp.StatusCode)
	}
	replay := env.Client()
	u, _ := url.Parse(env.URL + "/console/")
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "dvc_console", Value: cookie, Path: "/console"}})
	if resp, _ := env.Get(replay, "/console/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cookie replayed after logout: %d, want a redirect to login", resp.StatusCode)
	}
}

func TestPostsRequireCSRF(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	for _, tc := range []struct {
		name, path string
		fields     url.Values
	}{
		{"Login", "/console/login", url.Values{"password": {adminPassword}}},
		{"Logout", "/console/logout", nil},
		{"Unlock", "/console/citizens/" + an.ID + "/unlock", nil},
		{"Passcode", "/console/citizens/" + an.ID + "/passcode", url.Values{"passcode": {"246810"}}},
		{"WebLogin", "/console/citizens/" + an.ID + "/web-login", url.Values{"enabled": {"0"}}},
		{"Password", "/console/citizens/" + an.ID + "/password", url.Values{"password": {"Moi@123456"}}},
		{"EndAppSessions", "/console/citizens/" + an.ID + "/end-app-sessions", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp, _ := env.PostForm(c, tc.path, tc.fields); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("without a CSRF token: %d, want 403", resp.StatusCode)
			}
		})
	}
	cit, err := env.App.Store().CitizenByID(context.Background(), an.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !cit.WebLogin {
		t.Fatal("a refused request changed the web login permission")
	}
}

func TestUnlock(t *testing.T) {
	env := apptest.New(t)
	login := func(password string) int {
		return env.NewDevice().Call(http.MethodPost, "/login", "",
			map[string]string{"id_number": an.IDNumber, "password": password}, nil)
	}
	for i := 0; i < 5; i++ {
		login("Sai@0000")
	}
	if st := login(app.DemoPassword); st != http.StatusLocked {
		t.Fatalf("right password on a locked account: %d, want 423", st)
	}
	c := operator(t, env)
	if body := act(t, env, c, an.ID, "unlock", nil); !strings.Contains(body, "Đã mở khóa") {
		t.Fatal("no confirmation after unlock")
	}
	if st := login(app.DemoPassword); st != http.StatusOK {
		t.Fatalf("login after unlock: %d, want 200", st)
	}
	_, body := env.Get(c, "/console/audit")
	if !strings.Contains(body, "Mở khóa") {
		t.Fatal("the unlock is not in the log")
	}
}

func TestResetPasscode(t *testing.T) {
	for _, tc := range []struct {
		name, passcode, flash string
		changed               bool
	}{
		{"OK", "246810", "Đã đặt lại passcode", true},
		{"ErrNotSixDigits", "24681", "Passcode phải gồm đúng 6 chữ số.", false},
		{"ErrLetters", "24681a", "Passcode phải gồm đúng 6 chữ số.", false},
		{"ErrSequence", "123456", "liên tiếp", false},
		{"ErrSameDigits", "000000", "giống nhau", false},
		{"ErrBirthDate", "120385", "ngày sinh", false}, // An was born 12/03/1985
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t)
			ctx := context.Background()
			// A locked passcode is the case the reset exists for.
			for i := 0; i < 10; i++ {
				st, now := env.App.Store(), env.Clock.Now()
				n, err := st.ReservePasscodeGuess(ctx, an.ID, now, 10, 0, 0)
				if err == nil {
					_, err = st.PasscodeGuessFailed(ctx, an.ID, n, now, 0, time.Minute, 10)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			c := operator(t, env)
			if body := act(t, env, c, an.ID, "passcode", map[string]string{"passcode": tc.passcode}); !strings.Contains(body, tc.flash) {
				t.Fatalf("no %q after the reset", tc.flash)
			}
			cit, err := env.App.Store().CitizenByID(ctx, an.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := verify(t, cit.PasscodeHash, tc.passcode); got != tc.changed {
				t.Fatalf("new passcode works: %v, want %v", got, tc.changed)
			}
			if cit.PasscodeLocked == tc.changed {
				t.Fatalf("passcode locked: %v after reset %v", cit.PasscodeLocked, tc.changed)
			}
		})
	}
}

// verify checks a secret against a stored hash.
func verify(t *testing.T, hash, secret string) bool {
	t.Helper()
	ok, err := web.NewHasher(apptest.FastArgon2, 1).Verify(context.Background(), hash, secret)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestResetPassword(t *testing.T) {
	for _, tc := range []struct {
		name, password, flash string
		changed               bool
	}{
		{"OK", "Moi@12345", "Đã đặt lại mật khẩu", true},
		{"ErrShort", "Moi@123", "ít nhất 8 ký tự", false},
		{"ErrCommon", "12345678", "quá phổ biến", false},
		{"ErrIDNumber", binh.IDNumber, "số định danh", false},
		{"ErrPhone", "+84" + binh.Phone[1:], "số điện thoại", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t)
			c := operator(t, env)
			if body := act(t, env, c, binh.ID, "password", map[string]string{"password": tc.password}); !strings.Contains(body, tc.flash) {
				t.Fatalf("no %q after the reset", tc.flash)
			}
			want := map[bool]int{true: http.StatusOK, false: http.StatusUnauthorized}
			if st := env.NewDevice().Call(http.MethodPost, "/login", "",
				map[string]string{"id_number": binh.IDNumber, "password": tc.password}, nil); st != want[tc.changed] {
				t.Fatalf("app login with the new password: %d, want %d", st, want[tc.changed])
			}
		})
	}
}

func TestWebLoginToggle(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	token := env.AppLogin(an.IDNumber, app.DemoPassword)
	for _, tc := range []struct {
		name    string
		enabled bool
	}{
		{"Off", false},
		{"On", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The citizens page offers only the opposite of the current state.
			act(t, env, c, an.ID, "web-login", nil)
			var me struct {
				WebLoginEnabled bool `json:"web_login_enabled"`
			}
			if st := env.Phone().Call(http.MethodGet, "/me", token, nil, &me); st != http.StatusOK {
				t.Fatalf("GET /me: %d", st)
			}
			if me.WebLoginEnabled != tc.enabled {
				t.Fatalf("web_login_enabled = %v, want %v", me.WebLoginEnabled, tc.enabled)
			}
		})
	}
}

func TestEndAppSessions(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	token := env.AppLogin(an.IDNumber, app.DemoPassword)
	act(t, env, c, an.ID, "end-app-sessions", nil)
	if st := env.Phone().Call(http.MethodGet, "/me", token, nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("app token after the operator ended it: %d, want 401", st)
	}
}

func TestFlashShowsOnce(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	if body := act(t, env, c, an.ID, "unlock", nil); !strings.Contains(body, "Đã mở khóa") {
		t.Fatal("no confirmation after unlock")
	}
	if _, body := env.Get(c, "/console/citizens"); strings.Contains(body, "Đã mở khóa") {
		t.Fatal("the confirmation shows again on reload")
	}
}

func TestOutbox(t *testing.T) {
	env := apptest.New(t)
	_, err := env.App.Store().AddMessage(context.Background(), store.Message{CitizenID: an.ID, Channel: "sms",
		Sender: "VNeID", Recipient: an.Phone, Body: "Ma OTP dang nhap cua ban la 482913", Purpose: "login_otp",
		SentAt: env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	c := operator(t, env)
	for _, path := range []string{"/console/messages", "/console/messages.json"} {
		t.Run(path, func(t *testing.T) {
			resp, body := env.Get(c, path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "482913") || !strings.Contains(body, an.Phone) {
				t.Fatalf("status %d, message missing:\n%s", resp.StatusCode, body)
			}
		})
	}
	if _, body := env.Get(c, "/console/"); !strings.Contains(body, `<span class="num">1</span><span>tin nhắn hôm nay`) {
		t.Fatal("the dashboard does not count today's message")
	}
}

func TestPages(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	for _, tc := range []struct {
		name, path, contentType string
		want                    []string
	}{
		{"Dashboard", "/console/", "text/html", []string{"Bảng điều khiển", env.URL + "/app/", `src="/console/qr/app.svg"`}},
		{"Citizens", "/console/citizens", "text/html", []string{an.IDNumber, binh.FullName, "Mở khóa", "Bật đăng nhập trên website"}},
		{"Audit", "/console/audit", "text/html", []string{"Quản trị viên đăng nhập", "Mật khẩu quản trị"}},
		{"Settings", "/console/settings", "text/html", []string{"-qr-ttl", "-lock", "15 phút", env.URL}},
		{"Guide", "/console/guide", "text/html", []string{"Bước 4", "cập nhật lại quyền trên thiết bị", an.IDNumber, app.DemoPassword}},
		{"AppQR", "/console/qr/app.svg", "image/svg+xml", []string{"<svg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.Get(c, tc.path)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) {
				t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}
