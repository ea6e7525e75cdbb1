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

	"dvclogin/app/i18n"
	"dvclogin/store"
)

// The audit details the server records, found in its source. A detail reaches the log through
// a store.Event's Detail or through a function that passes one of its parameters on to it (an
// actor's audit, auditCLI, the console's done): every call of such a function gives a detail,
// which is resolved to the strings it can be (literals, fmt.Sprintf with sample arguments,
// concatenations, local variables and the results of the package's own functions). Each must
// be read by a rule of the "Nhật ký" page, so a new detail without words fails here.

// A sourceFunc is one function of the server with its file.
type sourceFunc struct {
	decl *ast.FuncDecl
	pkg  string // its directory
}

type detailScan struct {
	fset    *token.FileSet
	funcs   map[string][]sourceFunc // by name (methods and functions alike)
	sinks   map[string]int          // functions passing a parameter on as a detail (by package and name): its index
	details map[string]map[string]string
	unknown []string
}

// dynamicDetails are details no literal in the source spells: what each can be comes from
// elsewhere, named here so that another such detail fails until it gets words.
var dynamicDetails = map[string]func(t *testing.T) []string{
	// login_refused records the code of checkWebLogin's refusal.
	"login_refused": func(t *testing.T) []string { return codesOf(t, "../idp/regulation.go", "checkWebLogin") },
}

// dynamicFuncs make details TestChangeWords reads.
var dynamicFuncs = map[string]bool{"changes": true}

func TestEveryAuditDetailHasWords(t *testing.T) {
	sc := &detailScan{fset: token.NewFileSet(), funcs: map[string][]sourceFunc{}, sinks: map[string]int{},
		details: map[string]map[string]string{}}
	var files []*ast.File
	var dirs []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, string(os.PathSeparator)+"testdata"+string(os.PathSeparator)) {
			return err
		}
		f, err := parser.ParseFile(sc.fset, path, nil, 0)
		if err != nil {
			return err
		}
		files, dirs = append(files, f), append(dirs, filepath.Dir(path))
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil {
				sc.funcs[fd.Name.Name] = append(sc.funcs[fd.Name.Name], sourceFunc{fd, filepath.Dir(path)})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sc.findSinks()
	for _, want := range []string{"../console.audit", "../console.done", "../idp.audit", "../idp.auditEvent",
		"../cli.auditCLI", "../cli.auditCreated", "../portal.audit", "../idp/oidcop.audit"} {
		if _, ok := sc.sinks[filepath.FromSlash(want)]; !ok {
			t.Fatalf("the scan does not see %s pass a detail on (sinks: %v)", want, sc.sinks)
		}
	}
	for i, f := range files {
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil {
				sc.collect(t, sourceFunc{fd, dirs[i]})
			}
		}
	}
	n := 0
	for action, ds := range sc.details {
		for d, at := range ds {
			n++
			if _, ok := describeDetail(i18n.Vi, action, d); !ok {
				t.Errorf("the detail %q of %q (%s) has no words on the log page: add a rule to detailRules", d, action, at)
			}
		}
	}
	for _, u := range sc.unknown {
		t.Errorf("%s: a detail the scan cannot read; give it a rule and name it in dynamicDetails or dynamicFuncs", u)
	}
	if n < 40 {
		t.Fatalf("found only %d details: the scan no longer sees the audit calls", n)
	}
}

// findSinks finds the functions that pass a parameter on as an event's detail, to a fixed point.
func (sc *detailScan) findSinks() {
	for changed := true; changed; {
		changed = false
		for name, fs := range sc.funcs {
			for _, f := range fs {
				key := f.pkg + "." + name
				if _, ok := sc.sinks[key]; ok {
					continue
				}
				params := paramIndex(f.decl)
				ast.Inspect(f.decl.Body, func(n ast.Node) bool {
					if e := sc.detailOf(f, n); e != nil {
						if id, ok := e.(*ast.Ident); ok {
							if i, ok := params[id.Name]; ok {
								sc.sinks[key], changed = i, true
							}
						}
					}
					return true
				})
			}
		}
	}
}

// detailOf is the detail n (in f) hands to the log, when it does: a store.Event's Detail, or
// the argument of a sink of f's package.
func (sc *detailScan) detailOf(f sourceFunc, n ast.Node) ast.Expr {
	switch n := n.(type) {
	case *ast.CompositeLit:
		if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Event" {
			for _, el := range n.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Detail" {
						return kv.Value
					}
				}
			}
		}
	case *ast.CallExpr:
		if i, ok := sc.sinks[f.pkg+"."+callName(n)]; ok && i < len(n.Args) {
			return n.Args[i]
		}
	}
	return nil
}

// collect resolves every detail f hands to the log (other than its own parameters).
func (sc *detailScan) collect(t *testing.T, f sourceFunc) {
	params := paramIndex(f.decl)
	ast.Inspect(f.decl.Body, func(n ast.Node) bool {
		e := sc.detailOf(f, n)
		if e == nil {
			return true
		}
		if id, ok := e.(*ast.Ident); ok {
			if _, ok := params[id.Name]; ok {
				return true
			}
		}
		at := sc.fset.Position(e.Pos()).String()
		action := actionOf(n)
		if dyn, ok := dynamicDetails[action]; ok {
			for _, d := range dyn(t) {
				sc.add(action, d, at)
			}
			return true
		}
		values, ok := sc.resolve(f, e, 0)
		if !ok {
			sc.unknown = append(sc.unknown, at)
			return true
		}
		for _, d := range values {
			sc.add(action, d, at)
		}
		return true
	})
}

func (sc *detailScan) add(action, d, at string) {
	if sc.details[action] == nil {
		sc.details[action] = map[string]string{}
	}
	sc.details[action][d] = at
}

// actionOf is the audit action a call or an event names, "" when it names none as a literal.
func actionOf(n ast.Node) string {
	var exprs []ast.Expr
	switch n := n.(type) {
	case *ast.CallExpr:
		exprs = n.Args
	case *ast.CompositeLit:
		for _, el := range n.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Action" {
					exprs = append(exprs, kv.Value)
				}
			}
		}
	}
	for _, e := range exprs {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if v, err := strconv.Unquote(lit.Value); err == nil && auditCode.MatchString(v) {
				if _, actor := actorNames[v]; !actor {
					return v
				}
			}
		}
	}
	return ""
}

// resolve lists the strings e can be inside f. A value the source does not spell (a field, a
// call of another package) is a sample word: the rules must read any.
func (sc *detailScan) resolve(f sourceFunc, e ast.Expr, depth int) ([]string, bool) {
	if depth > 6 {
		return nil, false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			v, err := strconv.Unquote(e.Value)
			return []string{v}, err == nil
		}
		return []string{e.Value}, true
	case *ast.ParenExpr:
		return sc.resolve(f, e.X, depth)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return nil, false
		}
		x, ok1 := sc.resolve(f, e.X, depth+1)
		y, ok2 := sc.resolve(f, e.Y, depth+1)
		return product(x, y), ok1 && ok2
	case *ast.Ident:
		if vs, ok := sc.local(f, e.Name, depth); ok {
			return vs, true
		}
		return []string{"x"}, true
	case *ast.SelectorExpr, *ast.IndexExpr, *ast.SliceExpr:
		return []string{"x"}, true
	case *ast.CallExpr:
		name := callName(e)
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "fmt" && sel.Sel.Name == "Sprintf" {
				return sc.sprintf(f, e, depth)
			}
		}
		if dynamicFuncs[name] {
			return nil, true // TestChangeWords
		}
		if fn, ok := sc.sameDir(f, name); ok {
			return sc.results(fn, 0, depth+1)
		}
		return []string{"x"}, true
	}
	return nil, false
}

// sprintf lists what a fmt.Sprintf can write, each verb given a sample of its argument.
func (sc *detailScan) sprintf(f sourceFunc, call *ast.CallExpr, depth int) ([]string, bool) {
	formats, ok := sc.resolve(f, call.Args[0], depth+1)
	if !ok {
		return nil, false
	}
	args := make([][]string, len(call.Args)-1)
	for i, a := range call.Args[1:] {
		if args[i], ok = sc.resolve(f, a, depth+1); !ok {
			return nil, false
		}
	}
	var out []string
	for _, format := range formats {
		outs := []string{""}
		i := 0
		rest := format
		for {
			loc := verbRe.FindStringIndex(rest)
			if loc == nil {
				outs = product(outs, []string{rest})
				break
			}
			outs = product(outs, []string{rest[:loc[0]]})
			verb := rest[loc[0]:loc[1]]
			var samples []string
			switch {
			case verb == "%%":
				samples = []string{"%"}
			case i < len(args):
				for _, a := range args[i] {
					switch verb[len(verb)-1] {
					case 'd':
						if _, err := strconv.Atoi(a); err != nil {
							a = "3"
						}
					case 'q':
						a = strconv.Quote(a)
					}
					samples = append(samples, a)
				}
				i++
			default:
				return nil, false
			}
			outs = product(outs, samples)
			rest = rest[loc[1]:]
		}
		out = append(out, outs...)
	}
	return out, true
}

var verbRe = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// local lists the values a variable of f is given: its assignments, each += adding to what it
// was.
func (sc *detailScan) local(f sourceFunc, name string, depth int) ([]string, bool) {
	var values []string
	found := false
	var failed bool
	ast.Inspect(f.decl.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok {
			return true
		}
		for i, l := range as.Lhs {
			id, ok := l.(*ast.Ident)
			if !ok || id.Name != name {
				continue
			}
			var vs []string
			switch {
			case len(as.Rhs) == len(as.Lhs):
				vs, ok = sc.resolve(f, as.Rhs[i], depth+1)
			case len(as.Rhs) == 1:
				call, isCall := as.Rhs[0].(*ast.CallExpr)
				ok = isCall
				if isCall {
					if fn, same := sc.sameDir(f, callName(call)); same {
						vs, ok = sc.results(fn, i, depth+1)
					} else {
						vs = []string{"x"}
					}
				}
			}
			if !ok {
				failed = true
				continue
			}
			found = true
			if as.Tok == token.ADD_ASSIGN {
				values = append(values, product(values, vs)...)
			} else {
				values = append(values, vs...)
			}
		}
		return true
	})
	return values, found && !failed
}

// results lists what fn returns as its i-th result; an empty string beside other values is an
// error's return, not a value the caller goes on with.
func (sc *detailScan) results(fn sourceFunc, i, depth int) ([]string, bool) {
	var out []string
	ok := true
	ast.Inspect(fn.decl.Body, func(n ast.Node) bool {
		if _, lit := n.(*ast.FuncLit); lit {
			return false
		}
		if r, is := n.(*ast.ReturnStmt); is && i < len(r.Results) {
			vs, good := sc.resolve(fn, r.Results[i], depth)
			ok = ok && good
			out = append(out, vs...)
		}
		return true
	})
	var kept []string
	for _, v := range out {
		if v != "" {
			kept = append(kept, v)
		}
	}
	if len(kept) > 0 {
		return kept, ok
	}
	return out, ok
}

// sameDir is the function of f's package named name.
func (sc *detailScan) sameDir(f sourceFunc, name string) (sourceFunc, bool) {
	for _, g := range sc.funcs[name] {
		if g.pkg == f.pkg {
			return g, true
		}
	}
	return sourceFunc{}, false
}

func callName(call *ast.CallExpr) string {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		return fn.Sel.Name
	}
	return ""
}

func paramIndex(fd *ast.FuncDecl) map[string]int {
	out := map[string]int{}
	i := 0
	for _, field := range fd.Type.Params.List {
		for _, name := range field.Names {
			out[name.Name] = i
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	return out
}

func product(xs, ys []string) []string {
	out := make([]string, 0, len(xs)*len(ys))
	for _, x := range xs {
		for _, y := range ys {
			out = append(out, x+y)
		}
	}
	return out
}

// codesOf lists the Code of every web.Error the function name of file builds.
func codesOf(t *testing.T, file, name string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	ast.Inspect(f, func(n ast.Node) bool {
		fd, ok := n.(*ast.FuncDecl)
		if !ok || fd.Name.Name != name {
			return true
		}
		ast.Inspect(fd, func(n ast.Node) bool {
			if kv, ok := n.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Code" {
					if lit, ok := kv.Value.(*ast.BasicLit); ok {
						v, _ := strconv.Unquote(lit.Value)
						codes = append(codes, v)
					}
				}
			}
			return true
		})
		return false
	})
	if len(codes) == 0 {
		t.Fatalf("%s in %s builds no refusal codes", name, file)
	}
	return codes
}

// TestChangeWords: a citizen edit's detail (changes) reads in words, each field and value.
func TestChangeWords(t *testing.T) {
	before := store.Citizen{FullName: "Trần Thị Bình", BirthDate: "1990-01-01", Gender: "Nữ", Phone: "0912345678",
		Level: 2, WebLogin: false}
	after := before
	after.FullName, after.Gender, after.Phone, after.Level, after.WebLogin = "Trần Văn Bình", "Nam", "0988888888", 1, true
	d := changes(before, after)
	vi, ok := describeDetail(i18n.Vi, "citizen_updated", d)
	want := "Họ tên: Trần Thị Bình → Trần Văn Bình; Giới tính: Nữ → Nam; Số điện thoại: 0912345678 → 0988888888; " +
		"Mức: 2 → 1; Đăng nhập trên website: tắt → bật; SIM của số cũ đã rời thiết bị đang giữ nó"
	if !ok || vi != want {
		t.Errorf("changes %q read %q", d, vi)
	}
	en, _ := describeDetail(i18n.En, "citizen_updated", d)
	if !strings.Contains(en, "Gender: Female → Male") || !strings.Contains(en, "Sign in on websites: off → on") || vietnameseWord(en, "Trần", "Thị", "Văn", "Bình") {
		t.Errorf("changes in English: %q", en)
	}
	if got, ok := describeDetail(i18n.Vi, "citizen_updated", changes(before, before)); !ok || got != "Không có thay đổi" {
		t.Errorf("no change reads %q", got)
	}
}

// vietnameseWord reports whether s has a Vietnamese letter outside the names given.
func vietnameseWord(s string, names ...string) bool {
	for _, n := range names {
		s = strings.ReplaceAll(s, n, "")
	}
	for _, r := range s {
		if r > 127 && (r < 0x2000 || r > 0x2BFF) { // arrows and punctuation are not letters
			return true
		}
	}
	return false
}

// TestEveryAttemptHasWords reads the kinds and reasons of the login attempts the server records
// (the regulator's entries, the reasons given for a wrong or refused code, and the purposes of
// an SMS, which a refused SMS records as its reason) and requires words for each.
func TestEveryAttemptHasWords(t *testing.T) {
	kinds, reasons := map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	lit := func(e ast.Expr) (string, bool) {
		if l, ok := e.(*ast.BasicLit); ok && l.Kind == token.STRING {
			v, err := strconv.Unquote(l.Value)
			return v, err == nil && v != ""
		}
		return "", false
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				args := n.Args
				switch callName(n) {
				case "entry":
					if len(args) == 3 {
						if v, ok := lit(args[0]); ok {
							kinds[v] = fset.Position(n.Pos()).String()
						}
						if v, ok := lit(args[2]); ok {
							reasons[v] = fset.Position(n.Pos()).String()
						}
					}
				case "WrongCode", "CodeRefused", "codeFailed":
					for _, a := range args {
						if v, ok := lit(a); ok && auditCode.MatchString(v) {
							reasons[v] = fset.Position(n.Pos()).String()
						}
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Purpose" {
					if v, ok := lit(n.Value); ok {
						reasons[v] = fset.Position(n.Pos()).String()
					}
				}
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if strings.HasPrefix(name.Name, "purpose") && i < len(n.Values) {
						if v, ok := lit(n.Values[i]); ok {
							reasons[v] = fset.Position(n.Pos()).String()
						}
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
	if len(kinds) < 5 || len(reasons) < 10 {
		t.Fatalf("found %d kinds and %d reasons: the scan no longer sees the attempts", len(kinds), len(reasons))
	}
	for k, at := range kinds {
		if _, ok := attemptKinds[k]; !ok {
			t.Errorf("attempt kind %q (%s) has no words in attemptKinds", k, at)
		}
	}
	for r, at := range reasons {
		if _, ok := attemptReasons[r]; !ok {
			t.Errorf("attempt reason %q (%s) has no words in attemptReasons", r, at)
		}
	}
}

// TestQRDetailWords: a QR login's detail, with each ending the IdP records, reads in words; the
// ending is never taken for the browser's or the address's part.
func TestQRDetailWords(t *testing.T) {
	for _, tc := range []struct{ detail, vi, en string }{
		{"qr 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; 127.0.0.1; web login not permitted",
			"Mã QR 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; địa chỉ IP 127.0.0.1; chưa cấp quyền đăng nhập trên website",
			"QR code 1a2b3c4d; National Public Service Portal; Chrome 156 on Linux; IP address 127.0.0.1; "},
		{"qr 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; 127.0.0.1; 3 pending",
			"Mã QR 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; địa chỉ IP 127.0.0.1; đã có 3 yêu cầu đang chờ",
			"IP address 127.0.0.1; "},
		{"qr 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; 127.0.0.1; web login not permitted; number matching",
			"Mã QR 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; địa chỉ IP 127.0.0.1; chưa cấp quyền đăng nhập trên website; có đối chiếu số",
			"sign in on websites not granted; with number matching"},
		{"qr 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; 127.0.0.1; number matching",
			"Mã QR 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; địa chỉ IP 127.0.0.1; có đối chiếu số",
			"IP address 127.0.0.1; with number matching"},
		{"qr 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; 127.0.0.1",
			"Mã QR 1a2b3c4d; Cổng Dịch vụ công Quốc gia; Chrome 156 trên Linux; địa chỉ IP 127.0.0.1",
			"Chrome 156 on Linux; IP address 127.0.0.1"},
	} {
		vi, ok := describeDetail(i18n.Vi, "qr_scanned", tc.detail)
		if !ok || vi != tc.vi {
			t.Errorf("%q reads %q, want %q", tc.detail, vi, tc.vi)
		}
		en, _ := describeDetail(i18n.En, "qr_scanned", tc.detail)
		if !strings.Contains(en, tc.en) || vietnameseWord(en) {
			t.Errorf("%q in English reads %q, want it to contain %q", tc.detail, en, tc.en)
		}
	}
}
