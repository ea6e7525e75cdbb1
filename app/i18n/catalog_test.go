package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/assets"
)

// vietnamese reports whether s has a letter beyond ASCII: every Vietnamese text but the
// shortest has one, and no English text of ours does.
func vietnamese(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

func hasLetter(s string) bool { return strings.IndexFunc(s, unicode.IsLetter) >= 0 }

var (
	action      = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	templateKey = regexp.MustCompile(`\b(?:t|tf)\s+("(?:[^"\\]|\\.)*")`)
	// attributes a visitor reads or hears
	shownAttrs = map[string]bool{"alt": true, "title": true, "placeholder": true, "aria-label": true,
		"aria-roledescription": true, "aria-valuetext": true, "label": true}
)

func templates(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(assets.FS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(assets.FS, p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("found only %d templates", len(out))
	}
	return out
}

// TestTemplatesShowOnlyCatalogText reads every template with its actions blanked out, as HTML:
// no text and no attribute a visitor reads may hold a word, so every word on a page comes from
// the catalog ({{t "…"}}) or from data.
func TestTemplatesShowOnlyCatalogText(t *testing.T) {
	for name, src := range templates(t) {
		z := html.NewTokenizer(strings.NewReader(action.ReplaceAllString(src, " ")))
		skip := ""
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			tok := z.Token()
			switch tt {
			case html.StartTagToken, html.SelfClosingTagToken:
				if tok.Data == "script" || tok.Data == "style" {
					skip = tok.Data
				}
				button := false
				for _, a := range tok.Attr {
					if a.Key == "type" && (a.Val == "submit" || a.Val == "button" || a.Val == "reset") {
						button = true
					}
				}
				for _, a := range tok.Attr {
					if (shownAttrs[a.Key] || (button && a.Key == "value")) && hasLetter(a.Val) {
						t.Errorf("%s: <%s %s=%q> is not from the catalog", name, tok.Data, a.Key, a.Val)
					}
				}
			case html.EndTagToken:
				if tok.Data == skip {
					skip = ""
				}
			case html.TextToken:
				if skip == "" && hasLetter(tok.Data) {
					t.Errorf("%s: text %q is not from the catalog", name, strings.TrimSpace(tok.Data))
				}
			}
		}
	}
}

func TestTemplateKeysAreInTheCatalog(t *testing.T) {
	n := 0
	for name, src := range templates(t) {
		for _, m := range templateKey.FindAllStringSubmatch(src, -1) {
			k, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %s: %v", name, m[1], err)
			}
			n++
			if _, ok := i18n.English(k); !ok {
				t.Errorf("%s: %q has no English", name, k)
			}
		}
	}
	if n < 100 {
		t.Errorf("the templates use only %d catalog keys", n)
	}
}

// TestScriptsShowOnlyCatalogText: every Vietnamese string in a script is a dvcT key with its
// English in the catalog.
func TestScriptsShowOnlyCatalogText(t *testing.T) {
	keys, err := web.ScriptKeys(assets.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, ok := i18n.English(k); !ok {
			t.Errorf("script key %q has no English", k)
		}
	}
	literal := regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'`)
	comment := regexp.MustCompile(`(?m)(^|\s)//.*$`)
	files, _ := fs.Glob(assets.FS, "static/js/*.js")
	for _, f := range files {
		b, _ := fs.ReadFile(assets.FS, f)
		src := comment.ReplaceAllString(string(b), "$1")
		for _, loc := range literal.FindAllStringIndex(src, -1) {
			lit := src[loc[0]:loc[1]]
			if vietnamese(lit) && !strings.HasSuffix(strings.TrimRight(src[:loc[0]], " \n\t"), "dvcT(") {
				t.Errorf("%s: %s is not looked up with dvcT", f, lit)
			}
		}
	}
}

// goPackages are the packages whose strings reach a page or an answer of the site.
var goPackages = []string{"app/web", "app/portal", "app/idp", "app/idp/oidcop", "app/phone", "app/console",
	"app/citizens", "app/regulator"}

// TestGoStringsAreInTheCatalog: every Vietnamese string literal of those packages is a catalog
// key, but a log line's and one marked "i18n:vi" on its line (data that is Vietnamese in
// every language: an SMS body, a place name).
func TestGoStringsAreInTheCatalog(t *testing.T) {
	root := repoRoot(t)
	n := 0
	for _, pkg := range goPackages {
		files, _ := filepath.Glob(filepath.Join(root, pkg, "*.go"))
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			marked := map[int]bool{}
			for _, cg := range f.Comments {
				for _, c := range cg.List {
					if strings.Contains(c.Text, "i18n:vi") {
						marked[fset.Position(c.Pos()).Line] = true
					}
				}
			}
			ast.Inspect(f, func(node ast.Node) bool {
				if call, ok := node.(*ast.CallExpr); ok && isLogCall(call) {
					return false
				}
				lit, ok := node.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil || !vietnamese(s) {
					return true
				}
				pos := fset.Position(lit.Pos())
				if marked[pos.Line] {
					return true
				}
				n++
				if _, ok := i18n.English(s); !ok {
					rel, _ := filepath.Rel(root, pos.Filename)
					t.Errorf("%s:%d: %q has no English", rel, pos.Line, s)
				}
				return true
			})
		}
	}
	if n < 100 {
		t.Errorf("found only %d Vietnamese strings in Go", n)
	}
}

func isLogCall(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && slices.Contains([]string{"Info", "Warn", "Error", "Debug", "InfoContext", "WarnContext",
		"ErrorContext", "Printf", "Println"}, sel.Sel.Name) && isLogger(sel.X)
}

func isLogger(x ast.Expr) bool {
	switch v := x.(type) {
	case *ast.Ident:
		return v.Name == "log" || v.Name == "slog" || v.Name == "logger"
	case *ast.SelectorExpr:
		return v.Sel.Name == "Log" || v.Sel.Name == "log"
	}
	return false
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestCatalogEntriesAgree: an English text takes the same verbs in the same order as its key,
// is English, and every entry is used somewhere.
func TestCatalogEntriesAgree(t *testing.T) {
	root := repoRoot(t)
	var sources strings.Builder
	for _, pkg := range append(goPackages, "assets/templates", "assets/static/js") {
		filepath.WalkDir(filepath.Join(root, pkg), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(p, "_test.go") && !strings.Contains(p, "vendor") {
				b, _ := os.ReadFile(p)
				sources.Write(b)
			}
			return nil
		})
	}
	all := sources.String()
	keys := i18n.Keys()
	if len(keys) < 100 {
		t.Fatalf("the English catalog has only %d entries", len(keys))
	}
	for _, k := range keys {
		en, _ := i18n.English(k)
		if a, b := verb.FindAllString(k, -1), verb.FindAllString(en, -1); !slices.Equal(a, b) {
			t.Errorf("%q takes %v but its English %q takes %v", k, a, en, b)
		}
		if vietnamese(en) {
			t.Errorf("the English of %q is %q", k, en)
		}
		if !strings.Contains(all, strconv.Quote(k)) && !strings.Contains(all, k) {
			t.Errorf("%q is in the catalog but nothing uses it", k)
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("repository root not found from %s", dir)
	}
	return dir
}

func TestPrefers(t *testing.T) {
	for _, c := range []struct {
		header string
		want   i18n.Lang
		ok     bool
	}{
		{"en-US,en;q=0.9", i18n.En, true},
		{"vi-VN,vi;q=0.9,en-US;q=0.8", i18n.Vi, true},
		{"fr-FR,en;q=0.5,vi;q=0.7", i18n.Vi, true},
		{"fr-FR", "", false},
		{"", "", false},
		{"en;q=0", "", false},
	} {
		got, ok := i18n.Prefers(c.header)
		if got != c.want || ok != c.ok {
			t.Errorf("Prefers(%q) = %q, %v; want %q, %v", c.header, got, ok, c.want, c.ok)
		}
	}
}
