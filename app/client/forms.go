package client

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Form is an HTML form as a browser would submit it.
type Form struct {
	ID     string
	Action string // resolved against the page's URL
	Method string // upper case; GET when the form does not say
	Fields url.Values
}

// Forms are the forms of one page, in page order.
type Forms []Form

// ParseForms reads the forms of a page as a browser submits them; base (the page's URL)
// resolves relative actions. Every named control counts with its value: hidden inputs, a
// textarea's text, a select's selected option (else its first), a checkbox or radio only
// when checked. Buttons, file inputs and disabled controls are not sent, and a control
// outside its form joins it by its form attribute.
func ParseForms(base, body string) Forms {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return nil
	}
	b, _ := url.Parse(base)
	p := formParser{base: b, byID: map[string]int{}}
	p.walk(doc, -1)
	for _, c := range p.outside {
		if i, ok := p.byID[c.form]; ok {
			p.forms[i].Fields.Add(c.name, c.value)
		}
	}
	return p.forms
}

// formParser collects forms and their controls in one walk of the document.
type formParser struct {
	base    *url.URL
	forms   Forms
	byID    map[string]int
	outside []control // controls that name their form by id, joined at the end
}

type control struct{ form, name, value string }

func (p *formParser) walk(n *html.Node, cur int) {
	if n.Type == html.ElementNode {
		switch n.Data {
		case "form":
			cur = p.addForm(n)
		case "input", "textarea", "select":
			if c, ok := controlOf(n); ok {
				switch {
				case c.form != "":
					p.outside = append(p.outside, c)
				case cur >= 0:
					p.forms[cur].Fields.Add(c.name, c.value)
				}
			}
			if n.Data != "input" {
				return // their children are their value, not controls
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		p.walk(c, cur)
	}
}

func (p *formParser) addForm(n *html.Node) int {
	f := Form{ID: attr(n, "id"), Method: strings.ToUpper(attr(n, "method")), Fields: url.Values{}}
	if f.Method == "" {
		f.Method = http.MethodGet
	}
	if a, err := url.Parse(attr(n, "action")); err == nil && p.base != nil {
		f.Action = p.base.ResolveReference(a).String()
	}
	p.forms = append(p.forms, f)
	if f.ID != "" {
		p.byID[f.ID] = len(p.forms) - 1
	}
	return len(p.forms) - 1
}

// controlOf returns the name and value a control submits, and false when it submits nothing.
func controlOf(n *html.Node) (control, bool) {
	c := control{form: attr(n, "form"), name: attr(n, "name")}
	if c.name == "" || hasAttr(n, "disabled") {
		return c, false
	}
	switch n.Data {
	case "textarea":
		c.value = text(n)
	case "select":
		c.value = selected(n)
	default:
		switch strings.ToLower(attr(n, "type")) {
		case "submit", "button", "image", "reset", "file":
			return c, false
		case "checkbox", "radio":
			if !hasAttr(n, "checked") {
				return c, false
			}
			c.value = "on"
			if hasAttr(n, "value") {
				c.value = attr(n, "value")
			}
		default:
			c.value = attr(n, "value")
		}
	}
	return c, true
}

// selected is the value of a select's selected option, or of its first option.
func selected(n *html.Node) string {
	var first, pick *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "option" {
				if first == nil {
					first = c
				}
				if pick == nil && hasAttr(c, "selected") {
					pick = c
				}
			}
			walk(c)
		}
	}
	walk(n)
	if pick == nil {
		pick = first
	}
	if pick == nil {
		return ""
	}
	if hasAttr(pick, "value") {
		return attr(pick, "value")
	}
	return strings.TrimSpace(text(pick))
}

func text(n *html.Node) string {
	var sb strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	}
	return sb.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// With returns the first form that has a control named field.
func (fs Forms) With(field string) (Form, bool) {
	return fs.find(func(f Form) bool { return f.Fields.Has(field) })
}

// To returns the first form whose action is the path (query aside).
func (fs Forms) To(path string) (Form, bool) {
	return fs.find(func(f Form) bool {
		u, err := url.Parse(f.Action)
		return err == nil && u.Path == path
	})
}

func (fs Forms) find(match func(Form) bool) (Form, bool) {
	for _, f := range fs {
		if match(f) {
			return f, true
		}
	}
	return Form{}, false
}

// Values returns the form's fields with some set: what a person sends after typing into it.
func (f Form) Values(set map[string]string) url.Values {
	v := url.Values{}
	for k, vals := range f.Fields {
		v[k] = append([]string(nil), vals...)
	}
	for k, val := range set {
		v.Set(k, val)
	}
	return v
}

// Submit sends the form with some fields set.
func (b *Browser) Submit(ctx context.Context, f Form, set map[string]string) (*Page, error) {
	if f.Method == http.MethodGet {
		u, err := url.Parse(f.Action)
		if err != nil {
			return nil, err
		}
		u.RawQuery = f.Values(set).Encode()
		return b.Get(ctx, u.String())
	}
	return b.PostForm(ctx, f.Action, f.Values(set).Encode())
}
