package idp

import "strings"

// describeBrowser turns a User-Agent into the short description the phone shows before the
// citizen confirms ("Chrome 124 trên Windows"), so a login from a browser they do not
// recognise stands out (cross-device consent phishing, T20).
func describeBrowser(ua string) string {
	if len(ua) > 512 {
		ua = ua[:512]
	}
	name := "Trình duyệt không xác định"
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
			return name + " trên " + o.name
		}
	}
	return name
}

// knownBrowsers is checked in order: most browsers also claim to be Chrome and Safari, so the
// specific tokens come first.
var knownBrowsers = []struct{ token, name string }{
	{"coc_coc_browser/", "Cốc Cốc"},
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
