package citizens

import (
	"strings"
	"testing"
	"time"

	"dvclogin/store"
)

// now is the tests' clock: 2 March 2026, 08:00 in Vietnam.
var now = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// good is a valid new citizen: a woman born in Đà Nẵng in 1992.
func good() Fields {
	return Fields{IDNumber: "048192004711", Name: "Phạm Thị Thu Hà", Birth: "09/08/1992", Gender: "Nữ",
		Phone: "0935123456", Level: "2", WebLogin: "1", Password: "Lop-hoc-2026", Passcode: "246813"}
}

func TestCheckOK(t *testing.T) {
	f := good()
	f.Name = "  phạm   thị thu\tHà "
	f.Name = strings.Replace(f.Name, "ạ", "a\u0323", 1) // decomposed, as some keyboards type it
	f.Phone = "+84 935 123 456"
	d, ps := Check(f, now)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	c := d.Citizen
	want := store.Citizen{IDNumber: "048192004711", FullName: "phạm thị thu Hà", BirthDate: "1992-08-09", Gender: "Nữ",
		Phone: "0935123456", Level: 2, WebLogin: true}
	if c != want {
		t.Fatalf("citizen\n%+v, want\n%+v", c, want)
	}
	if d.Password != "Lop-hoc-2026" || d.Passcode != "246813" {
		t.Fatalf("secrets %q %q", d.Password, d.Passcode)
	}
}

func TestCheckDefaults(t *testing.T) {
	f := good()
	f.Level, f.WebLogin, f.Password, f.Passcode = "", "", "", ""
	d, ps := Check(f, now)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	c := d.Citizen
	if c.Level != 2 || !c.WebLogin || d.Password != store.DemoPassword || d.Passcode != store.DemoPasscode ||
		!c.PasswordIsDemo || !c.PasscodeIsDemo {
		t.Fatalf("defaults: %+v %q %q", c, d.Password, d.Passcode)
	}
}

// The seed's own citizens follow the rules.
func TestCheckDemoCitizens(t *testing.T) {
	for _, c := range store.DemoCitizens {
		f := FieldsOf(c)
		if _, ps := Check(f, now); len(ps) > 0 {
			t.Errorf("%s: %v", c.IDNumber, ps)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   func(*Fields)
		field string
		msg   string
	}{
		{"ErrIDEmpty", func(f *Fields) { f.IDNumber = "" }, FieldID, "Hãy nhập số định danh"},
		{"ErrIDShort", func(f *Fields) { f.IDNumber = "0481920047" }, FieldID, "Excel"},
		{"ErrIDLetters", func(f *Fields) { f.IDNumber = "04819200471a" }, FieldID, "đúng 12 chữ số"},
		{"ErrIDFullwidth", func(f *Fields) { f.IDNumber = "０48192004711" }, FieldID, "đúng 12 chữ số"},
		{"ErrIDProvince", func(f *Fields) { f.IDNumber = "003192004711" }, FieldID, "mã tỉnh"},
		{"ErrIDProvinceAbove", func(f *Fields) { f.IDNumber = "097192004711" }, FieldID, "mã tỉnh"},
		{"ErrIDGenderDigit", func(f *Fields) { f.IDNumber = "048092004711" }, FieldID, "phải là 1"},
		{"ErrIDCenturyDigit", func(f *Fields) { f.IDNumber = "048392004711" }, FieldID, "phải là 1"},
		{"ErrIDYear", func(f *Fields) { f.IDNumber = "048193004711" }, FieldID, "phải là 92"},
		{"ErrIDGenderChanged", func(f *Fields) { f.Gender = "Nam" }, FieldID, "phải là 0"},
		{"ErrNameEmpty", func(f *Fields) { f.Name = "   " }, FieldName, "Hãy nhập họ và tên"},
		{"ErrNameShort", func(f *Fields) { f.Name = "A" }, FieldName, "từ 2 đến 100"},
		{"ErrNameLong", func(f *Fields) { f.Name = strings.Repeat("Anh ", 30) }, FieldName, "từ 2 đến 100"},
		{"ErrNameDigit", func(f *Fields) { f.Name = "Phạm Thị 2" }, FieldName, "'2'"},
		{"ErrNameSymbol", func(f *Fields) { f.Name = "Phạm <Thị>" }, FieldName, "'<'"},
		{"ErrNameOtherScript", func(f *Fields) { f.Name = "Phạm Thị Ñga" }, FieldName, "'Ñ'"},
		{"ErrNameInvalidUTF8", func(f *Fields) { f.Name = "Ph\xffm" }, FieldName, "không đọc được"},
		{"ErrBirthEmpty", func(f *Fields) { f.Birth = "" }, FieldBirth, "dd/mm/yyyy"},
		{"ErrBirthDots", func(f *Fields) { f.Birth = "09.08.1992" }, FieldBirth, "dd/mm/yyyy"},
		{"ErrBirthSign", func(f *Fields) { f.Birth = "+9/08/1992" }, FieldBirth, "dd/mm/yyyy"},
		{"ErrBirthNoSuchDay", func(f *Fields) { f.Birth = "30/02/1992" }, FieldBirth, "không có thật"},
		{"ErrBirthISOShort", func(f *Fields) { f.Birth = "1992-8-9" }, FieldBirth, "YYYY-MM-DD"},
		{"ErrBirthISONoSuchDay", func(f *Fields) { f.Birth = "1992-02-30" }, FieldBirth, "không có thật"},
		{"ErrBirthMonth", func(f *Fields) { f.Birth = "09/13/1992" }, FieldBirth, "không có thật"},
		{"ErrBirthFuture", func(f *Fields) { f.Birth = "03/03/2026"; f.IDNumber = "048326004711" }, FieldBirth, "sau ngày hôm nay"},
		{"ErrBirthBefore1900", func(f *Fields) { f.Birth = "31/12/1899" }, FieldBirth, "1900"},
		{"ErrGenderEmpty", func(f *Fields) { f.Gender = "" }, FieldGender, "Nam hoặc Nữ"},
		{"ErrGenderOther", func(f *Fields) { f.Gender = "F" }, FieldGender, "Nam hoặc Nữ"},
		{"ErrPhoneEmpty", func(f *Fields) { f.Phone = "" }, FieldPhone, "Hãy nhập số điện thoại"},
		{"ErrPhoneShort", func(f *Fields) { f.Phone = "093512345" }, FieldPhone, "10 chữ số"},
		{"ErrPhoneLostZero", func(f *Fields) { f.Phone = "935123456" }, FieldPhone, "thiếu số 0"},
		{"ErrPhoneLandline", func(f *Fields) { f.Phone = "0243123456" }, FieldPhone, "Đầu số 024"},
		{"ErrPhone84NoPlus", func(f *Fields) { f.Phone = "84935123456" }, FieldPhone, "10 chữ số"},
		{"ErrLevel", func(f *Fields) { f.Level = "3" }, FieldLevel, "1 hoặc 2"},
		{"ErrWebLogin", func(f *Fields) { f.WebLogin = "maybe" }, FieldWebLogin, "có hoặc không"},
		{"ErrPasswordCommon", func(f *Fields) { f.Password = "12345678" }, FieldPassword, "quá phổ biến"},
		{"ErrPasswordIsPhone", func(f *Fields) { f.Password = "0935123456" }, FieldPassword, "số điện thoại"},
		{"ErrPasswordIsID", func(f *Fields) { f.Password = "048192004711" }, FieldPassword, "số định danh"},
		{"ErrPasscodeShort", func(f *Fields) { f.Passcode = "12345" }, FieldPasscode, "6 chữ số"},
		{"ErrPasscodeRun", func(f *Fields) { f.Passcode = "654321" }, FieldPasscode, "liên tiếp"},
		{"ErrPasscodeBirth", func(f *Fields) { f.Passcode = "090892" }, FieldPasscode, "ngày sinh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good()
			tc.set(&f)
			_, ps := Check(f, now)
			msg := ps.Of(tc.field)
			if !strings.Contains(msg, tc.msg) {
				t.Fatalf("%s: %q, want it to say %q (all: %v)", tc.field, msg, tc.msg, ps)
			}
		})
	}
}

func TestCheckAcceptsVariants(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Fields)
	}{
		{"OneDigitDayMonth", func(f *Fields) { f.Birth = "9/8/1992" }},
		{"ISODate", func(f *Fields) { f.Birth = "1992-08-09" }},
		{"GenderLowerCase", func(f *Fields) { f.Gender = "nữ" }},
		{"GenderNoTone", func(f *Fields) { f.Gender = "NU" }},
		{"PhoneDots", func(f *Fields) { f.Phone = "0935.123.456" }},
		{"WebLoginWord", func(f *Fields) { f.WebLogin = "Không" }},
		{"Born2000s", func(f *Fields) { f.Birth = "01/01/2004"; f.IDNumber = "048304004711" }},
		{"NameAllCaps", func(f *Fields) { f.Name = "PHẠM THỊ THU HÀ" }},
		{"NameĐ", func(f *Fields) { f.Name = "Đỗ Thị Đào" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good()
			tc.set(&f)
			if _, ps := Check(f, now); len(ps) > 0 {
				t.Fatal(ps)
			}
		})
	}
}

func TestCheckEdit(t *testing.T) {
	cit := store.DemoCitizens[0] // Nguyễn Văn An, 001085012345, Nam, 1985
	for _, tc := range []struct {
		name   string
		set    func(*Fields)
		fields []string
	}{
		{"OK", func(f *Fields) { f.Name = "Nguyễn Văn Ân"; f.Birth = "01/01/1985"; f.Phone = "0388888888" }, nil},
		{"ErrOtherYear", func(f *Fields) { f.Birth = "12/03/1986" }, []string{FieldBirth, FieldGender}},
		{"ErrOtherGender", func(f *Fields) { f.Gender = "Nữ" }, []string{FieldBirth, FieldGender}},
		{"ErrPhone", func(f *Fields) { f.Phone = "12" }, []string{FieldPhone}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := FieldsOf(cit)
			f.IDNumber = "079190054321" // ignored: the ID number is not edited
			tc.set(&f)
			c, ps := CheckEdit(cit, f, now)
			for _, field := range tc.fields {
				if ps.Of(field) == "" {
					t.Errorf("no problem with %s: %v", field, ps)
				}
			}
			if len(ps) != len(tc.fields) {
				t.Fatalf("problems %v, want on %v", ps, tc.fields)
			}
			if c.ID != cit.ID || c.IDNumber != cit.IDNumber {
				t.Fatalf("the edit changed who it is: %+v", c)
			}
			if len(ps) == 0 && (c.FullName != "Nguyễn Văn Ân" || c.BirthDate != "1985-01-01" || c.Phone != "0388888888") {
				t.Fatalf("edit not applied: %+v", c)
			}
		})
	}
	_, ps := CheckEdit(cit, FieldsOf(cit), now)
	if msg := ps.Of(FieldBirth); msg != "" {
		t.Fatalf("unchanged fields refused: %v", ps)
	}
	f := FieldsOf(cit)
	f.Birth = "12/03/1986"
	if _, ps := CheckEdit(cit, f, now); !strings.Contains(ps.Of(FieldBirth), "Nam, sinh năm 1985, đăng ký khai sinh tại Hà Nội") {
		t.Fatalf("the message does not say what the ID number holds: %q", ps.Of(FieldBirth))
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{Line: 4, Field: FieldBirth, Msg: "x"}, "Dòng 4, cột ngay_sinh: x"},
		{Problem{Line: 4, Msg: "x"}, "Dòng 4: x"},
		{Problem{Field: FieldBirth, Msg: "x"}, "birth: x"},
		{Problem{Msg: "x"}, "x"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}

// Every letter of the Vietnamese alphabet with every tone is a letter; a tone on a consonant,
// or a mark Vietnamese does not use, is not.
func TestVietnameseLetters(t *testing.T) {
	const all = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệfghiìíỉĩịjklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvwxyỳýỷỹỵz"
	for _, r := range all + strings.ToUpper(all) {
		if !isVietnameseLetter(r) {
			t.Errorf("%q refused", r)
		}
	}
	for _, r := range "ñÑçøåäöüǎ1-'. " {
		if isVietnameseLetter(r) {
			t.Errorf("%q accepted", r)
		}
	}
}
