package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"dvclogin/app/citizens"
	"dvclogin/store"
)

// citizensCmd manages the citizens of a data folder: add one, import a CSV file, list them, or
// make visitor accounts for a class. It works on the database file itself, with the server
// running or not: the server reads citizens from the database at every login and keeps no copy,
// so a citizen added here can log in at once.
func citizensCmd(ctx context.Context, args []string, s Streams) error {
	subs := map[string]func(context.Context, []string, Streams) error{
		"add": addCitizen, "import": importCitizens, "list": listCitizens, "generate": generateVisitors,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(s.Err, "Usage: dvclogin citizens add|import|list|generate [flags]   (-h after one for its flags)")
		fmt.Fprintln(s.Err, "  add -id-number N -name NAME -birth-date YYYY-MM-DD -gender Nam|Nữ -phone 0XXXXXXXXX [-level 1|2] [-web-login=true|false] [-password P] [-passcode NNNNNN]")
		fmt.Fprintln(s.Err, "  import FILE.csv     add every citizen of a CSV file, or none if a line is wrong")
		fmt.Fprintln(s.Err, "  list [-csv]         every citizen, as a table or as CSV (secrets left empty)")
		fmt.Fprintln(s.Err, "  generate N [-csv FILE] [-web-login=false] [-random-secrets]   N visitor accounts for a class, as CSV")
		if len(args) == 0 {
			return errors.New("citizens: missing subcommand")
		}
		return fmt.Errorf("citizens: unknown subcommand %q", args[0])
	}
	return subs[args[0]](ctx, args[1:], s)
}

// citizenFlags are the flags every citizens subcommand has: the data folder, as for serve.
func citizenFlags(name string, s Streams) (*flag.FlagSet, *dataFolder) {
	fs := flag.NewFlagSet("dvclogin citizens "+name, flag.ContinueOnError)
	fs.SetOutput(s.Err)
	return fs, dataFlags(fs)
}

// auditCreated records each new citizen in the audit trail the console shows.
func auditCreated(ctx context.Context, st *store.Store, accounts []citizens.Account, detail string) error {
	for _, a := range accounts {
		if err := auditCLI(ctx, st, "citizen_created", a.Citizen.ID, detail); err != nil {
			return err
		}
	}
	return nil
}

func addCitizen(ctx context.Context, args []string, s Streams) error {
	fs, dir := citizenFlags("add", s)
	var f citizens.Fields
	for _, key := range citizens.Columns() {
		if key != citizens.FieldWebLogin {
			fs.StringVar(f.Field(key), citizens.FlagName(key), "", addUsage[key])
		}
	}
	// The names of earlier versions still work, for scripts written then.
	fs.StringVar(&f.IDNumber, "id", "", "same as -id-number")
	fs.StringVar(&f.Birth, "birth", "", "same as -birth-date")
	webLogin := fs.Bool("web-login", true, `"Đăng nhập trên website" permission`)
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("citizens add: unexpected argument %q (every field is a flag: -id-number, -name, …)", pos[0])
	}
	f.WebLogin = strconv.FormatBool(*webLogin)
	d, ps := citizens.Check(f, time.Now())
	if len(ps) > 0 {
		return flagProblems(ps)
	}
	st, err := dir.open(ctx, s.Err)
	if err != nil {
		return err
	}
	defer st.Close()
	accounts, err := citizens.Create(ctx, st, newHasher(), []citizens.Draft{d}, time.Now())
	var created citizens.Problems
	if errors.As(err, &created) {
		return flagProblems(created)
	}
	if err != nil {
		return err
	}
	if err := auditCreated(ctx, st, accounts, "dvclogin citizens add"); err != nil {
		return err
	}
	c := accounts[0].Citizen
	fmt.Fprintf(s.Out, "Đã thêm công dân %s, số định danh %s.\n", c.FullName, c.IDNumber)
	if c.PasswordIsDemo && c.PasscodeIsDemo {
		fmt.Fprintf(s.Out, "Mật khẩu %s, passcode %s (của bản demo).\n", store.DemoPassword, store.DemoPasscode)
	}
	return nil
}

// addUsage describes each flag of "citizens add".
var addUsage = map[string]string{
	citizens.FieldID:       "số định danh cá nhân: 12 digits (province, century+gender, year of birth, 6 digits)",
	citizens.FieldName:     "họ và tên",
	citizens.FieldBirth:    "ngày sinh, YYYY-MM-DD",
	citizens.FieldGender:   "giới tính: Nam or Nữ",
	citizens.FieldPhone:    "mobile number: 0XXXXXXXXX",
	citizens.FieldLevel:    "account level: 1 or 2 (default 2)",
	citizens.FieldPassword: "password (default: the demo password " + store.DemoPassword + ")",
	citizens.FieldPasscode: "6-digit app passcode (default: the demo passcode " + store.DemoPasscode + ")",
}

// flagProblems names each refused value by its flag.
func flagProblems(ps citizens.Problems) error {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = "-" + citizens.FlagName(p.Field) + ": " + p.Msg
	}
	return errors.New(strings.Join(lines, "\n"))
}

func importCitizens(ctx context.Context, args []string, s Streams) error {
	fs, dir := citizenFlags("import", s)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("citizens import: name one CSV file (dvclogin citizens import lop-hoc.csv)")
	}
	file, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("không mở được tệp %s: %w", pos[0], err)
	}
	defer file.Close()
	if info, err := file.Stat(); err == nil && info.Size() > citizens.MaxCSVBytes {
		return fmt.Errorf("tệp %s lớn hơn 10 MB: hãy chia thành nhiều tệp nhỏ hơn rồi nhập từng tệp", pos[0])
	}
	st, err := dir.open(ctx, s.Err)
	if err != nil {
		return err
	}
	defer st.Close()
	accounts, err := citizens.Import(ctx, st, newHasher(), file, time.Now())
	var ps citizens.Problems
	if errors.As(err, &ps) {
		return fmt.Errorf("không nhập công dân nào từ %s:\n%w", pos[0], ps)
	}
	if err != nil {
		return err
	}
	if err := auditCreated(ctx, st, accounts, "dvclogin citizens import "+filepath.Base(pos[0])); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "Đã nhập %d công dân từ %s.\n", len(accounts), pos[0])
	return writeTable(s.Out, accounts, false)
}

func listCitizens(ctx context.Context, args []string, s Streams) error {
	fs, dir := citizenFlags("list", s)
	asCSV := fs.Bool("csv", false, "write CSV in the import format, the password and passcode columns empty")
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("citizens list: unexpected argument %q", pos[0])
	}
	st, err := dir.open(ctx, s.Err)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListCitizens(ctx)
	if err != nil {
		return err
	}
	if *asCSV {
		// A list is for reading or for another machine's import, never a way to hand out
		// secrets: the columns are there, empty (an import gives the demo ones).
		bare := make([]citizens.Account, len(list))
		for i, c := range list {
			bare[i] = citizens.Account{Citizen: c}
		}
		return citizens.WriteCSV(s.Out, bare)
	}
	accounts := make([]citizens.Account, len(list))
	for i, c := range list {
		accounts[i] = citizens.DemoAccount(c)
	}
	return writeTable(s.Out, accounts, true)
}

func generateVisitors(ctx context.Context, args []string, s Streams) (err error) {
	fs, dir := citizenFlags("generate", s)
	random := fs.Bool("random-secrets", false, "give each visitor its own random password and passcode (default: the demo ones)")
	webLogin := fs.Bool("web-login", true, `turn "Đăng nhập trên website" on`)
	csvPath := fs.String("csv", "", "write the accounts' CSV, with their secrets, to this new file instead of stdout")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	n := 0
	if len(pos) == 1 {
		n, _ = strconv.Atoi(pos[0])
	}
	if len(pos) != 1 || n < 1 || n > citizens.MaxVisitors {
		return fmt.Errorf("citizens generate: cần số tài khoản khách, từ 1 đến %d (dvclogin citizens generate 30)", citizens.MaxVisitors)
	}
	st, err := dir.open(ctx, s.Err)
	if err != nil {
		return err
	}
	defer st.Close()
	// The file is made first, so that a name already taken stops before any account is made;
	// it goes again if making them fails.
	var out *os.File
	if *csvPath != "" {
		if out, err = os.OpenFile(*csvPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return fmt.Errorf("không tạo được tệp %s (tệp đã có thì hãy chọn tên khác): %w", *csvPath, err)
		}
		defer func() {
			out.Close()
			if err != nil {
				os.Remove(*csvPath)
			}
		}()
	}
	drafts, err := citizens.Visitors(ctx, st, n, citizens.VisitorOptions{RandomSecrets: *random, WebLogin: *webLogin}, time.Now())
	if err != nil {
		return err
	}
	accounts, err := citizens.Create(ctx, st, newHasher(), drafts, time.Now())
	if err != nil {
		return err
	}
	if err := auditCreated(ctx, st, accounts, "dvclogin citizens generate"); err != nil {
		return err
	}
	done := fmt.Sprintf("Đã tạo %d tài khoản khách (mức 2).", len(accounts))
	if out == nil {
		// Stdout is the CSV alone, for a script to read; the note goes beside it.
		fmt.Fprintln(s.Err, done)
		return citizens.WriteCSV(s.Out, accounts)
	}
	fmt.Fprintln(s.Out, done)
	if err := writeTable(s.Out, accounts, true); err != nil {
		return err
	}
	if err := citizens.WriteCSV(out, accounts); err != nil {
		return fmt.Errorf("không ghi được %s (các tài khoản đã được tạo, xem bảng trên): %w", *csvPath, err)
	}
	fmt.Fprintf(s.Out, "Đã ghi %s.\n", *csvPath)
	return nil
}

// writeTable prints accounts as aligned columns, with their secrets where known when asked.
func writeTable(w io.Writer, accounts []citizens.Account, secrets bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "SỐ ĐỊNH DANH\tHỌ VÀ TÊN\tNGÀY SINH\tGIỚI TÍNH\tĐIỆN THOẠI\tMỨC\tWEBSITE"
	if secrets {
		head += "\tMẬT KHẨU\tPASSCODE"
	}
	fmt.Fprintln(tw, head)
	for _, a := range accounts {
		c := a.Citizen
		webLogin := "tắt"
		if c.WebLogin {
			webLogin = "bật"
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%d\t%s", c.IDNumber, c.FullName, c.BirthDate,
			c.Gender, c.Phone, c.Level, webLogin)
		if secrets {
			line += "\t" + orUnknown(a.Password) + "\t" + orUnknown(a.Passcode)
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// orUnknown shows a secret the server cannot know (it keeps only the hash) as "(riêng)".
func orUnknown(secret string) string {
	if secret == "" {
		return "(riêng)"
	}
	return secret
}
