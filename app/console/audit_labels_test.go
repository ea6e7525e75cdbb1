package console

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// auditCode is what an audit action looks like: lower-case words joined by underscores.
var auditCode = regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)

// TestEveryAuditActionHasVietnameseWords reads the server's source for every action it
// records (the string arguments of audit calls, the Action of store.Event literals, and the
// values given to variables named action or to an event's Action field) and requires words for
// each on the "Nhật ký" page:
// a raw code such as qr_started is English to the trainer reading the log.
func TestEveryAuditActionHasVietnameseWords(t *testing.T) {
	codes := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, string(os.PathSeparator)+"testdata"+string(os.PathSeparator)) {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		add := func(e ast.Expr) {
			if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if v, err := strconv.Unquote(lit.Value); err == nil && auditCode.MatchString(v) {
					codes[v] = fset.Position(lit.Pos()).String()
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "audit" || sel.Sel.Name == "Audit") {
					for _, a := range n.Args {
						add(a)
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Action" {
					add(n.Value)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == "action" && i < len(n.Rhs) {
						add(n.Rhs[i])
					}
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Action" && i < len(n.Rhs) {
						add(n.Rhs[i]) // an event's action set on its own: by.Action = "demo_reset"
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) < 20 {
		t.Fatalf("found only %d audit actions: the source scan no longer sees the audit calls", len(codes))
	}
	for code, at := range codes {
		if _, actor := actorNames[code]; actor {
			continue
		}
		if _, ok := actionNames[code]; !ok {
			t.Errorf("audit action %q (%s) has no Vietnamese words in actionNames", code, at)
		}
	}
}

func TestDetailWords(t *testing.T) {
	for in, want := range map[string]string{
		"amr=pwd,sms,mfa": "Phương thức: mật khẩu + mã OTP qua SMS (hai yếu tố)",
		"amr=swk,pin,mfa": "Phương thức: ứng dụng VNeID + passcode (hai yếu tố)",
		"amr=pwd":         "Phương thức: mật khẩu",
		"qr 1a2b3c4d":     "qr 1a2b3c4d",
		"":                "",
	} {
		if got := detailWords(in); got != want {
			t.Errorf("detailWords(%q) = %q, want %q", in, got, want)
		}
	}
}
