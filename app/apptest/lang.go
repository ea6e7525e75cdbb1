package apptest

import (
	"html"
	"regexp"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"dvclogin/app"
)

// shownAttrs are the attributes a visitor reads or hears.
var shownAttrs = map[string]bool{"alt": true, "title": true, "placeholder": true, "aria-label": true}

// ShownText is what a visitor reads or hears of a page: its text outside scripts and styles,
// the shown attributes and a button's value; the language switch back is left out (it names
// its language in that language).
func ShownText(body string) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(body))
	skip := ""
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return b.String()
		}
		tok := z.Token()
		switch tt {
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			if tok.Data == "script" || tok.Data == "style" {
				skip = tok.Data
			}
			button := false
			for _, a := range tok.Attr {
				switch {
				case a.Key == "class" && strings.Contains(a.Val, "lang-switch"):
					skip = tok.Data
				case a.Key == "type" && (a.Val == "submit" || a.Val == "button" || a.Val == "reset"):
					button = true
				}
			}
			for _, a := range tok.Attr {
				if shownAttrs[a.Key] || (button && a.Key == "value") {
					b.WriteString(a.Val + " ")
				}
			}
		case xhtml.EndTagToken:
			if tok.Data == skip {
				skip = ""
			}
		case xhtml.TextToken:
			if skip == "" {
				b.WriteString(tok.Data + " ")
			}
		}
	}
}

// VietnameseWords lists the words a visitor reads on the HTML page body that have a
// Vietnamese letter, but the data given and the demo citizens' names, which read the same in
// every language.
func VietnameseWords(body string, data ...string) []string {
	s := ShownText(body)
	for _, c := range app.DemoCitizens {
		data = append(data, c.FullName)
	}
	for _, d := range data {
		s = strings.ReplaceAll(s, d, " ")
	}
	var words []string
	for _, w := range strings.Fields(s) {
		if IsVietnamese(w) {
			words = append(words, w)
		}
	}
	return words
}

var pageLang = regexp.MustCompile(`<html lang="([a-z]+)">`)

// PageLang is the language of the HTML page body (its <html lang>), or "".
func PageLang(body string) string {
	if m := pageLang.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// CheckEnglish fails unless body is a page in English: <html lang="en">, every text of want
// on it, and no Vietnamese word but data.
func CheckEnglish(t testing.TB, what, body string, want []string, data ...string) {
	t.Helper()
	if l := PageLang(body); l != "en" {
		t.Errorf("%s: not an English page (lang %q)", what, l)
	}
	text := html.UnescapeString(body)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
	if words := VietnameseWords(body, data...); len(words) > 0 {
		t.Errorf("%s in English shows Vietnamese: %q", what, words[:min(len(words), 20)])
	}
}
