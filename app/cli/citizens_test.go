package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/citizens"
	"dvclogin/store"
)

// run runs a command line as typed and returns its output, or fails the test.
func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := tryRun(args...)
	if err != nil {
		t.Fatalf("dvclogin %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// tryRun runs a command line as typed and returns its output and error.
func tryRun(args ...string) (string, error) {
	out, _, err := runStreams(args...)
	return out, err
}

// runStreams runs a command line as typed and returns what it wrote on stdout and on stderr.
func runStreams(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return out.String(), errOut.String(), err
}

// seededFolder is a data folder with a database in it, as a server leaves it (stopped): the
// demo citizens and nothing else.
func seededFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "dvclogin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, c := range store.DemoCitizens {
		c.PasswordHash, c.PasscodeHash = "x", "x"
		c.PasswordIsDemo, c.PasscodeIsDemo = true, true
		if err := st.CreateCitizen(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// citizenCount counts the citizens of a data folder.
func citizenCount(t *testing.T, dir string) int {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(dir, "dvclogin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.CountCitizens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mai is a citizen to add: a woman born in Hồ Chí Minh City in 1999.
var mai = []string{"-id-number", "079199123456", "-name", "Lê Thị Mai", "-birth-date", "1999-02-01", "-gender", "Nữ", "-phone", "0977000444"}

func TestCitizensAdd(t *testing.T) {
	dir := seededFolder(t)
	out := run(t, append([]string{"citizens", "add", "-data", dir}, mai...)...)
	if !strings.Contains(out, "Đã thêm công dân Lê Thị Mai, số định danh 079199123456.") || !strings.Contains(out, store.DemoPassword) {
		t.Fatalf("output:\n%s", out)
	}
	if list := run(t, "citizens", "list", "-data", dir); !strings.Contains(list, "079199123456  Lê Thị Mai") {
		t.Fatalf("list:\n%s", list)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ErrTaken", mai, "-id-number: Số định danh 079199123456 đã có trong hệ thống."},
		{"ErrPhoneTaken", []string{"-id-number", "079199123457", "-name", "Lê Thị Mai", "-birth-date", "1999-02-01", "-gender", "Nữ", "-phone", "0912345678"},
			"-phone: Số điện thoại 0912345678 đã thuộc về một công dân khác."},
		{"ErrFields", []string{"-id-number", "079099123456", "-name", "Lê Thị Mai", "-birth-date", "1999.02.01", "-gender", "Nữ", "-phone", "0977000555", "-passcode", "123456", "-level", "3"},
			"-birth-date: Ngày sinh phải có dạng"},
		{"ErrNoSuchDate", []string{"-id-number", "079199123458", "-name", "Lê Thị Mai", "-birth-date", "1999-02-30", "-gender", "Nữ", "-phone", "0977000555"},
			"-birth-date: Ngày sinh 1999-02-30 không có thật"},
		{"ErrWeakPassword", append([]string{"-password", "matkhau123"}, mai...), "-password: Mật khẩu này quá phổ biến"},
		{"ErrStray", append([]string{"extra"}, mai...), `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryRun(append([]string{"citizens", "add", "-data", dir}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
	if n := citizenCount(t, dir); n != 4 {
		t.Fatalf("%d citizens, want the 3 demo ones and Mai", n)
	}
}

func TestCitizensAddOwnSecretsAndFlags(t *testing.T) {
	dir := seededFolder(t)
	args := append([]string{"citizens", "add"}, mai...)
	out := run(t, append(args, "-level", "1", "-web-login=false", "-password", "Lop-hoc-2026", "-passcode", "246813", "-data", dir)...)
	if strings.Contains(out, store.DemoPassword) {
		t.Fatalf("output names the demo password for own secrets:\n%s", out)
	}
	list := run(t, "citizens", "list", "-data", dir)
	_, line, _ := strings.Cut(list, "079199123456")
	line, _, _ = strings.Cut(line, "\n")
	if got := strings.Join(strings.Fields(line)[6:], " "); got != "1 tắt (riêng) (riêng)" {
		t.Fatalf("Mai's level, web login, password and passcode: %q\n%s", got, list)
	}
}

// A folder without a database gets one first, exactly as the server's first start makes it:
// the demo citizens, unless -seed=false.
func TestCitizensNoDatabase(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []string
		want  int // citizens listed after the command added one
	}{
		{"Seeded", nil, len(store.DemoCitizens) + 1},
		{"NotSeeded", []string{"-seed=false"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new")
			args := append(append([]string{"citizens", "add", "-data", dir}, tc.flags...), mai...)
			if _, err := tryRun(args...); err != nil {
				t.Fatalf("%s: %v", strings.Join(args, " "), err)
			}
			st, err := store.Open(context.Background(), filepath.Join(dir, "dvclogin.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if n, err := st.CountCitizens(context.Background()); err != nil || n != tc.want {
				t.Fatalf("%d citizens (%v), want %d", n, err, tc.want)
			}
		})
	}
}

func TestCitizensUsage(t *testing.T) {
	for _, args := range [][]string{{"citizens"}, {"citizens", "remove"}} {
		if _, err := tryRun(args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// contractHeader is the header line of every CSV file the commands read and write.
const contractHeader = "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,so_dien_thoai,muc,dang_nhap_website,mat_khau,passcode"

// classCSV is a class as a spreadsheet saves it: a byte order mark and CRLF line ends.
const classCSV = "\xEF\xBB\xBF" + contractHeader + "\r\n" +
	"048192004711,Phạm Thị Thu Hà,1992-08-09,Nữ,0935123456,2,1,Lop-hoc-2026,246813\r\n" +
	"031203001234,Đỗ Minh Khoa,2003-01-15,Nam,0386000111,2,0,,\r\n" +
	"079075009876,Võ Văn Tám,1975-12-01,Nam,0912000222,1,0,,\r\n"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCitizensImport(t *testing.T) {
	dir := seededFolder(t)
	file := writeFile(t, "lop-hoc.csv", classCSV)
	out := run(t, "citizens", "import", file, "-data", dir)
	if !strings.Contains(out, "Đã nhập 3 công dân") || !strings.Contains(out, "Võ Văn Tám") || strings.Contains(out, "Lop-hoc-2026") {
		t.Fatalf("output:\n%s", out)
	}
	if n := citizenCount(t, dir); n != 6 {
		t.Fatalf("%d citizens, want 6", n)
	}
}

// TestCitizensImportRefuses: a bad file adds nobody, and the error names the line and column.
func TestCitizensImportRefuses(t *testing.T) {
	dir := seededFolder(t)
	bad := func(old, new string) string { return strings.Replace(classCSV, old, new, 1) }
	big := classCSV + strings.Repeat(",,,,,,,,\r\n", citizens.MaxCSVBytes/10+1)
	for _, tc := range []struct{ name, content, want string }{
		{"ErrHeader", bad("ngay_sinh", "ngaysinh"), `Dòng 1: Cột "ngaysinh" không có trong định dạng`},
		{"ErrID", bad("031203001234", "03120300123"), "Dòng 3, cột so_dinh_danh: Số định danh chỉ có 11 chữ số"},
		{"ErrIDInFile", classCSV + "048192004711,Phạm Thị Hà,1992-08-09,Nữ,0935999999,,,,\r\n", "Dòng 5, cột so_dinh_danh: Số định danh 048192004711 trùng với dòng 2."},
		{"ErrIDInDatabase", classCSV + "001085012345,Nguyễn Văn An,1985-03-12,Nam,0977000333,,,,\r\n", "Dòng 5, cột so_dinh_danh: Số định danh 001085012345 đã có trong hệ thống."},
		{"ErrDate", bad("2003-01-15", "2003-04-31"), "Dòng 3, cột ngay_sinh: Ngày sinh 2003-04-31 không có thật"},
		{"ErrLastLineBad", classCSV + "001099012345,Trần Văn Bình,1999-01-01,Nam,0977000999,3,1,,\r\n", "Dòng 5, cột muc: Mức tài khoản phải là 1 hoặc 2."},
		{"ErrNotUTF8", bad("Phạm Thị Thu Hà", "Ph\xe1m Th\xec Thu H\xe0"), "Dòng 2: Tệp không phải UTF-8"},
		{"ErrTooLarge", big, "lớn hơn 10 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryRun("citizens", "import", "-data", dir, writeFile(t, "class.csv", tc.content))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "không nhập công dân nào") && tc.name != "ErrTooLarge" {
				t.Fatalf("err = %v\nwant it to say %q", err, tc.want)
			}
			if n := citizenCount(t, dir); n != 3 {
				t.Fatalf("%d citizens after a refused file, want the 3 demo ones", n)
			}
		})
	}
	if _, err := tryRun("citizens", "import", "-data", dir); err == nil {
		t.Fatal("import without a file: no error")
	}
	if _, err := tryRun("citizens", "import", "-data", dir, filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Fatal("import of a missing file: no error")
	}
}

func TestCitizensListCSV(t *testing.T) {
	dir := seededFolder(t)
	out := run(t, "citizens", "list", "-csv", "-data", dir)
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 4 || strings.Join(records[0], ",") != contractHeader || strings.HasPrefix(out, "\xEF\xBB\xBF") {
		t.Fatalf("CSV:\n%s", out)
	}
	an := records[1]
	if strings.Join(an, ",") != "001085012345,Nguyễn Văn An,1985-03-12,Nam,0912345678,2,1,," {
		t.Fatalf("first line %q", an)
	}
	for _, rec := range records[1:] {
		if rec[7] != "" || rec[8] != "" {
			t.Fatalf("a listed line has secrets: %q", rec)
		}
	}
}

// TestCitizensListAligned: the table's columns line up, Vietnamese names and all.
func TestCitizensListAligned(t *testing.T) {
	dir := seededFolder(t)
	lines := strings.Split(strings.TrimSpace(run(t, "citizens", "list", "-data", dir)), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	col := func(line, cell string) int { return len([]rune(line[:strings.Index(line, cell)])) }
	want := col(lines[0], "NGÀY SINH")
	for i, d := range []string{"1985-03-12", "2001-11-05", "1990-07-21"} { // by ID number
		if got := col(lines[i+1], d); got != want {
			t.Errorf("line %d: birth date at column %d, heading at %d\n%s", i+2, got, want, strings.Join(lines, "\n"))
		}
	}
}

func TestCitizensGenerate(t *testing.T) {
	dir := seededFolder(t)
	file := filepath.Join(t.TempDir(), "khach.csv")
	out := run(t, "citizens", "generate", "-data", dir, "-csv", file, "5")
	if !strings.Contains(out, "Đã tạo 5 tài khoản khách") || strings.Count(out, store.DemoPassword) != 5 {
		t.Fatalf("output:\n%s", out)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := citizens.ReadCSV(bytes.NewReader(written), time.Now())
	if err != nil {
		t.Fatalf("the written file does not read back in the import format: %v", err)
	}
	if len(accounts) != 5 || !accounts[0].Citizen.WebLogin || accounts[0].Citizen.Level != 2 {
		t.Fatalf("file has %d accounts: %+v", len(accounts), accounts)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
		t.Errorf("the file of secrets is %v, want 0600", info.Mode().Perm())
	}
	if _, err := tryRun("citizens", "generate", "-data", dir, "-csv", file, "2"); err == nil || !strings.Contains(err.Error(), "chọn tên khác") {
		t.Fatalf("over an existing file: %v", err)
	}
	out = run(t, "citizens", "generate", "--random-secrets", "--web-login=false", "-data", dir, "2")
	for _, rec := range readCSV(t, out)[1:] {
		if rec[6] != "0" || rec[7] == store.DemoPassword || rec[7] == "" || rec[8] == store.DemoPasscode || rec[8] == "" {
			t.Fatalf("random secrets, web login off: %q\n%s", rec, out)
		}
	}
	if n := citizenCount(t, dir); n != 3+5+2 {
		t.Fatalf("%d citizens, want 10", n)
	}
	for _, n := range []string{"0", "201", "ba"} {
		if _, err := tryRun("citizens", "generate", "-data", dir, n); err == nil || !strings.Contains(err.Error(), "từ 1 đến 200") {
			t.Errorf("generate %s: %v", n, err)
		}
	}
}

// readCSV parses a command's CSV output, or fails the test.
func readCSV(t *testing.T, out string) [][]string {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out)
	}
	return records
}

// Without -csv, stdout is the CSV and nothing else, so that a script can read the accounts;
// the note is on stderr.
func TestCitizensGenerateStdout(t *testing.T) {
	dir := seededFolder(t)
	out, errOut, err := runStreams("citizens", "generate", "3", "-data", dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(out, "\xEF\xBB\xBF") || !strings.HasPrefix(out, contractHeader+"\n") {
		t.Fatalf("stdout does not start with the header line:\n%q", out)
	}
	if !strings.Contains(errOut, "Đã tạo 3 tài khoản khách") {
		t.Fatalf("stderr: %q", errOut)
	}
	records := readCSV(t, out)
	if len(records) != 4 {
		t.Fatalf("%d records, want the header and 3:\n%s", len(records), out)
	}
	for _, rec := range records[1:] {
		if _, err := time.Parse(time.DateOnly, rec[2]); err != nil || len(rec[0]) != 12 ||
			rec[3] != "Nam" && rec[3] != "Nữ" || len(rec[4]) != 10 || rec[4][0] != '0' ||
			rec[5] != "2" || rec[6] != "1" || rec[7] != store.DemoPassword || rec[8] != store.DemoPasscode {
			t.Fatalf("line %q", rec)
		}
	}
	// What was printed imports on another machine as it is.
	other := seededFolder(t)
	run(t, "citizens", "import", writeFile(t, "khach.csv", out), "-data", other)
	if n := citizenCount(t, other); n != 3+3 {
		t.Fatalf("%d citizens after importing the printed CSV, want 6", n)
	}
}

// Flags may come after the plain arguments, as well as before.
func TestCitizensFlagsAfterArguments(t *testing.T) {
	dir := seededFolder(t)
	file := filepath.Join(t.TempDir(), "khach.csv")
	if out := run(t, "citizens", "generate", "5", "-data", dir, "-csv", file); !strings.Contains(out, "Đã ghi "+file) {
		t.Fatalf("output:\n%s", out)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if records := readCSV(t, string(written)); len(records) != 6 || strings.Join(records[0], ",") != contractHeader {
		t.Fatalf("file:\n%s", written)
	}
	run(t, "citizens", "import", writeFile(t, "lop.csv", classCSV), "-data", dir)
	if n := citizenCount(t, dir); n != 3+5+3 {
		t.Fatalf("%d citizens, want 11", n)
	}
}

// The flag names of earlier versions, with a dd/mm/yyyy date, still add a citizen.
func TestCitizensAddEarlierFlags(t *testing.T) {
	dir := seededFolder(t)
	run(t, "citizens", "add", "-data", dir, "-id", "079199123456", "-name", "Lê Thị Mai", "-birth", "01/02/1999",
		"-gender", "Nữ", "-phone", "0977000444")
	if out := run(t, "citizens", "list", "-csv", "-data", dir); !strings.Contains(out, "079199123456,Lê Thị Mai,1999-02-01,Nữ,0977000444,2,1,,\n") {
		t.Fatalf("list:\n%s", out)
	}
}

// TestCitizensWhileServerRuns adds citizens to the data folder of a running server: the server
// sees them at once, and a new citizen logs in on the web with the demo secrets.
func TestCitizensWhileServerRuns(t *testing.T) {
	env := apptest.New(t)
	dir := env.Config.DataDir
	run(t, append([]string{"citizens", "add", "-data", dir}, mai...)...)
	run(t, "citizens", "import", "-data", dir, writeFile(t, "lop.csv", classCSV))
	run(t, "citizens", "generate", "-data", dir, "2")

	c := env.Client()
	lp := env.OpenLoginAt(c, "/dang-nhap/vneid")
	token := env.AppLogin("079199123456", app.DemoPassword)
	resp, body := env.PasswordStep(c, lp, "079199123456", app.DemoPassword)
	codeAt, codePage := env.CodeStep(c, resp, body)
	resp, body = env.SubmitCode(c, codeAt, codePage, env.LatestCode(token))
	resp, body, at := env.Follow(c, resp, body)
	if resp.StatusCode != http.StatusOK || at != env.URL+"/tai-khoan" || !strings.Contains(body, "Lê Thị Mai") {
		t.Fatalf("login of the new citizen ended at %s with %d\n%s", at, resp.StatusCode, body)
	}
	// The imported citizen with her own password, in the phone app.
	if code, _, _ := env.NewDevice().TryLogin("048192004711", "Lop-hoc-2026", ""); code != http.StatusOK {
		t.Fatalf("app login of an imported citizen: %d", code)
	}
	list := run(t, "citizens", "list", "-data", dir)
	if strings.Count(list, "\n") != 1+3+1+3+2 {
		t.Fatalf("list after adding 6:\n%s", list)
	}
}
