package phone_test

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/assets"
)

// scripts are the simulator's scripts, in the order the page must load them: the API client
// before the screens that use them. The decoder is loaded by the scanner when it opens.
var scripts = []string{"phone-api.js", "phone-scan.js", "phone-pad.js", "phone-match.js", "phone-inbox.js", "phone-totp.js", "phone-sim.js", "phone-device.js", "phone-sessions.js", "phone.js"}

func get(t *testing.T, env *apptest.Env, path string) (*http.Response, string) {
	t.Helper()
	res, err := env.Client().Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestShell(t *testing.T) {
	env := apptest.New(t)
	cases := []struct {
		name string
		path string
	}{
		{"App", "/app/"},
		// The QR's URL is /app/scan#FRAME; the fragment never reaches the server.
		{"ScanURL", "/app/scan"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := get(t, env, tc.path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want text/html", ct)
			}
			headers := map[string]string{
				"Content-Security-Policy": "script-src 'self'",
				"Cache-Control":           "no-store",
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "no-referrer",
			}
			for h, want := range headers {
				if got := res.Header.Get(h); !strings.Contains(got, want) {
					t.Errorf("%s = %q, want it to contain %q", h, got, want)
				}
			}
			if c := res.Header.Values("Set-Cookie"); len(c) > 0 {
				t.Errorf("the simulator page sets cookies %q; the app authenticates with a bearer token only", c)
			}
			last := -1
			for _, s := range scripts {
				tag := regexp.MustCompile(`<script src="/static/js/` + regexp.QuoteMeta(s) + `\?v=[0-9a-f]{16}" defer></script>`)
				loc := tag.FindStringIndex(body)
				if loc == nil {
					t.Errorf("missing the versioned script tag of %s", s)
					continue
				}
				i := loc[0]
				if i < last {
					t.Errorf("%s loads out of order", s)
				}
				last = i
			}
			for _, s := range []string{
				"Quét QR", "Đăng nhập trên website", "Cập nhật", "Đăng nhập", "Số định danh cá nhân",
				"Xác nhận đăng nhập", "Nhập passcode", "Tin nhắn", "Cài đặt", "Đăng xuất",
				"Chụp ảnh / chọn ảnh mã QR", "Dán nội dung mã QR",
				"Ứng dụng mô phỏng VNeID – chỉ dùng để trình diễn",
				"Chỉ xác nhận khi bạn đang tự đăng nhập trên màn hình đăng nhập thật của Cổng Dịch vụ công Quốc gia. Không quét mã QR do người khác gửi cho bạn.",
				env.URL + "/app/",
			} {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
		})
	}
}

func TestShellHasNoInlineCode(t *testing.T) {
	env := apptest.New(t)
	_, body := get(t, env, "/app/")
	// The CSP (script-src 'self'; style-src 'self') would block these silently in a browser.
	checks := []struct {
		name string
		re   *regexp.Regexp
	}{
		{"InlineScript", regexp.MustCompile(`<script(\s[^>]*)?>[^<]`)},
		{"ScriptWithoutSrc", regexp.MustCompile(`<script(\s+(type|defer|async)(="[^"]*")?)*\s*>`)},
		{"StyleElement", regexp.MustCompile(`<style[\s>]`)},
		{"StyleAttribute", regexp.MustCompile(`\sstyle=`)},
		{"EventHandlerAttribute", regexp.MustCompile(`\son[a-z]+=`)},
		{"JavaScriptURL", regexp.MustCompile(`(?i)javascript:`)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if m := c.re.FindString(body); m != "" {
				t.Errorf("found %q", m)
			}
		})
	}
}

func TestShellRedirectsBareApp(t *testing.T) {
	env := apptest.New(t)
	res, _ := get(t, env, "/app")
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/app/" {
		t.Fatalf("GET /app: %d Location %q, want 302 /app/", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestShellAssetsAreServed(t *testing.T) {
	env := apptest.New(t)
	_, body := get(t, env, "/app/")
	refs := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(refs) < len(scripts)+2 {
		t.Fatalf("only %d static references in the page", len(refs))
	}
	types := map[string]string{".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
	seen := map[string]bool{}
	for _, r := range refs {
		path := r[1]
		if seen[path] {
			continue
		}
		seen[path] = true
		t.Run(strings.TrimPrefix(path, "/static/"), func(t *testing.T) {
			res, content := get(t, env, path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			for ext, want := range types {
				if strings.HasSuffix(path, ext) && !strings.HasPrefix(res.Header.Get("Content-Type"), want) {
					t.Errorf("Content-Type %q, want %s", res.Header.Get("Content-Type"), want)
				}
			}
			if content == "" {
				t.Error("empty body")
			}
		})
	}
}

func TestVendoredDecoder(t *testing.T) {
	env := apptest.New(t)
	res, body := get(t, env, "/static/js/vendor/jsQR.js")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	// nosniff makes browsers refuse a script served with a non-JavaScript type.
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type %q, want text/javascript", ct)
	}
	for _, s := range []string{"Apache License 2.0", `root["jsQR"] = factory()`} {
		if !strings.Contains(body, s) {
			t.Errorf("decoder lacks %q", s)
		}
	}
	res, body = get(t, env, "/static/js/vendor/LICENSE")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Apache License") {
		t.Errorf("LICENSE: status %d", res.StatusCode)
	}
}

// TestShellElementIDs keeps the page and its scripts in step: every element a script looks up
// exists exactly once, and so does every id a browser test drives.
func TestShellElementIDs(t *testing.T) {
	env := apptest.New(t)
	_, body := get(t, env, "/app/")
	count := map[string]int{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		count[m[1]]++
	}
	for id, n := range count {
		if n > 1 {
			t.Errorf("id %q appears %d times", id, n)
		}
	}
	want := map[string]string{}
	for _, id := range []string{
		"phone", "login-id", "login-password", "login-password-toggle", "login-submit", "login-note", "login-error",
		"scan-open", "scan-file", "scan-text", "scan-text-submit", "perm-update", "perm-close",
		"weblogin-toggle", "weblogin-confirm", "confirm-accept", "confirm-deny", "confirm-notme", "pk-del",
		"nav-home", "nav-scan", "nav-messages", "nav-settings", "logout", "result-rescan", "result-home",
		"demo-001085012345", "demo-079190054321", "demo-048201067890",
	} {
		want[id] = "browser tests"
	}
	for d := '0'; d <= '9'; d++ {
		want["pk-"+string(d)] = "browser tests"
	}
	lookup := regexp.MustCompile(`\$\("([^"]+)"\)`)
	for _, s := range scripts {
		_, js := get(t, env, "/static/js/"+s)
		for _, m := range lookup.FindAllStringSubmatch(js, -1) {
			want[m[1]] = s
		}
	}
	for id, by := range want {
		if count[id] != 1 {
			t.Errorf("%s needs an element with id %q", by, id)
		}
	}
}

func TestShellDemoAccounts(t *testing.T) {
	cases := []struct {
		name string
		seed bool
		want []string
		not  []string
	}{
		{"Seeded", true, []string{"Tài khoản mô phỏng", "001085012345", "Nguyễn Văn An", "079190054321",
			"Trần Thị Bình", "048201067890", "Lê Minh Châu", `data-password="` + app.DemoPassword + `"`, app.DemoPasscode}, nil},
		// Offer only citizens that exist: a fill-in for a missing account would only fail.
		{"NotSeeded", false, nil, []string{"Tài khoản mô phỏng", "001085012345"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t, func(c *app.Config) { c.Seed = tc.seed })
			_, body := get(t, env, "/app/")
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(body, s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}
}

// TestScriptsParse catches a syntax error, which would leave every screen dead, with Node's
// parser where Node is installed.
func TestScriptsParse(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	for _, s := range scripts {
		t.Run(s, func(t *testing.T) {
			src, err := fs.ReadFile(assets.FS, "static/js/"+s)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), s)
			if err := os.WriteFile(path, src, 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(node, "--check", path).CombinedOutput(); err != nil {
				t.Errorf("%s does not parse: %v\n%s", s, err, out)
			}
		})
	}
}
