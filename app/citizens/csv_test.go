package citizens

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"dvclogin/app/web"
	"dvclogin/store"
)

// fastHasher keeps the tests quick; the stored hash carries its parameters.
func fastHasher() *web.Hasher {
	return web.NewHasher(web.Argon2Params{Memory: 1024, Time: 1, Threads: 1}, 8)
}

// openStore opens a database in the test's folder with the demo citizens in it.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "dvclogin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, c := range store.DemoCitizens {
		c.PasswordHash, c.PasscodeHash, c.CreatedAt = "x", "x", now
		if err := st.CreateCitizen(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

const header = "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,so_dien_thoai,muc,dang_nhap_website,mat_khau,passcode\n"

// class is a valid file of three citizens.
const class = header +
	"048192004711,Phạm Thị Thu Hà,1992-08-09,Nữ,0935123456,2,1,Lop-hoc-2026,246813\n" +
	"031203001234,Đỗ Minh Khoa,2003-01-15,Nam,0386000111,2,0,,\n" +
	"\"079075009876\",\"Võ Văn Tám\",1975-12-01,Nam,+84 912 000 222,1,không,\"Tam,Hue-75\",\n"

// oldClass is the same class as files of earlier versions wrote it: the field keys as column
// names and dd/mm/yyyy dates.
const oldClass = "id,name,birth,gender,phone,level,web_login,password,passcode\n" +
	"048192004711,Phạm Thị Thu Hà,09/08/1992,Nữ,0935123456,2,1,Lop-hoc-2026,246813\n" +
	"031203001234,Đỗ Minh Khoa,15/01/2003,Nam,0386000111,2,0,,\n" +
	"\"079075009876\",\"Võ Văn Tám\",01/12/1975,Nam,+84 912 000 222,1,không,\"Tam,Hue-75\",\n"

func TestReadCSVOK(t *testing.T) {
	for _, tc := range []struct{ name, file string }{
		{"Plain", class},
		{"BOM", "\xEF\xBB\xBF" + class},
		{"CRLF", strings.ReplaceAll(class, "\n", "\r\n")},
		{"Semicolons", strings.ReplaceAll(class, ",", ";")},
		{"BlankLines", strings.Replace(class, "\n", "\n\n,,,,,,,,\n", 2)},
		{"EarlierVersion", oldClass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			drafts, err := ReadCSV(strings.NewReader(tc.file), now)
			if err != nil {
				t.Fatal(err)
			}
			if len(drafts) != 3 {
				t.Fatalf("%d drafts, want 3", len(drafts))
			}
			if c := drafts[2].Citizen; c.FullName != "Võ Văn Tám" || c.Phone != "0912000222" || c.Level != 1 || c.WebLogin {
				t.Fatalf("third citizen %+v", c)
			}
			if pw := drafts[2].Password; pw != "Tam,Hue-75" && pw != "Tam;Hue-75" {
				t.Fatalf("quoted password read as %q", pw)
			}
			if !drafts[1].Citizen.PasswordIsDemo || drafts[1].Passcode != store.DemoPasscode {
				t.Fatal("empty secrets are not the demo ones")
			}
		})
	}
}

// TestReadCSVRefuses: every bad file is refused whole, each problem naming its line.
func TestReadCSVRefuses(t *testing.T) {
	bad := func(old, new string) string { return strings.Replace(class, old, new, 1) }
	for _, tc := range []struct {
		name, file string
		line       int
		field, msg string
	}{
		{"ErrEmpty", "", 1, "", "Tệp trống"},
		{"ErrOnlyHeader", header, 2, "", "chỉ có dòng tiêu đề"},
		{"ErrUnknownColumn", bad("passcode\n", "passcode,email\n"), 1, "", `Cột "email"`},
		{"ErrMissingColumn", bad("ngay_sinh,", ""), 1, FieldBirth, "thiếu cột"},
		{"ErrRepeatedColumn", bad("so_dien_thoai,", "so_dien_thoai,ho_ten,"), 1, FieldName, "hai lần"},
		{"ErrWrongHeader", "so dinh danh,ho ten\n001085012345,An\n", 1, "", "không có trong định dạng"},
		{"ErrBadID", bad("031203001234", "031203O01234"), 3, FieldID, "12 chữ số"},
		{"ErrIDLostZeros", bad("031203001234", "31203001234"), 3, FieldID, "Excel"},
		{"ErrBadDate", bad("2003-01-15", "15.01.2003"), 3, FieldBirth, "YYYY-MM-DD"},
		{"ErrShortDate", bad("2003-01-15", "2003-1-15"), 3, FieldBirth, "YYYY-MM-DD"},
		{"ErrNoSuchDate", bad("2003-01-15", "2003-02-29"), 3, FieldBirth, "không có thật"},
		{"ErrDuplicateIDInFile", class + "048192004711,Phạm Thị Hà,1992-08-09,Nữ,0935999999,,,,\n", 5, FieldID, "trùng với dòng 2"},
		{"ErrDuplicatePhoneInFile", bad("0386000111", "0935 123 456"), 3, FieldPhone, "trùng với dòng 2"},
		{"ErrShortLine", bad(",2,0,,\n", "\n"), 3, "", "có 5 ô"},
		{"ErrQuote", bad(`"Võ Văn Tám"`, `"Võ Văn "Tám"`), 4, "", "ngoặc kép"},
		{"ErrLatin1", bad("Phạm Thị Thu Hà", "Ph\xe1m Th\xec"), 2, "", "không phải UTF-8"},
		{"ErrUTF16", "\xFF\xFEi\x00d\x00", 1, "", "UTF-16"},
		{"ErrWeakPassword", bad(`"Tam,Hue-75"`, "password"), 4, FieldPassword, "quá phổ biến"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			drafts, err := ReadCSV(strings.NewReader(tc.file), now)
			var ps Problems
			if !errors.As(err, &ps) || drafts != nil {
				t.Fatalf("ReadCSV = %d drafts, %v; want Problems", len(drafts), err)
			}
			for _, p := range ps {
				if p.Line == tc.line && p.Field == tc.field && strings.Contains(p.Msg, tc.msg) {
					return
				}
			}
			t.Fatalf("no problem on line %d, field %q saying %q in:\n%v", tc.line, tc.field, tc.msg, ps)
		})
	}
}

func TestReadCSVTooLarge(t *testing.T) {
	file := class + strings.Repeat(",,,,,,,,\n", MaxCSVBytes/9)
	_, err := ReadCSV(strings.NewReader(file), now)
	if err == nil || !strings.Contains(err.Error(), "10 MB") {
		t.Fatalf("a file over 10 MB: %v", err)
	}
}

func TestReadCSVTooManyRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,so_dien_thoai\n")
	for i := 0; i <= MaxCSVRows; i++ {
		b.WriteString("048192004711,Phạm Thị Thu Hà,1992-08-09,Nữ,0935123456\n")
	}
	_, err := ReadCSV(strings.NewReader(b.String()), now)
	if err == nil || !strings.Contains(err.Error(), "Dòng 502: Tệp có hơn 500 công dân") {
		t.Fatalf("%d rows: %.200v", MaxCSVRows+1, err)
	}
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	accounts, err := Import(ctx, st, fastHasher(), strings.NewReader(class), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 3 {
		t.Fatalf("%d accounts", len(accounts))
	}
	for _, a := range accounts {
		c, err := st.CitizenByIDNumber(ctx, a.Citizen.IDNumber)
		if err != nil {
			t.Fatal(err)
		}
		for secret, hash := range map[string]string{a.Password: c.PasswordHash, a.Passcode: c.PasscodeHash} {
			if ok, _ := fastHasher().Verify(ctx, hash, secret); !ok {
				t.Errorf("%s: the stored hash does not verify %q", c.IDNumber, secret)
			}
		}
		if c.PasswordIsDemo != (a.Password == store.DemoPassword) || c.ID == "" || !c.CreatedAt.Equal(now) {
			t.Errorf("stored %+v", c)
		}
	}
	// The same file again: every line's ID number (and phone) is taken now; nothing is added.
	_, err = Import(ctx, st, fastHasher(), strings.NewReader(class), now)
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 6 || ps[0].Line != 2 || ps[0].Field != FieldID || !strings.Contains(ps[0].Msg, "đã có trong hệ thống") {
		t.Fatalf("second import: %v", err)
	}
	if n, _ := st.CountCitizens(ctx); n != 6 {
		t.Fatalf("%d citizens, want 3 demo + 3 imported", n)
	}
}

// A line whose ID number a citizen has refuses the whole file, the good lines too.
func TestImportDuplicateOfDatabase(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	file := class + "001085012345,Nguyễn Văn An,1985-03-12,Nam,0977000333,,,,\n" +
		"001085012346,Nguyễn Văn Ánh,1985-03-12,Nam,0912345678,,,,\n"
	_, err := Import(ctx, st, fastHasher(), strings.NewReader(file), now)
	if err == nil || !strings.Contains(err.Error(), "Dòng 5, cột so_dinh_danh: Số định danh 001085012345 đã có trong hệ thống.") ||
		!strings.Contains(err.Error(), "Dòng 6, cột so_dien_thoai: Số điện thoại 0912345678 đã thuộc về một công dân khác.") {
		t.Fatalf("import with taken values: %v", err)
	}
	if n, _ := st.CountCitizens(ctx); n != len(store.DemoCitizens) {
		t.Fatalf("%d citizens after a refused file, want only the demo ones", n)
	}
}

func TestWriteCSVReadsBack(t *testing.T) {
	drafts, err := ReadCSV(strings.NewReader(class), now)
	if err != nil {
		t.Fatal(err)
	}
	var accounts []Account
	for _, d := range drafts {
		accounts = append(accounts, Account{Citizen: d.Citizen, Password: d.Password, Passcode: d.Passcode})
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, accounts); err != nil {
		t.Fatal(err)
	}
	again, err := ReadCSV(&buf, now)
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for i := range drafts {
		drafts[i].Line, again[i].Line = 0, 0
		if drafts[i] != again[i] {
			t.Errorf("line %d: %+v, read back %+v", i+2, drafts[i], again[i])
		}
	}
}

// The written file is exactly the import format: the header line, ISO dates, 0xxxxxxxxx phone
// numbers, 1/0, and no byte order mark.
func TestWriteCSVFormat(t *testing.T) {
	drafts, err := ReadCSV(strings.NewReader(oldClass), now)
	if err != nil {
		t.Fatal(err)
	}
	accounts := []Account{{Citizen: drafts[2].Citizen, Password: drafts[2].Password}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, accounts); err != nil {
		t.Fatal(err)
	}
	want := header + "079075009876,Võ Văn Tám,1975-12-01,Nam,0912000222,1,0,\"Tam,Hue-75\",\n"
	if buf.String() != want {
		t.Fatalf("written:\n%s\nwant:\n%s", buf.String(), want)
	}
}
