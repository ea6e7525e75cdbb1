package citizens

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
)

// vnZone is Vietnam time: "today", for a birth date, is the date there.
var vnZone = time.FixedZone("ICT", 7*3600)

// secretProblem is the reason a secret rule gave, or no message (Key "").
func secretProblem(err error) i18n.Message {
	var we *web.Error
	if errors.As(err, &we) {
		return i18n.Msg(we.Msg, we.Args...)
	}
	if err != nil {
		return i18n.Msg(web.MsgBadRequest)
	}
	return i18n.Message{}
}

// parseName normalises a full name (Unicode NFC, single spaces) and accepts it when it is 2 to
// 100 characters of Vietnamese letters and spaces.
func parseName(s string) (string, i18n.Message) {
	if !utf8.ValidString(s) {
		return "", i18n.Msg("Họ và tên chứa ký tự không đọc được. Hãy gõ lại họ và tên.")
	}
	name := strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return "", i18n.Msg("Hãy nhập họ và tên.")
	case n < 2 || n > 100:
		return name, i18n.Msg("Họ và tên phải có từ 2 đến 100 ký tự.")
	}
	for _, r := range name {
		if r != ' ' && !isVietnameseLetter(r) {
			return name, i18n.Msg("Họ và tên chỉ gồm chữ cái tiếng Việt và dấu cách, không có %q.", r)
		}
	}
	return name, i18n.Message{}
}

// isVietnameseLetter reports whether r is a letter as Vietnamese writes it: decomposed, a Latin
// letter (đ and Đ are letters of their own) that, when it is a vowel, may carry one vowel mark
// (circumflex on a, e, o; breve on a; horn on o, u) and one of the five tone marks.
func isVietnameseLetter(r rune) bool {
	if r == 'đ' || r == 'Đ' {
		return true
	}
	d := []rune(norm.NFD.String(string(r)))
	base := unicode.ToLower(d[0])
	if base < 'a' || base > 'z' {
		return false
	}
	var vowelMark, tone int
	for _, m := range d[1:] {
		switch {
		case m == '\u0302' && strings.ContainsRune("aeo", base), m == '\u0306' && base == 'a',
			m == '\u031B' && strings.ContainsRune("ou", base):
			vowelMark++
		case strings.ContainsRune("\u0300\u0301\u0303\u0309\u0323", m) && strings.ContainsRune("aeiouy", base):
			tone++
		default:
			return false
		}
	}
	return vowelMark <= 1 && tone <= 1
}

// parseBirth reads YYYY-MM-DD (as files and the command line write it) or dd/mm/yyyy (as a
// person types it; one-digit day and month allowed) and returns YYYY-MM-DD, as stored. The date
// must exist, be in 1900 or later (the ID number's century digit starts there) and not after
// today in Vietnam.
func parseBirth(s string, now time.Time) (string, i18n.Message) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", i18n.Msg("Hãy nhập ngày sinh theo dạng dd/mm/yyyy, ví dụ 12/03/1985.")
	}
	n, ok := dateParts(s)
	if !ok {
		return "", i18n.Msg("Ngày sinh phải có dạng dd/mm/yyyy (ví dụ 12/03/1985) hoặc YYYY-MM-DD (ví dụ 1985-03-12).")
	}
	d, m, y := n[0], n[1], n[2]
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || t.Day() != d || t.Month() != time.Month(m) {
		return "", i18n.Msg("Ngày sinh %s không có thật (ngày %d tháng %d năm %d).", s, d, m, y)
	}
	today := now.In(vnZone)
	switch {
	case y < 1900:
		return "", i18n.Msg("Năm sinh phải từ 1900 trở về sau.")
	case t.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)):
		return "", i18n.Msg("Ngày sinh không được sau ngày hôm nay.")
	}
	return t.Format(time.DateOnly), i18n.Message{}
}

// dateParts splits dd/mm/yyyy or YYYY-MM-DD into day, month and year.
func dateParts(s string) ([3]int, bool) {
	var n [3]int
	parts, order := strings.Split(s, "/"), [3]int{0, 1, 2}
	valid := len(parts) == 3 && len(parts[0]) <= 2 && len(parts[1]) <= 2 && len(parts[2]) == 4
	if !valid {
		parts, order = strings.Split(s, "-"), [3]int{2, 1, 0}
		valid = len(parts) == 3 && len(parts[0]) == 4 && len(parts[1]) == 2 && len(parts[2]) == 2
	}
	if !valid {
		return n, false
	}
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || !isDigits(p) {
			return n, false
		}
		n[order[i]] = v
	}
	return n, true
}

// BirthVN writes a stored birth date (YYYY-MM-DD) as an operator types it: dd/mm/yyyy.
func BirthVN(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02/01/2006")
}

// parseGender accepts Nam or Nữ in any case (also typed without the tone: "nu").
func parseGender(s string) (string, i18n.Message) {
	switch strings.ToLower(norm.NFC.String(strings.TrimSpace(s))) {
	case "nam":
		return "Nam", i18n.Message{}
	case "nữ", "nu": // i18n:vi (what an operator types)
		return "Nữ", i18n.Message{}
	case "":
		return "", i18n.Msg("Hãy chọn giới tính: Nam hoặc Nữ.")
	}
	return "", i18n.Msg("Giới tính phải là Nam hoặc Nữ.")
}

// mobilePrefixes are the three-digit mobile prefixes in use since the 2018 renumbering
// (Viettel, VinaPhone, MobiFone, Vietnamobile, Gmobile, Itelecom).
var mobilePrefixes = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`032 033 034 035 036 037 038 039 056 058 059 070 076 077 078 079
		081 082 083 084 085 086 087 088 089 090 091 092 093 094 096 097 098 099`) {
		m[p] = true
	}
	return m
}()

// parsePhone accepts a Vietnamese mobile number, 0 and 9 digits or +84 and 9 digits (spaces,
// dots and dashes between digits are ignored), and returns it as stored: 0xxxxxxxxx.
func parsePhone(s string) (string, i18n.Message) {
	p := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if p == "" {
		return "", i18n.Msg("Hãy nhập số điện thoại di động.")
	}
	if rest, ok := strings.CutPrefix(p, "+84"); ok {
		p = "0" + rest
	}
	switch {
	case len(p) == 9 && isDigits(p) && p[0] != '0' && mobilePrefixes["0"+p[:2]]:
		return "", i18n.Msg("Số điện thoại thiếu số 0 ở đầu (Excel thường bỏ số 0 này: hãy định dạng cột là Văn bản/Text).")
	case len(p) != 10 || !isDigits(p) || p[0] != '0':
		return "", i18n.Msg("Số điện thoại phải là số di động Việt Nam: 10 chữ số bắt đầu bằng 0, hoặc +84 và 9 chữ số.")
	case !mobilePrefixes[p[:3]]:
		return "", i18n.Msg("Đầu số %s không phải đầu số di động Việt Nam (ví dụ 091, 098, 090, 032).", p[:3])
	}
	return p, i18n.Message{}
}

// parseLevel accepts 1 or 2; empty is 2.
func parseLevel(s string) (int, i18n.Message) {
	switch strings.TrimSpace(s) {
	case "", "2":
		return 2, i18n.Message{}
	case "1":
		return 1, i18n.Message{}
	}
	return 0, i18n.Msg("Mức tài khoản phải là 1 hoặc 2.")
}

// parseWebLogin accepts the ways a person writes yes and no; empty is yes.
func parseWebLogin(s string) (bool, i18n.Message) {
	switch strings.ToLower(norm.NFC.String(strings.TrimSpace(s))) {
	case "", "1", "true", "on", "yes", "có", "co", "bật", "bat": // i18n:vi (what an operator types)
		return true, i18n.Message{}
	case "0", "false", "off", "no", "không", "khong", "tắt", "tat": // i18n:vi
		return false, i18n.Message{}
	}
	return false, i18n.Msg("Đăng nhập trên website phải là có hoặc không (1 hoặc 0).")
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// isBlank reports whether a cell holds nothing but spaces.
func isBlank(s string) bool { return strings.TrimFunc(s, unicode.IsSpace) == "" }
