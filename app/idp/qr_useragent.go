package idp

import (
	"fmt"
	"strings"

	"dvclogin/app/i18n"
)

// The words of a browser's description: it is stored in Vietnamese (the audit trail and the
// console read it so) and shown to the phone in the phone's language (browserIn).
const (
	browserUnknown = "Trình duyệt không xác định"
	browserOnFmt   = "%s trên %s"
	browserOn      = " trên " // i18n:vi (reads the stored description)
)

// describeBrowser turns a User-Agent into the short description the phone shows before the
// citizen confirms ("Chrome 124 trên Windows"), so a login from a browser they do not
// recognise stands out (cross-device consent phishing, T20).
func describeBrowser(ua string) string {
	if len(ua) > 512 {
		ua = ua[:512]
	}
	name := browserUnknown
	for _, b := range knownBrowsers {
		if v, ok := productVersion(ua, b.token); ok {
			name = b.name
			if b.token == "Safari/" {
				v, _ = productVersion(ua, "Version/")
			}
			if v != "" {
				name += " " + v
			}
			break
		}
	}
	for _, o := range knownSystems {
		if strings.Contains(ua, o.token) {
			return fmt.Sprintf(browserOnFmt, name, o.name)
		}
	}
	return name
}

// knownBrowsers is checked in order: most browsers also claim to be Chrome and Safari, so the
// specific tokens come first.
var knownBrowsers = []struct{ token, name string }{
	{"coc_coc_browser/", "Cốc Cốc"}, // i18n:vi (a brand name)
	{"SamsungBrowser/", "Samsung Internet"},
	{"Edg/", "Edge"},
	{"EdgA/", "Edge"},
	{"EdgiOS/", "Edge"},
	{"OPR/", "Opera"},
	{"OPiOS/", "Opera"},
	{"YaBrowser/", "Yandex"},
	{"Firefox/", "Firefox"},
	{"FxiOS/", "Firefox"},
	{"CriOS/", "Chrome"},
	{"Chromium/", "Chromium"},
	{"HeadlessChrome/", "Chrome"},
	{"Chrome/", "Chrome"},
	{"Safari/", "Safari"},
}

var knownSystems = []struct{ token, name string }{
	{"Windows", "Windows"},
	{"iPhone", "iOS"},
	{"iPad", "iPadOS"},
	{"Android", "Android"},
	{"CrOS", "ChromeOS"},
	{"Mac OS X", "macOS"},
	{"Macintosh", "macOS"},
	{"Linux", "Linux"},
}

// browserIn is a description made by describeBrowser in l: only its own words change, the
// names of browsers and systems are names in every language.
func browserIn(l i18n.Lang, desc string) string {
	name, system, on := cutLast(desc, browserOn)
	if name == browserUnknown {
		name = l.T(browserUnknown)
	}
	if !on {
		return name
	}
	return l.F(browserOnFmt, name, system)
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// productVersion finds token ("Chrome/") in ua and returns the major version after it.
func productVersion(ua, token string) (string, bool) {
	i := strings.Index(ua, token)
	if i < 0 {
		return "", false
	}
	v := ua[i+len(token):]
	end := 0
	for end < len(v) && end < 6 && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	return v[:end], true
}
