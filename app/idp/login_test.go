package idp_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

const (
	an               = "001085012345" // level 2, web login on
	binh             = "079190054321" // level 2, web login off
	chau             = "048201067890" // level 1
	seedNoPermission = "Tài khoản của bạn không có quyền đăng nhập trên cổng thông tin định danh điện tử. Vui lòng cập nhật lại quyền trên thiết bị"
)

// errorText returns the text of the page's error alert.
func errorText(body string) string {
	i := strings.Index(body, `role="alert"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	rest = rest[strings.Index(rest, ">")+1:]
	return rest[:strings.Index(rest, "<")]
}

func TestPasswordStepRefusals(t *testing.T) {
	env := apptest.New(t)
	tests := []struct {
		name, id, password string
		status             int
		want               string
	}{
		{"ErrBadFormat", "12345", "x", http.StatusBadRequest, "12 chữ số"},
		{"ErrUnknownID", "001099999999", app.DemoPassword, http.StatusUnauthorized, "Số định danh cá nhân hoặc mật khẩu không đúng."},
		{"ErrWrongPassword", an, "Sai@12345", http.StatusUnauthorized, "Số định danh cá nhân hoặc mật khẩu không đúng."},
		{"ErrLevel1", chau, app.DemoPassword, http.StatusForbidden, "mức 2"},
		{"ErrNoWebPermission", binh, app.DemoPassword, http.StatusForbidden, seedNoPermission},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := env.Client()
			lp := env.OpenLogin(c, client.NewPKCE(), nil)
			resp, body := env.PasswordStep(c, lp, tc.id, tc.password)
			if resp.StatusCode != tc.status || !strings.Contains(errorText(body), tc.want) {
				t.Fatalf("status %d, error %q; want %d with %q", resp.StatusCode, errorText(body), tc.status, tc.want)
			}
			if strings.Contains(body, `name="otp"`) {
				t.Fatal("refused login reached the code step")
			}
		})
	}
}

// An unknown ID and a wrong password must be indistinguishable: same status, same page.
func TestUnknownIDLooksLikeWrongPassword(t *testing.T) {
	env := apptest.New(t)
	page := func(id string) (int, string) {
		c := env.Client()
		lp := env.OpenLogin(c, client.NewPKCE(), nil)
		resp, body := env.PasswordStep(c, lp, id, "Khong@dung1")
		return resp.StatusCode, errorText(body)
	}
	s1, m1 := page("001099999999")
	s2, m2 := page(an)
	if s1 != s2 || m1 != m2 || m1 == "" {
		t.Fatalf("unknown ID: %d %q; wrong password: %d %q", s1, m1, s2, m2)
	}
}

func TestFiveWrongPasswordsLockTheAccount(t *testing.T) {
	env := apptest.New(t)
	try := func(pw string) (int, string) {
		c := env.Client()
		lp := env.OpenLogin(c, client.NewPKCE(), nil)
		resp, body := env.PasswordStep(c, lp, an, pw)
		return resp.StatusCode, errorText(body)
	}
	for i := 1; i <= 4; i++ {
		if st, _ := try("Sai@12345"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d", i, st)
		}
	}
	if st, msg := try("Sai@12345"); st != http.StatusLocked || !strings.Contains(msg, "15 phút") {
		t.Fatalf("5th wrong password: %d %q, want 423 stating 15 phút", st, msg)
	}
	if st, msg := try(app.DemoPassword); st != http.StatusLocked {
		t.Fatalf("right password while locked: %d %q, want 423", st, msg)
	}
	env.Clock.Advance(15*time.Minute + time.Second)
	if st, _ := try(app.DemoPassword); st != http.StatusSeeOther {
		t.Fatalf("after the lock: status %d, want 303 to the code step", st)
	}
}

func TestCorrectPasswordResetsTheFailureCount(t *testing.T) {
	env := apptest.New(t)
	try := func(pw string) int {
		c := env.Client()
		resp, _ := env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), an, pw)
		return resp.StatusCode
	}
	for i := 0; i < 4; i++ {
		try("Sai@12345")
	}
	if st := try(app.DemoPassword); st != http.StatusSeeOther {
		t.Fatalf("right password: %d", st)
	}
	for i := 0; i < 4; i++ {
		if st := try("Sai@12345"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d after reset: %d, want 401 (count restarted)", i+1, st)
		}
	}
}

// Spraying many accounts from one IP hits the per-IP limit, which answers before any hash.
func TestPerIPLimitStopsSpraying(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	for i := 0; i < 20; i++ {
		id := "0010990" + strings.Repeat("0", 3) + string(rune('0'+i/10)) + string(rune('0'+i%10))
		if resp, _ := env.PasswordStep(c, lp, id, "Sai@12345"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := env.PasswordStep(c, lp, an, app.DemoPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" && !strings.Contains(errorText(body), "phút") {
		t.Fatalf("21st attempt: %d %q, want 429", resp.StatusCode, errorText(body))
	}
	// The limit is per IP and per window: after the window the right password works again.
	env.Clock.Advance(10*time.Minute + time.Second)
	lp = env.OpenLogin(c, client.NewPKCE(), nil)
	if resp, _ := env.PasswordStep(c, lp, an, app.DemoPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %d", resp.StatusCode)
	}
}

// passwordDone runs the password step for An and returns the code page.
func passwordDone(t *testing.T, env *apptest.Env, c *http.Client) (string, string) {
	t.Helper()
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	resp, body := env.PasswordStep(c, lp, an, app.DemoPassword)
	return env.CodeStep(c, resp, body)
}

func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestFiveWrongCodesKillTheChallenge(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	at, page := passwordDone(t, env, c)
	code := env.LatestCode(token)
	for i := 1; i <= 4; i++ {
		resp, body := env.SubmitCode(c, at, page, wrongCode(code))
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(errorText(body), "còn") {
			t.Fatalf("wrong code %d: %d %q", i, resp.StatusCode, errorText(body))
		}
	}
	if resp, body := env.SubmitCode(c, at, page, wrongCode(code)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("5th wrong code: %d %q, want 403", resp.StatusCode, errorText(body))
	}
	resp, body := env.SubmitCode(c, at, page, code)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(resp.Header.Get("Location"), "callback") {
		t.Fatalf("right code on a dead challenge: %d %q", resp.StatusCode, errorText(body))
	}
}

func TestResendDoesNotResetFailures(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	at, page := passwordDone(t, env, c)
	for i := 0; i < 4; i++ {
		env.SubmitCode(c, at, page, wrongCode(env.LatestCode(token)))
	}
	// A resend within the minute is refused.
	rf := resendForm(t, at, page)
	if resp, _ := env.Submit(c, rf, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("resend within a minute: %d, want 429", resp.StatusCode)
	}
	env.Clock.Advance(61 * time.Second)
	if resp, body := env.Submit(c, rf, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã gửi mã mới") {
		t.Fatalf("resend: %d", resp.StatusCode)
	}
	code := env.LatestCode(token)
	if resp, _ := env.SubmitCode(c, at, page, wrongCode(code)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("5th wrong code in total (after a resend): %d, want 403: the resend must not reset the count", resp.StatusCode)
	}
	if resp, _ := env.SubmitCode(c, at, page, code); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("new code on the dead challenge: %d", resp.StatusCode)
	}
}

func TestResendLimitPerHour(t *testing.T) {
	// The SMS budget (5 in 15 minutes) would refuse first: this is the resend rule alone.
	env := apptest.New(t, func(c *app.Config) { c.Limits.SMSAccountMax, c.Limits.SMSAccountHourMax = 100, 100 })
	c := env.Client()
	at, page := passwordDone(t, env, c)
	rf := resendForm(t, at, page)
	for i := 1; i <= 5; i++ {
		env.Clock.Advance(61 * time.Second)
		if resp, _ := env.Submit(c, rf, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("resend %d: %d", i, resp.StatusCode)
		}
	}
	env.Clock.Advance(61 * time.Second)
	if resp, _ := env.Submit(c, rf, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("6th resend within the hour: %d, want 429", resp.StatusCode)
	}
}

func TestExpiredCodeRefused(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	at, page := passwordDone(t, env, c)
	code := env.LatestCode(token)
	env.Clock.Advance(5*time.Minute + time.Second)
	resp, body := env.SubmitCode(c, at, page, code)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(errorText(body), "hết hạn") {
		t.Fatalf("expired code: %d %q", resp.StatusCode, errorText(body))
	}
}

func TestCodeOfLoginAIsRefusedOnLoginB(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	a, b := env.Client(), env.Client()
	passwordDone(t, env, a)
	codeA := env.LatestCode(token)
	atB, pageB := passwordDone(t, env, b)
	codeB := env.LatestCode(token)
	if codeA == codeB {
		t.Skip("the two random codes collided (1 in a million)")
	}
	if resp, _ := env.SubmitCode(b, atB, pageB, codeA); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("login A's code on login B: %d, want 401", resp.StatusCode)
	}
}

func TestUsedCodeRefused(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	at, page := passwordDone(t, env, c)
	code := env.LatestCode(token)
	if resp, _ := env.SubmitCode(c, at, page, code); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("right code: %d", resp.StatusCode)
	}
	// The same form again (a replay from this browser, e.g. the back button) is refused.
	if resp, _ := env.SubmitCode(c, at, page, code); resp.StatusCode < 400 {
		t.Fatalf("replayed code: %d, want a refusal", resp.StatusCode)
	}
}

// Only one of many concurrent submissions of the right code completes the login.
func TestConcurrentCodeSubmissionsWinOnce(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	at, page := passwordDone(t, env, c)
	code := env.LatestCode(token)
	f := apptest.FormWith(t, at, page, "otp")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := client.NewBrowser(env.URL, c).Submit(context.Background(), f, map[string]string{"otp": code})
			if err != nil {
				return
			}
			if p.Resp.StatusCode == http.StatusSeeOther {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d submissions completed the login, want exactly 1", wins)
	}
}

func TestStepSkipping(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	// The code page without the password step sends the browser back to the password form.
	resp, _ := env.Get(c, "/idp/login/otp?authRequestID="+lp.AuthRequestID)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "tab=password") {
		t.Fatalf("code page without password step: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Posting a code without the password step is refused and completes nothing.
	resp, _ = env.PostForm(c, "/idp/login/otp", url.Values{"csrf_token": {lp.CSRF}, "authRequestID": {lp.AuthRequestID}, "otp": {"123456"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("code without password step: %d, want 403", resp.StatusCode)
	}
	// A password step done for another auth request does not open this one's code step.
	other := env.Client()
	lp2 := env.OpenLogin(other, client.NewPKCE(), nil)
	resp, body := env.PasswordStep(other, lp2, an, app.DemoPassword)
	env.CodeStep(other, resp, body)
	lp3 := env.OpenLogin(other, client.NewPKCE(), nil)
	resp, _ = env.PostForm(other, "/idp/login/otp", url.Values{"csrf_token": {lp3.CSRF}, "authRequestID": {lp3.AuthRequestID}, "otp": {"123456"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("code step of another auth request: %d, want 403", resp.StatusCode)
	}
}

func idpCookie(env *apptest.Env, c *http.Client) string {
	u, _ := url.Parse(env.URL + "/idp/login")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "dvc_idp" {
			return ck.Value
		}
	}
	return ""
}

func TestSessionFixation(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	u, _ := url.Parse(env.URL + "/idp/")
	planted := "attacker-chosen-session-id-0123456789abcdef"
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "dvc_idp", Value: planted, Path: "/idp"}})
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	resp, body := env.PasswordStep(c, lp, an, app.DemoPassword)
	at, page := env.CodeStep(c, resp, body)
	afterPassword := idpCookie(env, c)
	if afterPassword == "" || afterPassword == planted {
		t.Fatalf("session id after the password step = %q: not regenerated", afterPassword)
	}
	if resp, _ := env.SubmitCode(c, at, page, env.LatestCode(token)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("code: %d", resp.StatusCode)
	}
	afterCode := idpCookie(env, c)
	if afterCode == "" || afterCode == afterPassword {
		t.Fatal("session id not regenerated after the code step")
	}
	// The pre-code session id is dead: a browser holding it cannot reach the code step.
	thief := env.Client()
	thief.Jar.SetCookies(u, []*http.Cookie{{Name: "dvc_idp", Value: afterPassword, Path: "/idp"}})
	resp, _ = env.Get(thief, "/idp/login/otp?authRequestID="+lp.AuthRequestID)
	if resp.StatusCode == http.StatusOK {
		t.Fatal("the old session id still opens the code step")
	}
}

func TestDirectLoginReachesTheClient(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	at, page := passwordDone(t, env, c)
	if !strings.Contains(page, "091****678") {
		t.Fatal("the code page does not show the masked phone number")
	}
	var msgs struct {
		Messages []struct{ Channel, From, To, Body string } `json:"messages"`
	}
	env.Phone().Call(http.MethodGet, "/messages", token, nil, &msgs)
	sms := msgs.Messages[0]
	if sms.Channel != "sms" || sms.From != "VNeID" || sms.To != "0912345678" ||
		!strings.Contains(sms.Body, "Khong cung cap") && !strings.Contains(sms.Body, "KHONG cung cap") {
		t.Fatalf("SMS = %+v", sms)
	}
	for _, r := range sms.Body {
		if r > 127 {
			t.Fatalf("SMS body has diacritics: %q", sms.Body)
		}
	}
	resp, body := env.SubmitCode(c, at, page, env.LatestCode(token))
	_, _, final := env.Follow(c, resp, body)
	if !strings.HasPrefix(final, client.DemoRedirect) || !strings.Contains(final, "code=") {
		t.Fatalf("login ended at %s, want the client's redirect with a code", final)
	}
}

// The in-app code ("mã xác nhận đăng nhập") is the alternative second factor.
func TestInAppCodeChannel(t *testing.T) {
	env := apptest.New(t, func(c *app.Config) { c.SecondFactor = "app" })
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	at, page := passwordDone(t, env, c)
	if !strings.Contains(page, "mã xác nhận đăng nhập") {
		t.Fatal("code page does not speak of the in-app code")
	}
	var msgs struct {
		Messages []struct{ Channel, Body string } `json:"messages"`
	}
	env.Phone().Call(http.MethodGet, "/messages", token, nil, &msgs)
	if msgs.Messages[0].Channel != "app" {
		t.Fatalf("code went by %q, want app", msgs.Messages[0].Channel)
	}
	resp, _ := env.SubmitCode(c, at, page, env.LatestCode(token))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("in-app code: %d", resp.StatusCode)
	}
}

// resendForm is the code page's "Gửi lại mã" form (the one that keeps the channel).
func resendForm(t *testing.T, at, page string) client.Form {
	t.Helper()
	return channelForm(t, at, page, "")
}

// T14: parallel logins each bring a challenge with 5 tries, but the account counts wrong codes
// across all of them and locks at 10 an hour.
func TestWrongCodesAcrossLoginsLockTheAccount(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	type login struct {
		c        *http.Client
		at, page string
	}
	var logins []login
	for i := 0; i < 3; i++ {
		c := env.Client()
		at, page := passwordDone(t, env, c)
		logins = append(logins, login{c, at, page})
	}
	code := env.LatestCode(token)
	for _, l := range logins[:2] {
		for i := 0; i < 4; i++ {
			env.SubmitCode(l.c, l.at, l.page, wrongCode(code))
		}
	}
	third := logins[2]
	env.SubmitCode(third.c, third.at, third.page, wrongCode(code))
	resp, body := env.SubmitCode(third.c, third.at, third.page, wrongCode(code))
	if resp.StatusCode != http.StatusLocked || !strings.Contains(errorText(body), "tạm khóa") {
		t.Fatalf("10th wrong code across logins: %d %q, want 423 and the lock", resp.StatusCode, errorText(body))
	}
	// The account is locked: even the right password is refused now.
	c := env.Client()
	if resp, _ := env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), an, app.DemoPassword); resp.StatusCode != http.StatusLocked {
		t.Fatalf("password after the code lock: %d, want 423", resp.StatusCode)
	}
}

// The code page's "Nhận mã xác nhận qua ứng dụng VNeID" works at once after an SMS code: it
// sends nothing over SMS. Switching back to SMS within the resend interval is refused with a
// message about waiting (not about a "Gửi lại mã" nobody pressed), and the page shows that
// switch disabled with its own countdown.
func TestChannelSwitch(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an, app.DemoPassword)
	c := env.Client()
	at, page := passwordDone(t, env, c)

	resp, page := env.Submit(c, channelForm(t, at, page, "app"), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Đã gửi mã xác nhận đăng nhập mới đến ứng dụng VNeID") {
		t.Fatalf("switch to the app right after the SMS: %d %q", resp.StatusCode, errorText(page))
	}
	var msgs struct {
		Messages []struct{ Channel string } `json:"messages"`
	}
	env.Phone().Call(http.MethodGet, "/messages", token, nil, &msgs)
	if len(msgs.Messages) == 0 || msgs.Messages[0].Channel != "app" {
		t.Fatalf("the switched code went by %+v, want app", msgs.Messages)
	}
	if m := regexp.MustCompile(`id="otp-switch" data-wait="(\d+)"`).FindStringSubmatch(page); m == nil || m[1] == "0" {
		t.Fatalf("the SMS switch is not shown waiting after a code was just sent: %v", m)
	}

	resp, body := env.Submit(c, channelForm(t, at, page, "sms"), nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("switch back to SMS within the minute: %d (Retry-After %q), want 429 with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if msg := errorText(body); !strings.Contains(msg, "Vui lòng đợi") || strings.Contains(msg, "Gửi lại mã") {
		t.Fatalf("refusal says %q", msg)
	}

	resp, _ = env.SubmitCode(c, at, page, env.LatestCode(token))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the in-app code after the switch: %d", resp.StatusCode)
	}
}
