package idp

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"dvclogin/app/web"
	"dvclogin/store"
)

// parseFrame reads whatever a phone's camera hands the app. It never panics, and what it
// accepts is canonical: the frame it returns, written back, is exactly the scanned fragment,
// so each frame has one spelling.
func FuzzParseFrame(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		id, step, mac, ok := parseFrame(text)
		if !ok {
			if id != "" || step != 0 || mac != "" {
				t.Fatalf("parseFrame(%q) refused but returned %q %d %q", text, id, step, mac)
			}
			return
		}
		if !isQRID(id) || step < 0 || step > 999_999 || len(mac) != qrMACLen {
			t.Fatalf("parseFrame(%q) = %q %d %q", text, id, step, mac)
		}
		frame := strings.TrimSpace(text)
		if i := strings.LastIndexByte(frame, '#'); i >= 0 {
			frame = frame[i+1:]
		}
		if again := id + "." + strconv.FormatInt(step, 10) + "." + mac; again != frame {
			t.Fatalf("parseFrame(%q) accepted %q, which is written %q", text, frame, again)
		}
	})
}

// A QR text the server builds parses back to the login, the step and the mac it was built
// from, on any public URL and with the whitespace a scanner may add.
func FuzzQRFrameRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, host string, rawID []byte, step int64, secret []byte) {
		pub, err := url.Parse("http://" + host)
		if err != nil {
			return
		}
		id := base64.RawURLEncoding.EncodeToString(append(rawID, make([]byte, qrIDBytes)...)[:qrIDBytes])
		if step < 0 {
			step = -(step + 1)
		}
		step %= 1_000_000 // a login lives a few dozen frames; the parser allows six digits
		p := &IdP{d: Deps{Site: web.Site{PublicURL: pub}}}
		text := p.qrText(store.QRLogin{ID: id, FrameSecret: secret}, step)
		for _, scanned := range []string{text, " " + text + "\r\n"} {
			gotID, gotStep, gotMAC, ok := parseFrame(scanned)
			if !ok || gotID != id || gotStep != step || gotMAC != frameMAC(secret, id, step) {
				t.Fatalf("QR text %q parses as %q %d %q %v; built from %q %d", scanned, gotID, gotStep, gotMAC, ok, id, step)
			}
		}
	})
}
