package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

func TestHomePage(t *testing.T) {
	env := apptest.New(t)
	resp, body := env.Get(env.Client(), "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`href="/dang-nhap"`, ">Đăng nhập<", "CỔNG DỊCH VỤ CÔNG QUỐC GIA", "Bản mô phỏng",
		"Thông tin và dịch vụ", "Thanh toán trực tuyến", "Phản ánh kiến nghị", "Hỗ trợ",
		"Tra cứu TTHC", "Tham vấn thủ tục hành chính", "Gửi PAKN", "Tra cứu kết quả trả lời", "Điều khoản sử dụng",
		"Cơ quan chủ quản: Văn phòng Chính phủ", "www.dichvucong.gov.vn", "Tổng đài hỗ trợ: 18001096",
		"Email: dichvucong@chinhphu.vn", `src="/static/js/portal.js?v=`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	// No dead links: every in-page anchor of the menu has its section.
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if !strings.Contains(body, `id="`+m[1]+`"`) {
			t.Errorf("menu anchor #%s has no section", m[1])
		}
	}
	if strings.Contains(body, "Bạn đã đăng xuất") {
		t.Error("a fresh visit says the user logged out")
	}
	// Every static file the page uses is served.
	for _, m := range regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(body, -1) {
		if r, _ := env.Get(env.Client(), m[1]); r.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", m[1], r.StatusCode)
		}
	}
}

func TestHomeSearchWithoutScript(t *testing.T) {
	env := apptest.New(t)
	tests := []struct {
		name, q   string
		shown     []string
		hidden    []string
		noResults bool
	}{
		{"Diacritics", "khai sinh", []string{"Đăng ký khai sinh"}, []string{"Đăng ký kết hôn"}, false},
		{"WithoutDiacritics", "dang ky ket hon", []string{"Đăng ký kết hôn"}, []string{"Đăng ký khai sinh"}, false},
		{"Field", "ho tich", []string{"Đăng ký khai sinh", "Đăng ký kết hôn"}, []string{"Cấp hộ chiếu phổ thông"}, false},
		{"NoMatch", "xyz", nil, []string{"Đăng ký khai sinh"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, body := env.Get(env.Client(), "/?q="+url.QueryEscape(tc.q))
			for _, name := range tc.shown {
				if !regexp.MustCompile(`<li data-search="[^"]*">\s*<span class="proc-name">` + name).MatchString(body) {
					t.Errorf("%q is not shown", name)
				}
			}
			for _, name := range tc.hidden {
				if !regexp.MustCompile(`<li data-search="[^"]*" class="hidden">\s*<span class="proc-name">` + name).MatchString(body) {
					t.Errorf("%q is not hidden", name)
				}
			}
			empty := strings.Contains(body, `<p class="muted" id="procedure-empty">`)
			if empty != tc.noResults {
				t.Errorf("no-results notice shown=%v, want %v", empty, tc.noResults)
			}
		})
	}
}

func TestChooser(t *testing.T) {
	env := apptest.New(t)
	resp, body := env.Get(env.Client(), "/dang-nhap")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		"Chọn loại tài khoản bạn muốn sử dụng đăng nhập", "Cổng dịch vụ công Quốc Gia",
		"Tài khoản cấp bởi Cổng dịch vụ công quốc gia dành cho Doanh nghiệp/Tổ chức",
		"Tài khoản Định danh điện tử cấp bởi Bộ Công an dành cho Công dân",
		"Tài khoản Định danh điện tử cấp bởi Bộ Công an dành cho Tổ chức, doanh nghiệp",
		"Thông báo từ hệ thống:",
		"Khi đăng nhập các thông tin cá nhân (Họ và tên, ngày sinh, giới tính, số điện thoại,...) được đồng bộ từ VNeID sang Cổng Dịch vụ công Quốc gia để phục vụ giải quyết TTHC",
		"Cơ quan chủ quản: Văn phòng Chính phủ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("chooser lacks %q", want)
		}
	}
	// Only the citizen card is live; the organisation cards are disabled, not links.
	if n := strings.Count(body, `href="/dang-nhap/vneid"`); n != 1 {
		t.Errorf("%d links to /dang-nhap/vneid, want 1", n)
	}
	if n := strings.Count(body, `aria-disabled="true"`); n != 2 {
		t.Errorf("%d disabled cards, want 2", n)
	}
}

// The return path rides along only when it is a path on this site: anything a browser could
// read as another host is dropped (no open redirect after login).
func TestChooserReturnPath(t *testing.T) {
	env := apptest.New(t)
	tests := []struct {
		name, next, link string
	}{
		{"OK", "/tai-khoan", `href="/dang-nhap/vneid?next=%2ftai-khoan"`},
		{"OKQuery", "/?q=khai", `href="/dang-nhap/vneid?next=%2f%3fq%3dkhai"`},
		{"ErrProtocolRelative", "//evil.example/x", `href="/dang-nhap/vneid"`},
		{"ErrBackslash", `/\evil.example`, `href="/dang-nhap/vneid"`},
		{"ErrAbsolute", "http://evil.example/", `href="/dang-nhap/vneid"`},
		{"ErrRelative", "evil", `href="/dang-nhap/vneid"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, body := env.Get(env.Client(), "/dang-nhap?next="+url.QueryEscape(tc.next))
			if !strings.Contains(strings.ToLower(body), strings.ToLower(tc.link)) {
				t.Errorf("chooser link: want %s", tc.link)
			}
			if strings.Contains(body, "evil") {
				t.Error("the foreign target reached the page")
			}
		})
	}
}

// startLogin opens /dang-nhap/vneid in c and returns the authorization request it redirects to.
func startLogin(t *testing.T, env *apptest.Env, c *http.Client) url.Values {
	t.Helper()
	resp, body := env.Get(c, "/dang-nhap/vneid")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("/dang-nhap/vneid: status %d, want 302 (is the IdP's discovery up?)\n%s", resp.StatusCode, body)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != env.URL+"/idp/authorize" {
		t.Fatalf("redirect to %s, want %s/idp/authorize", got, env.URL)
	}
	return loc.Query()
}

func TestStartLoginRedirectsToAuthorize(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	q := startLogin(t, env, c)
	want := map[string]string{
		"client_id": "dvc-portal", "response_type": "code", "redirect_uri": env.URL + "/sso",
		"code_challenge_method": "S256",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	scopes := strings.Fields(q.Get("scope"))
	for _, s := range []string{"openid", "profile", "phone"} {
		if !strings.Contains(" "+strings.Join(scopes, " ")+" ", " "+s+" ") {
			t.Errorf("scope %q lacks %s", q.Get("scope"), s)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 22 {
			t.Errorf("%s %q is missing or short", k, q.Get(k))
		}
	}
	// A second login in the same browser gets its own state, nonce and challenge.
	q2 := startLogin(t, env, c)
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if q.Get(k) == q2.Get(k) {
			t.Errorf("%s repeated across logins", k)
		}
	}
}

func TestAccountNeedsLogin(t *testing.T) {
	env := apptest.New(t)
	resp, _ := env.Get(env.Client(), "/tai-khoan")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/dang-nhap" {
		t.Fatalf("status %d location %q, want 302 /dang-nhap", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The callback accepts only a state this browser started, once; an error from the IdP is
// explained with a way back to the login.
func TestCallbackChecksState(t *testing.T) {
	env := apptest.New(t)
	tests := []struct {
		name    string
		start   bool   // start a login first (the browser has a pending state)
		query   string // STATE is replaced by the started login's state
		status  int
		message string
	}{
		{"ErrNoSession", false, "state=abc&code=xyz", http.StatusBadRequest, "Phiên đăng nhập đã hết hạn"},
		{"ErrWrongState", true, "state=abc&code=xyz", http.StatusBadRequest, "Phiên đăng nhập đã hết hạn"},
		{"ErrMissingState", true, "code=xyz", http.StatusBadRequest, "Phiên đăng nhập đã hết hạn"},
		{"Cancelled", true, "state=STATE&error=access_denied", http.StatusOK, "Bạn đã hủy đăng nhập"},
		{"LoginRequired", true, "state=STATE&error=login_required", http.StatusOK, "Bạn cần đăng nhập"},
		{"ErrNoCode", true, "state=STATE", http.StatusBadRequest, "Đăng nhập không thành công"},
		{"ErrBadCode", true, "state=STATE&code=forged", http.StatusBadGateway, "Không xác thực được"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := env.Client()
			query := tc.query
			if tc.start {
				query = strings.Replace(query, "STATE", url.QueryEscape(startLogin(t, env, c).Get("state")), 1)
			}
			resp, body := env.Get(c, "/sso?"+query)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.message) {
				t.Fatalf("status %d, want %d with %q\n%s", resp.StatusCode, tc.status, tc.message, body)
			}
			if !strings.Contains(body, "Đăng nhập lại") {
				t.Error("no way back to the login")
			}
			if resp, _ := env.Get(c, "/tai-khoan"); resp.StatusCode != http.StatusFound {
				t.Errorf("/tai-khoan after a refused callback: %d, want 302", resp.StatusCode)
			}
			// A state is good for one answer.
			if tc.start && strings.Contains(query, "state=") {
				if resp, _ := env.Get(c, "/sso?"+query); resp.StatusCode != http.StatusBadRequest {
					t.Errorf("replayed callback: %d, want 400", resp.StatusCode)
				}
			}
		})
	}
}

// A browser keeps a few logins in flight (tabs), oldest dropped first.
func TestPendingLoginsAreBounded(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	var states []string
	for range 7 {
		states = append(states, startLogin(t, env, c).Get("state"))
	}
	cancel := func(state string) int {
		resp, _ := env.Get(c, "/sso?error=access_denied&state="+url.QueryEscape(state))
		return resp.StatusCode
	}
	if st := cancel(states[0]); st != http.StatusBadRequest {
		t.Errorf("oldest login: %d, want 400 (dropped)", st)
	}
	for _, s := range states[3:] {
		if st := cancel(s); st != http.StatusOK {
			t.Errorf("recent login: %d, want 200", st)
		}
	}
}

func TestLogoutCSRF(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	_, home := env.Get(c, "/")
	token := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindStringSubmatch(home)
	if token == nil {
		t.Fatal("home page has no CSRF token")
	}
	tests := []struct {
		name   string
		token  string
		origin string
		status int
	}{
		{"ErrNoToken", "", "", http.StatusForbidden},
		{"ErrForgedToken", "forged", "", http.StatusForbidden},
		{"ErrForeignOrigin", token[1], "http://evil.example", http.StatusForbidden},
		{"OK", token[1], env.URL, http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := url.Values{}
			if tc.token != "" {
				v.Set("csrf_token", tc.token)
			}
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/dang-xuat", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, _ := env.Do(c, req)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

// Every portal page carries the security headers; auth pages are never cached; every cookie
// the portal sets is HttpOnly with SameSite.
func TestPortalHeadersAndCookies(t *testing.T) {
	env := apptest.New(t)
	tests := []struct {
		path    string
		noStore bool
	}{
		{"/", false},
		{"/dang-nhap", true},
		{"/dang-nhap/vneid", true},
		{"/sso?state=x&code=y", true},
		{"/tai-khoan", true},
		{"/static/css/portal.css", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, _ := env.Get(env.Client(), tc.path)
			h := resp.Header
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
				!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Errorf("nosniff %q, Referrer-Policy %q", h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
			}
			if tc.noStore && !strings.Contains(h.Get("Cache-Control"), "no-store") {
				t.Errorf("Cache-Control %q, want no-store", h.Get("Cache-Control"))
			}
			for _, ck := range resp.Cookies() {
				if !ck.HttpOnly || ck.SameSite == http.SameSiteDefaultMode || ck.Path != "/" {
					t.Errorf("cookie %s HttpOnly=%v SameSite=%v Path=%q", ck.Name, ck.HttpOnly, ck.SameSite, ck.Path)
				}
			}
		})
	}
	resp, _ := env.Get(env.Client(), "/dang-nhap/vneid")
	if !hasCookie(resp, "dvc_portal") {
		t.Error("/dang-nhap/vneid set no portal session cookie")
	}
}

func hasCookie(resp *http.Response, name string) bool {
	for _, ck := range resp.Cookies() {
		if ck.Name == name && ck.Value != "" {
			return true
		}
	}
	return false
}

// loginToIdP starts a portal login in c and passes the IdP's password and SMS code steps,
// stopping at the IdP's redirect back to /sso, which it returns unfollowed.
func loginToIdP(t *testing.T, env *apptest.Env, c *http.Client, next string) *url.URL {
	t.Helper()
	lp := env.OpenLoginAt(c, "/dang-nhap/vneid?next="+url.QueryEscape(next)) // fails unless it reaches the IdP login page
	token := env.AppLogin("001085012345", app.DemoPassword)
	resp, body := env.PasswordStep(c, lp, "001085012345", app.DemoPassword)
	codeAt, codePage := env.CodeStep(c, resp, body)
	resp, body = env.SubmitCode(c, codeAt, codePage, env.LatestCode(token))
	// The IdP may pass through its own callback before sending the browser to /sso.
	sso := func(u *url.URL) bool { return strings.HasPrefix(u.String(), env.URL+"/sso?") }
	resp, _, at := env.FollowUntil(c, resp, body, sso)
	if !sso(at) {
		t.Fatalf("IdP stopped with %d at %s before /sso", resp.StatusCode, at)
	}
	return at
}

func TestLoginAccountLogout(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	_, _ = env.Get(c, "/dang-nhap/vneid") // a pre-login session id exists before the login
	base, _ := url.Parse(env.URL)
	planted := cookieValue(c, base, "dvc_portal")
	if planted == "" {
		t.Fatal("no pre-login session")
	}

	callback := loginToIdP(t, env, c, "/?q=khai")
	resp, _ := env.Get(c, callback.String())
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/?q=khai" {
		t.Fatalf("callback: %d to %q, want 302 to the return path", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := env.Get(c, "/tai-khoan")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/tai-khoan: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"Nguyễn Văn An", "Thông tin tài khoản", "Thông tin định danh", "001085012345", "12/03/1985", "Nam",
		"0912345678", "Tài khoản định danh điện tử mức 2", "mã OTP gửi qua SMS", "Thông tin được đồng bộ từ VNeID",
		"Đăng xuất",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if _, home := env.Get(c, "/"); !strings.Contains(home, "Nguyễn Văn An") || strings.Contains(home, `class="btn-login"`) {
		t.Error("home page does not show the citizen's name instead of Đăng nhập")
	}

	// Session fixation: the id the browser had before login is dead.
	if cookieValue(c, base, "dvc_portal") == planted {
		t.Fatal("the session id did not change at login")
	}
	old := env.Client()
	old.Jar.SetCookies(base, []*http.Cookie{{Name: "dvc_portal", Value: planted, Path: "/"}})
	if resp, _ := env.Get(old, "/tai-khoan"); resp.StatusCode != http.StatusFound {
		t.Errorf("the pre-login session id opens /tai-khoan: %d", resp.StatusCode)
	}
	// The code was redeemed once: replaying the callback does not log anyone in.
	other := env.Client()
	if resp, _ := env.Get(other, callback.String()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback replayed in another browser: %d, want 400", resp.StatusCode)
	}

	events, err := env.App.Store().ListAudit(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range events {
		audited = audited || (e.Actor == "portal" && e.Action == "login" && e.CitizenID != "")
	}
	if !audited {
		t.Error("no portal login in the audit trail")
	}

	// Logout: portal session gone, then a page that POSTs the hint to the IdP's end_session:
	// the ID token is in no URL, and the form submits itself with a script the CSP allows.
	f := apptest.FormWith(t, env.URL+"/tai-khoan", body, "csrf_token")
	if !strings.HasSuffix(f.Action, "/dang-xuat") {
		t.Fatalf("logout form posts to %s", f.Action)
	}
	resp, page := env.Submit(c, f, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
		t.Fatalf("logout: %d to %q, want the logout page", resp.StatusCode, resp.Header.Get("Location"))
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	dr, raw := env.Get(env.Client(), "/idp/.well-known/openid-configuration")
	if dr.StatusCode != http.StatusOK || json.Unmarshal([]byte(raw), &meta) != nil || meta.EndSession == "" {
		t.Fatal("discovery has no end_session_endpoint")
	}
	lf := apptest.FormWith(t, env.URL+"/dang-xuat", page, "id_token_hint")
	if lf.Action != meta.EndSession || !strings.EqualFold(lf.Method, "post") || strings.Contains(lf.Action, "?") ||
		lf.Fields.Get("id_token_hint") == "" || lf.Fields.Get("post_logout_redirect_uri") != env.URL+"/" ||
		lf.Fields.Get("client_id") != "dvc-portal" || lf.Fields.Get("state") == "" {
		t.Fatalf("logout form %+v", lf)
	}
	if !strings.Contains(page, `<script src="/static/js/autosubmit.js?v=`) || strings.Contains(page, "<script>") ||
		!strings.Contains(page, "data-autosubmit") || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Error("the logout page does not submit itself with the allowed script, or may be cached")
	}
	if resp, _ := env.Get(c, "/static/js/autosubmit.js"); resp.StatusCode != http.StatusOK {
		t.Errorf("autosubmit.js: %d", resp.StatusCode)
	}
	if resp, _ := env.Get(c, "/tai-khoan"); resp.StatusCode != http.StatusFound {
		t.Errorf("/tai-khoan after logout: %d, want 302", resp.StatusCode)
	}
	resp, home := env.Submit(c, lf, nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, env.URL+"/?state=") {
		t.Fatalf("end_session: %d to %q", resp.StatusCode, loc)
	}
	resp, home, at := env.Follow(c, resp, home)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(at, env.URL+"/?state=") || !strings.Contains(home, "Bạn đã đăng xuất") {
		t.Fatalf("after end_session: %d at %s", resp.StatusCode, at)
	}
	if strings.Contains(home, "Nguyễn Văn An") {
		t.Error("home page still shows the citizen after logout")
	}
	// The notice needs a state the portal made.
	if _, h := env.Get(c, "/?state=lo-forged.abc"); strings.Contains(h, "Bạn đã đăng xuất") {
		t.Error("a forged state shows the logout notice")
	}
}

func cookieValue(c *http.Client, u *url.URL, name string) string {
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// A return path that is not on this site is dropped at login: the callback then lands on the
// account page, never on another host.
func TestLoginIgnoresForeignReturnPath(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	callback := loginToIdP(t, env, c, "//evil.example/x")
	resp, _ := env.Get(c, callback.String())
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/tai-khoan" {
		t.Fatalf("callback: %d to %q, want 302 to /tai-khoan", resp.StatusCode, resp.Header.Get("Location"))
	}
}
