package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dvclogin/app/apptest"
	"dvclogin/app/web"
)

var (
	htmlLang  = regexp.MustCompile(`<html lang="([a-z]+)">`)
	switchTag = regexp.MustCompile(`<a class="lang-switch" href="([^"]+)" hreflang="([a-z]+)" lang="[a-z]+">([^<]+)</a>`)
)

// page fetches path with the client's cookies and the given Accept-Language, and returns the
// page's language, its switch link and label, and the response.
func langOf(t *testing.T, env *apptest.Env, c *http.Client, path, accept string) (lang, href, label string, resp *http.Response) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
	if accept != "" {
		req.Header.Set("Accept-Language", accept)
	}
	resp, body := env.Do(c, req)
	m := htmlLang.FindStringSubmatch(body)
	s := switchTag.FindStringSubmatch(body)
	if m == nil || s == nil {
		t.Fatalf("%s: no <html lang> or no language switch in the page (%d)", path, resp.StatusCode)
	}
	href, _ = url.PathUnescape(strings.ReplaceAll(s[1], "&amp;", "&"))
	return m[1], href, s[3], resp
}

// The switch: Vietnamese unless asked; ?lang=en answers in English and is remembered for every
// actor by a cookie; ?lang=vi goes back. Accept-Language is only a guess: it changes the
// switch's words, never the page's language.
func TestLanguageSwitch(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()

	lang, href, label, resp := langOf(t, env, c, "/", "")
	if lang != "vi" || href != "/?lang=en" || label != "English" {
		t.Fatalf("first visit: lang %q, switch %q %q", lang, href, label)
	}
	if resp.Header.Get("Vary") == "" || !strings.Contains(resp.Header.Get("Vary"), "Cookie") {
		t.Errorf("a page whose language a cookie chooses has Vary %q", resp.Header.Get("Vary"))
	}

	lang, href, label, _ = langOf(t, env, c, "/dang-nhap", "en-US,en;q=0.9")
	if lang != "vi" || label != "View this page in English" || href != "/dang-nhap?lang=en" {
		t.Fatalf("an English browser: lang %q, switch %q %q", lang, href, label)
	}

	lang, href, label, resp = langOf(t, env, c, "/dang-nhap?lang=en", "")
	if lang != "en" || label != "Tiếng Việt" || href != "/dang-nhap?lang=vi" {
		t.Fatalf("?lang=en: lang %q, switch %q %q", lang, href, label)
	}
	var ck *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == web.LangCookie {
			ck = k
		}
	}
	if ck == nil || ck.Value != "en" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge <= 0 {
		t.Fatalf("?lang=en set the cookie %+v", ck)
	}

	// The cookie alone: every actor, the error page and the JSON errors.
	for _, path := range []string{"/", "/console/login", "/app/", "/cai-dat-chung-chi", "/khong-co-trang-nay", "/static/js/none.js"} {
		if lang, _, _, _ := langOf(t, env, c, path, "vi"); lang != "en" {
			t.Errorf("%s with the cookie: lang %q", path, lang)
		}
	}
	_, body := env.Get(c, "/khong-co-trang-nay")
	if !strings.Contains(body, "Page not found") || strings.Contains(body, "Không tìm thấy trang") {
		t.Errorf("the 404 page in English: %s", apptest.PageError(body))
	}
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/mobile/v1/login", strings.NewReader("{"))
	req.Header.Set("Content-Type", "application/json")
	resp, body = env.Do(c, req)
	var answer struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil || resp.StatusCode != http.StatusBadRequest ||
		answer.Error.Message != "The data sent is invalid." {
		t.Errorf("a JSON error with the cookie: %d %s", resp.StatusCode, body)
	}

	// Back to Vietnamese; a language we do not speak changes nothing.
	if lang, _, _, _ := langOf(t, env, c, "/?lang=vi", ""); lang != "vi" {
		t.Fatalf("?lang=vi: %q", lang)
	}
	if lang, _, _, resp := langOf(t, env, c, "/?lang=fr", ""); lang != "vi" || len(resp.Cookies()) != 0 {
		t.Errorf("?lang=fr: lang %q, cookies %v", lang, resp.Cookies())
	}
	if lang, _, _, _ := langOf(t, env, c, "/console/login", ""); lang != "vi" {
		t.Errorf("after ?lang=vi the console is %q", lang)
	}
}

// A page answering a POST links its switch to the page's own address, never to the POST's.
func TestLanguageSwitchAfterPost(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	resp, body := env.PostForm(c, "/console/login", url.Values{"password": {"sai"}})
	s := switchTag.FindStringSubmatch(body)
	if s == nil {
		t.Fatalf("no switch on the console login after a POST (%d)", resp.StatusCode)
	}
	if href := strings.ReplaceAll(s[1], "&amp;", "&"); href != "/console/login?lang=en" {
		t.Errorf("switch after POST: %q", href)
	}
}
