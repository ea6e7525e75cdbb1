package web

import (
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Form is an HTML form as a browser would submit it. The server never parses its own pages;
// this is for the programs that drive them as a browser would (the load driver, the tests).
type Form struct {
	ID     string
	Action string // resolved against the page URL
	Method string
	Fields url.Values // every named input with its value (hidden ones included)
}

// ParseForms reads the forms of a page; base (the page's URL) resolves relative actions.
func ParseForms(base, body string) []Form {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return nil
	}
	b, _ := url.Parse(base)
	var out []Form
	var walk func(n *html.Node, cur int)
	walk = func(n *html.Node, cur int) {
		if n.Type == html.ElementNode {
			attr := func(k string) string {
				for _, a := range n.Attr {
					if a.Key == k {
						return a.Val
					}
				}
				return ""
			}
			switch n.Data {
			case "form":
				f := Form{ID: attr("id"), Method: strings.ToUpper(attr("method")), Fields: url.Values{}}
				if f.Method == "" {
					f.Method = http.MethodGet
				}
				if a, err := url.Parse(attr("action")); err == nil && b != nil {
					f.Action = b.ResolveReference(a).String()
				}
				out = append(out, f)
				cur = len(out) - 1
			case "input", "textarea", "select":
				if cur >= 0 && attr("name") != "" {
					out[cur].Fields.Set(attr("name"), attr("value"))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, cur)
		}
	}
	walk(doc, -1)
	return out
}
