package i18n

// The English of a citizen record's rules (app/citizens): what the console's forms and its CSV
// import say about a refused value. The command line prints them in Vietnamese.
func init() {
	add(map[string]string{
		"Nam": "Male",
		"Nữ":  "Female",

		"Dòng %d, cột %s: %s": "Line %d, column %s: %s",
		"Dòng %d: %s":         "Line %d: %s",

		"Hãy nhập số định danh cá nhân (12 chữ số).":    "Enter the personal ID number (12 digits).",
		"Số định danh cá nhân phải gồm đúng 12 chữ số.": "The personal ID number must have exactly 12 digits.",
		"Số định danh chỉ có %d chữ số, cần đúng 12 (Excel thường bỏ các số 0 ở đầu: hãy định dạng cột là Văn bản/Text).":         "The ID number has only %d digits; it needs exactly 12 (Excel often drops the leading zeros: format the column as Text).",
		"Ba chữ số đầu của số định danh (%s) phải là mã tỉnh, thành phố nơi đăng ký khai sinh, từ 001 (Hà Nội) đến 096 (Cà Mau).": "The first three digits of the ID number (%s) must be the code of the province or city where the birth was registered, from 001 (Hanoi) to 096 (Ca Mau).",
		"Chữ số thứ 4 của số định danh (mã thế kỷ và giới tính) phải là %d với giới tính %s và năm sinh %d, không phải %c.":       "The 4th digit of the ID number (the century and gender code) must be %d for gender %s and birth year %d, not %c.",
		"Chữ số thứ 5 và 6 của số định danh phải là %s (hai số cuối của năm sinh %d), không phải %s.":                             "The 5th and 6th digits of the ID number must be %s (the last two digits of the birth year %d), not %s.",
		"Ngày sinh và giới tính phải khớp với số định danh %s (%s).":                                                              "The date of birth and gender must match the ID number %s (%s).",
		"%s, sinh năm %d, đăng ký khai sinh tại %s": "%s, born in %d, birth registered in %s",
		"%s, sinh năm %d": "%s, born in %d",
		"Số định danh %s đã có trong hệ thống.":           "The ID number %s is already in the system.",
		"Số điện thoại %s đã thuộc về một công dân khác.": "The phone number %s already belongs to another citizen.",

		"Họ và tên chứa ký tự không đọc được. Hãy gõ lại họ và tên.": "The full name has characters that cannot be read. Type the full name again.",
		"Hãy nhập họ và tên.":                                                                           "Enter the full name.",
		"Họ và tên phải có từ 2 đến 100 ký tự.":                                                         "The full name must have 2 to 100 characters.",
		"Họ và tên chỉ gồm chữ cái tiếng Việt và dấu cách, không có %q.":                                "The full name may have only Vietnamese letters and spaces, not %q.",
		"Hãy nhập ngày sinh theo dạng dd/mm/yyyy, ví dụ 12/03/1985.":                                    "Enter the date of birth as dd/mm/yyyy, for example 12/03/1985.",
		"Ngày sinh phải có dạng dd/mm/yyyy (ví dụ 12/03/1985) hoặc YYYY-MM-DD (ví dụ 1985-03-12).":      "The date of birth must be dd/mm/yyyy (for example 12/03/1985) or YYYY-MM-DD (for example 1985-03-12).",
		"Ngày sinh %s không có thật (ngày %d tháng %d năm %d).":                                         "The date of birth %s does not exist (day %d, month %d, year %d).",
		"Năm sinh phải từ 1900 trở về sau.":                                                             "The birth year must be 1900 or later.",
		"Ngày sinh không được sau ngày hôm nay.":                                                        "The date of birth cannot be after today.",
		"Hãy chọn giới tính: Nam hoặc Nữ.":                                                              "Choose the gender: Nam (male) or Nu (female).",
		"Giới tính phải là Nam hoặc Nữ.":                                                                "The gender must be Nam (male) or Nu (female).",
		"Hãy nhập số điện thoại di động.":                                                               "Enter the mobile phone number.",
		"Số điện thoại thiếu số 0 ở đầu (Excel thường bỏ số 0 này: hãy định dạng cột là Văn bản/Text).": "The phone number lacks its leading 0 (Excel often drops it: format the column as Text).",
		"Số điện thoại phải là số di động Việt Nam: 10 chữ số bắt đầu bằng 0, hoặc +84 và 9 chữ số.":    "The phone number must be a Vietnamese mobile number: 10 digits starting with 0, or +84 and 9 digits.",
		"Đầu số %s không phải đầu số di động Việt Nam (ví dụ 091, 098, 090, 032).":                      "%s is not a Vietnamese mobile prefix (such as 091, 098, 090, 032).",
		"Mức tài khoản phải là 1 hoặc 2.":                                                               "The account level must be 1 or 2.",
		"Đăng nhập trên website phải là có hoặc không (1 hoặc 0).":                                      "Website login must be yes or no (1 or 0).",
		"Số tài khoản khách phải từ 1 đến %d.":                                                          "The number of visitor accounts must be from 1 to %d.",

		"Tệp lớn hơn 10 MB. Hãy chia thành nhiều tệp nhỏ hơn rồi nhập từng tệp.":                                                                          "The file is larger than 10 MB. Split it into smaller files and import them one at a time.",
		"Tệp trống: dòng đầu phải là dòng tiêu đề, ví dụ %s.":                                                                                             "The file is empty: the first line must be the header line, for example %s.",
		"Tệp được lưu dạng UTF-16 (Unicode Text). Hãy lưu lại dạng \"CSV UTF-8 (phân cách bằng dấu phẩy)\" rồi nhập lại.":                                 "The file is saved as UTF-16 (Unicode Text). Save it again as \"CSV UTF-8 (Comma delimited)\" and import it again.",
		"Tệp không phải UTF-8 (có thể đang là Windows-1258 hoặc TCVN3). Trong Excel chọn Lưu thành \"CSV UTF-8 (phân cách bằng dấu phẩy)\" rồi nhập lại.": "The file is not UTF-8 (it may be Windows-1258 or TCVN3). In Excel, choose Save As \"CSV UTF-8 (Comma delimited)\" and import it again.",
		"Không đọc được tệp CSV.":            "The CSV file cannot be read.",
		"Dòng này không đúng định dạng CSV.": "This line is not valid CSV.",
		"Dấu ngoặc kép (\") không đúng chỗ (dòng %d của tệp). Một ô có dấu phẩy hoặc ngoặc kép phải nằm trong ngoặc kép, và ngoặc kép bên trong viết thành \"\".": "A double quote (\") is out of place (line %d of the file). A cell with a comma or a double quote must be inside double quotes, and a double quote inside it is written \"\".",
		"Cột %q không có trong định dạng. Các cột là: %s.":                          "The column %q is not in the format. The columns are: %s.",
		"Cột này có hai lần trong dòng tiêu đề.":                                    "This column appears twice in the header line.",
		"Dòng tiêu đề thiếu cột này (các cột bắt buộc: %s).":                        "The header line lacks this column (the required columns: %s).",
		"Tệp có hơn %d công dân. Hãy chia thành nhiều tệp, mỗi tệp tối đa %d dòng.": "The file has more than %d citizens. Split it into several files of at most %d lines each.",
		"Dòng có %d ô nhưng dòng tiêu đề có %d cột.":                                "The line has %d cells but the header line has %d columns.",
		"Tệp chỉ có dòng tiêu đề, chưa có công dân nào.":                            "The file has only the header line and no citizens.",
		"Số định danh %s trùng với dòng %d.":                                        "The ID number %s is the same as on line %d.",
		"Số điện thoại %s trùng với dòng %d.":                                       "The phone number %s is the same as on line %d.",
	})
}
