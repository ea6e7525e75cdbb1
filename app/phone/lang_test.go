package phone_test

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
)

var scriptDict = regexp.MustCompile(`<script type="application/json" id="dvc-i18n">([^<]*)</script>`)

// The simulator's page in English: chosen with ?lang=en, then remembered by the cookie. Its
// texts, the demo accounts' lines and the texts its scripts build are English; only the
// citizens' names stay Vietnamese. Without the choice it is Vietnamese, as it was.
func TestShellInEnglish(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	for _, path := range []string{"/app/?lang=en", "/app/", "/app/scan"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			resp, body := env.Get(c, path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="en">`) {
				t.Fatalf("%s: %d, not an English page", path, resp.StatusCode)
			}
			for _, s := range []string{
				"VNeID simulator app – for demonstration only", "Log in", "Personal ID number", "Password",
				"Simulated accounts", "Tap to fill in. Password: " + app.DemoPassword + " · passcode: " + app.DemoPasscode,
				"001085012345 · level 2 · Sign in on websites is on", "Scan QR", "Take or choose a QR photo",
				"Paste the QR code&#39;s content", "Confirm login", "Enter passcode", "Messages", "Settings", "Log out",
				"Confirm only if you are logging in yourself on the real login screen of the National Public Service Portal. Never scan a QR code someone else sent you.",
				`aria-label="0 of 6 digits entered"`, `placeholder="Enter 12 digits"`, "The simulator app needs JavaScript.",
				"Nguyễn Văn An", env.URL + "/app/",
			} {
				if !strings.Contains(body, s) {
					t.Errorf("the English page lacks %q", s)
				}
			}
			if words := apptest.VietnameseWords(body); len(words) > 0 {
				t.Errorf("the English page shows Vietnamese: %s", strings.Join(words, " "))
			}

			// What the scripts write comes from the page's dictionary.
			m := scriptDict.FindStringSubmatch(body)
			if m == nil {
				t.Fatal("the English page gives its scripts no dictionary")
			}
			var dict map[string]string
			if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &dict); err != nil {
				t.Fatalf("the dictionary: %v", err)
			}
			for key, want := range map[string]string{
				"Đăng nhập thành công":                      "Logged in",
				"Tài khoản định danh điện tử mức %d":        "Level %d electronic identification account",
				"Nhập passcode để xác nhận đăng nhập %s":    "Enter your passcode to confirm logging in to %s",
				"Yêu cầu đăng nhập đã bị hủy trên máy tính": "The login request was cancelled on the computer",
				"Bạn đã được đăng xuất khỏi ứng dụng VNeID": "You have been logged out of the VNeID app",
				"Đã nhập %d trên 6 chữ số":                  "%d of 6 digits entered",
			} {
				if dict[key] != want {
					t.Errorf("the scripts read %q as %q, want %q", key, dict[key], want)
				}
			}
			for key, en := range dict {
				if strings.HasPrefix(key, "Đ") && en == key {
					t.Errorf("the dictionary leaves %q in Vietnamese", key)
				}
			}
		})
	}

	// Another browser, which chose nothing: Vietnamese, no dictionary, no English.
	_, body := env.Get(env.Client(), "/app/")
	if !strings.Contains(body, `<html lang="vi">`) || scriptDict.MatchString(body) {
		t.Fatal("a browser that chose nothing gets the app in English")
	}
	for _, s := range []string{"Ứng dụng mô phỏng VNeID – chỉ dùng để trình diễn", "Số định danh cá nhân", "Tài khoản mô phỏng",
		"001085012345 · mức 2 · đã bật Đăng nhập trên website", `aria-label="Đã nhập 0 trên 6 chữ số"`} {
		if !strings.Contains(body, s) {
			t.Errorf("the Vietnamese page lacks %q", s)
		}
	}
	for _, s := range []string{"Log in", "Personal ID number", "Simulated accounts"} {
		if strings.Contains(body, s) {
			t.Errorf("the Vietnamese page shows %q", s)
		}
	}
}

// The certificate guide and the refusal of /ca.crt without HTTPS, in English by the cookie.
func TestCertificateGuideInEnglish(t *testing.T) {
	env := apptest.New(t)
	c := env.Client()
	_, body := env.Get(c, "/cai-dat-chung-chi?lang=en")
	for _, s := range []string{`<html lang="en">`, "HTTPS certificate for phones", "The demo server is running on <strong>HTTP</strong> (not encrypted).",
		"Take or choose a QR photo", "<code>-tls</code>", "← Back to the VNeID simulator app"} {
		if !strings.Contains(body, s) {
			t.Errorf("the English guide lacks %q", s)
		}
	}
	if words := apptest.VietnameseWords(body); len(words) > 0 {
		t.Errorf("the English guide shows Vietnamese: %s", strings.Join(words, " "))
	}

	resp, body := env.Get(c, "/ca.crt")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "The server runs on HTTP, so there is no certificate to install.") {
		t.Errorf("/ca.crt without HTTPS, in English: %d %s", resp.StatusCode, apptest.PageError(body))
	}
	if words := apptest.VietnameseWords(body); len(words) > 0 {
		t.Errorf("the English refusal shows Vietnamese: %s", strings.Join(words, " "))
	}

	_, body = env.Get(env.Client(), "/cai-dat-chung-chi")
	if !strings.Contains(body, "Máy chủ demo đang chạy <strong>HTTP</strong> (chưa mã hóa).") || strings.Contains(body, "HTTPS certificate for phones") {
		t.Error("the guide is not Vietnamese for a browser that chose nothing")
	}
}
