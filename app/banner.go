package app

import (
	"fmt"
	"io"
	"net"
	"strings"

	"dvclogin/app/version"
	"dvclogin/app/web"
)

// PrintBanner prints, once, where everything is and how to log in; bound is the address the
// server listens on.
func (a *App) PrintBanner(w io.Writer, bound net.Addr) {
	cfg := a.Config()
	port := "8080"
	if ta, ok := bound.(*net.TCPAddr); ok {
		port = fmt.Sprint(ta.Port)
	}
	pub := cfg.PublicURL
	var b strings.Builder
	line := strings.Repeat("─", 64)
	fmt.Fprintf(&b, "\n%s\n dvclogin: Cổng Dịch vụ công Quốc gia + VNeID (bản demo, chạy offline)\n %s\n%s\n", line, version.Get().Short(), line)
	fmt.Fprintf(&b, " Cổng DVC (máy này):    %s://127.0.0.1:%s/  (chuyển sang %s)\n", a.publicURL.Scheme, port, pub)
	fmt.Fprintf(&b, " Cổng DVC (mạng LAN):   %s/\n", pub)
	fmt.Fprintf(&b, " Ứng dụng VNeID (mô phỏng, mở trên điện thoại): %s/app/\n", pub)
	fmt.Fprintf(&b, " Trang quản trị:        %s/console/\n", pub)
	fmt.Fprintf(&b, " OpenID Connect issuer: %s/idp\n", pub)
	a.printHTTPS(&b)
	if a.GeneratedAdminPassword != "" {
		fmt.Fprintf(&b, " Mật khẩu quản trị (chỉ in một lần): %s\n", a.GeneratedAdminPassword)
	} else {
		fmt.Fprintf(&b, " Mật khẩu quản trị: đã đặt (đổi bằng -admin-password)\n")
	}
	fmt.Fprintf(&b, "%s\n Tài khoản demo (mật khẩu %s, passcode %s):\n", line, DemoPassword, DemoPasscode)
	for _, c := range DemoCitizens {
		web := "đã bật"
		if !c.WebLogin {
			web = "chưa bật"
		}
		fmt.Fprintf(&b, "  %s  %-15s mức %d  ĐN website: %-8s  SĐT %s\n", c.IDNumber, c.FullName, c.Level, web, c.Phone)
	}
	fmt.Fprintf(&b, "%s\n Dừng máy chủ: nhấn Ctrl+C trong cửa sổ này.\n%s\n", line, line)
	if qr := TerminalQR(pub + "/app/"); qr != "" {
		fmt.Fprintf(&b, " Quét mã này bằng camera điện thoại để mở ứng dụng VNeID mô phỏng:\n%s", qr)
	}
	fmt.Fprintln(w, b.String())
}

// printHTTPS says which certificate the server serves HTTPS with and, for its own authority,
// where phones install it and the fingerprint to compare with the one the phone shows.
func (a *App) printHTTPS(b *strings.Builder) {
	h := a.httpsInfo()
	switch {
	case !h.On:
		return
	case h.CA != nil:
		fmt.Fprintf(b, " HTTPS: chứng chỉ do CA của máy này cấp (“%s”)\n", h.CAName)
		fmt.Fprintf(b, " Cài CA trên điện thoại (một lần): %s\n", h.GuideURL)
		// "SHA-256: " then the fingerprint, as phones show it: scripts read the line too.
		fmt.Fprintf(b, " SHA-256: %s (dấu vân tay của CA: phải trùng với dấu vân tay điện thoại hiện khi cài)\n", h.Fingerprint)
	default:
		fmt.Fprintf(b, " HTTPS: chứng chỉ của cơ quan %s, hết hạn %s\n", h.Subject, web.DateVN(h.NotAfter))
	}
}
