package citizens

import (
	"fmt"
	"strings"
	"time"

	"dvclogin/app/i18n"
)

// The số định danh cá nhân has the structure PPP G YY RRRRRR (Nghị định 137/2015/NĐ-CP Art. 13):
// the province where the birth was registered, a digit for century and gender, the last two
// digits of the birth year, and six random digits. There is no check digit: these are all the
// checks there are.

// provinces are the 63 province codes of Phụ lục 1, Thông tư 07/2016/TT-BCA. IDs keep their
// code after the 2025 province merger. The names are names: the same in every language.
var provinces = map[string]string{
	"001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang", // i18n:vi
	"010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái", // i18n:vi
	"017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", // i18n:vi
	"025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng", // i18n:vi
	"033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình", // i18n:vi
	"038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị", // i18n:vi
	"046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", // i18n:vi
	"054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum", // i18n:vi
	"064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước", // i18n:vi
	"072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", // i18n:vi
	"080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", // i18n:vi
	"087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang", // i18n:vi
	"094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau", // i18n:vi
}

// parseIDNumber accepts 12 digits (spaces around them ignored) that start with a province code.
func parseIDNumber(s string) (string, i18n.Message) {
	id := strings.TrimSpace(s)
	switch {
	case id == "":
		return "", i18n.Msg("Hãy nhập số định danh cá nhân (12 chữ số).")
	case isDigits(id) && len(id) < 12 && len(id) >= 9:
		return "", i18n.Msg("Số định danh chỉ có %d chữ số, cần đúng 12 (Excel thường bỏ các số 0 ở đầu: hãy định dạng cột là Văn bản/Text).", len(id))
	case len(id) != 12 || !isDigits(id):
		return "", i18n.Msg("Số định danh cá nhân phải gồm đúng 12 chữ số.")
	case provinces[id[:3]] == "":
		return "", i18n.Msg("Ba chữ số đầu của số định danh (%s) phải là mã tỉnh, thành phố nơi đăng ký khai sinh, từ 001 (Hà Nội) đến 096 (Cà Mau).", id[:3])
	}
	return id, i18n.Message{}
}

// centuryDigit is the ID number's fourth digit for a birth year and gender: 0/1 for the 1900s
// (Nam/Nữ), 2/3 for the 2000s, and so on.
func centuryDigit(year int, gender string) int {
	d := (year/100 - 19) * 2
	if gender == "Nữ" {
		d++
	}
	return d
}

// idMatches says what is wrong when the ID number's century-and-gender digit or year digits
// disagree with the birth date (YYYY-MM-DD) and gender, or no message (Key "") when they agree.
func idMatches(id, birth, gender string) i18n.Message {
	t, err := time.Parse(time.DateOnly, birth)
	if err != nil || len(id) != 12 {
		return i18n.Message{}
	}
	y := t.Year()
	if want := centuryDigit(y, gender); int(id[3]-'0') != want {
		return i18n.Msg("Chữ số thứ 4 của số định danh (mã thế kỷ và giới tính) phải là %d với giới tính %s và năm sinh %d, không phải %c.",
			want, i18n.Msg(gender), y, id[3])
	}
	if want := fmt.Sprintf("%02d", y%100); id[4:6] != want {
		return i18n.Msg("Chữ số thứ 5 và 6 của số định danh phải là %s (hai số cuối của năm sinh %d), không phải %s.", want, y, id[4:6])
	}
	return i18n.Message{}
}

// describeID says what an ID number's digits tell: "Nam, sinh năm 1985, đăng ký khai sinh tại
// Hà Nội".
func describeID(id string) i18n.Message {
	if len(id) != 12 || !isDigits(id) {
		return i18n.Msg("")
	}
	g := int(id[3] - '0')
	gender := i18n.Msg("Nam")
	if g%2 == 1 {
		gender = i18n.Msg("Nữ")
	}
	year := 1900 + g/2*100 + int(id[4]-'0')*10 + int(id[5]-'0')
	if p := provinces[id[:3]]; p != "" {
		return i18n.Msg("%s, sinh năm %d, đăng ký khai sinh tại %s", gender, year, p)
	}
	return i18n.Msg("%s, sinh năm %d", gender, year)
}

// makeIDNumber builds an ID number for a birth year, gender and province with the six random
// digits given.
func makeIDNumber(province string, year int, gender string, random int) string {
	return fmt.Sprintf("%s%d%02d%06d", province, centuryDigit(year, gender), year%100, random%1000000)
}
