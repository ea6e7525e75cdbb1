package web

import (
	"errors"
	"strings"
	"testing"
	"time"

	"dvclogin/store"
)

func TestNewOIDCClient(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	ok := []string{"https://dichvu.example.vn/callback"}
	tests := []struct {
		name      string
		id, cname string
		redirects []string
		logouts   []string
		public    bool
		msg       string // part of the Vietnamese refusal; "" when accepted
	}{
		{"OK", "ho-tich.v2", "Hộ tịch điện tử", ok, []string{"https://dichvu.example.vn/"}, false, ""},
		{"OKPublicNativeScheme", "app_di-dong", "Ứng dụng", []string{"com.example.app:/cb"}, nil, true, ""},
		{"OKHTTPOnLAN", "noi-bo", "Nội bộ", []string{"http://192.168.1.50:3000/cb"}, nil, false, ""},
		{"OKOpaqueScheme", "app2", "Ứng dụng", []string{"myapp:callback"}, nil, true, ""},
		{"ErrNoID", "", "Tên", ok, nil, false, "Vui lòng nhập mã ứng dụng"},
		{"ErrIDShort", "ab", "Tên", ok, nil, false, "3–64 ký tự"},
		{"ErrIDUpper", "HoTich", "Tên", ok, nil, false, "chữ thường"},
		{"ErrIDLeadingDash", "-hotich", "Tên", ok, nil, false, "bắt đầu bằng chữ hoặc số"},
		{"ErrIDLong", strings.Repeat("a", 65), "Tên", ok, nil, false, "3–64 ký tự"},
		{"ErrIDDiacritics", "hộ-tịch", "Tên", ok, nil, false, "không dấu"},
		{"ErrIDBuiltinPortal", "dvc-portal", "Tên", ok, nil, false, "ứng dụng có sẵn"},
		{"ErrIDBuiltinDemo", "demo-app", "Tên", ok, nil, false, "ứng dụng có sẵn"},
		{"ErrNoName", "ho-tich", "  ", ok, nil, false, "Vui lòng nhập tên dịch vụ"},
		{"ErrNameControl", "ho-tich", "Hộ\ntịch", ok, nil, false, "ký tự không hợp lệ"},
		{"ErrNameLong", "ho-tich", strings.Repeat("ệ", 121), ok, nil, false, "tối đa 120"},
		{"ErrNoRedirect", "ho-tich", "Tên", []string{" ", ""}, nil, false, "ít nhất một địa chỉ chuyển hướng"},
		{"ErrRelative", "ho-tich", "Tên", []string{"/callback"}, nil, false, "địa chỉ đầy đủ"},
		{"ErrNoScheme", "ho-tich", "Tên", []string{"dichvu.example.vn/cb"}, nil, false, "địa chỉ đầy đủ"},
		{"ErrUpperScheme", "ho-tich", "Tên", []string{"HTTPS://dichvu.example.vn/cb"}, nil, false, "chữ thường"},
		{"ErrFragment", "ho-tich", "Tên", []string{"https://dichvu.example.vn/cb#x"}, nil, false, "fragment"},
		{"ErrEmptyFragment", "ho-tich", "Tên", []string{"https://dichvu.example.vn/cb#"}, nil, false, "fragment"},
		{"ErrWildcard", "ho-tich", "Tên", []string{"https://*.example.vn/cb"}, nil, false, "ký tự đại diện"},
		{"ErrSpace", "ho-tich", "Tên", []string{"https://dichvu.example.vn/c b"}, nil, false, "khoảng trắng"},
		{"ErrNoHost", "ho-tich", "Tên", []string{"https:///cb"}, nil, false, "host"},
		{"ErrUserInfo", "ho-tich", "Tên", []string{"https://evil@dichvu.example.vn/cb"}, nil, false, "user@"},
		{"ErrJavascript", "ho-tich", "Tên", []string{"javascript:alert(1)"}, nil, false, "scheme javascript"},
		{"ErrData", "ho-tich", "Tên", []string{"data:text/html,x"}, nil, false, "scheme data"},
		{"ErrLogoutFragment", "ho-tich", "Tên", ok, []string{"https://dichvu.example.vn/#bye"}, false, "sau khi đăng xuất"},
		{"ErrTooMany", "ho-tich", "Tên", strings.Fields("https://a/1 https://a/2 https://a/3 https://a/4 https://a/5 https://a/6 https://a/7 https://a/8 https://a/9 https://a/10 https://a/11"), nil, false, "tối đa 10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, secret, err := NewOIDCClient(tc.id, tc.cname, tc.redirects, tc.logouts, tc.public, now)
			if tc.msg != "" {
				var e *Error
				if !errors.As(err, &e) || !strings.Contains(e.Msg, tc.msg) || e.Err == nil {
					t.Fatalf("err %v, want a refusal saying %q", err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.public != (secret == "") || (c.SecretHash == "") != tc.public {
				t.Fatalf("public %v: secret %q, hash %q", tc.public, secret, c.SecretHash)
			}
			if !tc.public && (len(secret) != 43 || c.SecretHash != store.Digest(secret)) {
				t.Fatalf("secret %q is not 32 random bytes kept as its digest %q", secret, c.SecretHash)
			}
		})
	}
	t.Run("RepeatsCountOnce", func(t *testing.T) {
		c, _, err := NewOIDCClient(" ho-tich ", " Hộ tịch ", []string{ok[0], " " + ok[0]}, nil, false, now)
		if err != nil || c.ID != "ho-tich" || c.Name != "Hộ tịch" || len(c.RedirectURIs) != 1 {
			t.Fatalf("%+v (%v)", c, err)
		}
	})
	t.Run("FreshSecrets", func(t *testing.T) {
		a, _ := NewClientSecret()
		b, _ := NewClientSecret()
		if a == b {
			t.Fatal("two secrets are equal")
		}
	})
}
