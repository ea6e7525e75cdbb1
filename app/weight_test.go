package app_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// firstLoadLimit is the most a page may cost a phone on its first load: the page and
// everything it links to, as sent (compressed where the server compresses).
const firstLoadLimit = 150 << 10

var linked = regexp.MustCompile(`<(?:link|script|img)\b[^>]*\s(?:href|src)="([^"]+)"`)

// TestFirstLoadWeight: every page a citizen or a trainer opens first, with what it links to,
// stays under 150 KB and asks nothing of another origin (the product runs offline).
func TestFirstLoadWeight(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	lp := env.OpenLogin(c, client.NewPKCE(), nil)
	resp, body := env.PasswordStep(c, lp, "001085012345", app.DemoPassword)
	_, otpBody := env.CodeStep(c, resp, body)
	pages := map[string]string{"IdPLogin": lp.Body, "IdPCode": otpBody}
	for name, path := range map[string]string{"PortalHome": "/", "PortalChooser": "/dang-nhap",
		"PhoneApp": "/app/", "ConsoleLogin": "/console/login"} {
		_, pages[name] = env.Get(env.Client(), env.URL+path)
	}
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for name, html := range pages {
		t.Run(name, func(t *testing.T) {
			total := len(html)
			seen := map[string]bool{}
			for _, m := range linked.FindAllStringSubmatch(html, -1) {
				ref := strings.ReplaceAll(m[1], "&amp;", "&")
				u, err := url.Parse(ref)
				if err != nil {
					t.Fatalf("unparsable link %q", ref)
				}
				if u.Scheme == "data" {
					continue
				}
				if u.Host != "" || u.Scheme != "" {
					t.Errorf("links to another origin: %s", ref)
					continue
				}
				if seen[ref] {
					continue
				}
				seen[ref] = true
				req, _ := http.NewRequest(http.MethodGet, env.URL+ref, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				res, err := raw.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Errorf("%s: %d", ref, res.StatusCode)
				}
				total += int(n)
			}
			if len(seen) == 0 {
				t.Fatal("the page links to nothing: the pattern no longer finds its assets")
			}
			if total > firstLoadLimit {
				t.Errorf("first load %d bytes, over %d", total, firstLoadLimit)
			}
			t.Logf("%s: %d bytes in %d files", name, total, len(seen)+1)
		})
	}
}

// TestMissingStaticFileIsTheVietnamesePage: a wrong /static/ address gets the site's own 404
// page, not Go's "404 page not found".
func TestMissingStaticFileIsTheVietnamesePage(t *testing.T) {
	env := apptest.New(t)
	res, body := env.Get(env.Client(), env.URL+"/static/js/khong-co.js")
	if res.StatusCode != http.StatusNotFound || strings.Contains(body, "404 page not found") || !apptest.IsVietnamese(apptest.PageError(body)) {
		t.Fatalf("missing static file: %d %q", res.StatusCode, apptest.PageError(body))
	}
}

// TestForgotLinksExplain: "Quên mật khẩu?" and "Quên passcode?" are not dead: they say that the
// simulation has no reset and whom to ask.
func TestForgotLinksExplain(t *testing.T) {
	env := apptest.New(t)
	lp := env.OpenLogin(env.Client(), client.NewPKCE(), nil)
	_, phone := env.Get(env.Client(), env.URL+"/app/")
	for name, tc := range map[string]struct{ page, summary string }{
		"IdPPassword":   {lp.Body, "Quên mật khẩu?"},
		"PhonePassword": {phone, "Quên mật khẩu?"},
		"PhonePasscode": {phone, "Quên passcode?"},
	} {
		re := regexp.MustCompile(`<summary>` + regexp.QuoteMeta(tc.summary) + `</summary>\s*<p[^>]*>([^<]+)</p>`)
		m := re.FindStringSubmatch(tc.page)
		if m == nil || !strings.Contains(m[1], "liên hệ cán bộ hướng dẫn") {
			t.Errorf("%s: %q does not explain whom to ask (%v)", name, tc.summary, m)
		}
	}
}
