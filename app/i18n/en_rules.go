package i18n

// The English of the rules app/web applies wherever a secret is set or a service registered:
// the password and passcode rules (the console, an import, the phone app) and the rules of an
// OpenID Connect client (the console).
func init() {
	add(map[string]string{
		"Mật khẩu phải có ít nhất 8 ký tự.": "The password must have at least 8 characters.",
		"Mật khẩu quá dài.":                 "The password is too long.",
		"Mật khẩu không được bắt đầu hoặc kết thúc bằng khoảng trắng.":                             "The password must not start or end with a space.",
		"Mật khẩu này quá phổ biến và dễ bị đoán. Vui lòng chọn mật khẩu khác.":                    "This password is too common and easy to guess. Please choose another password.",
		"Mật khẩu không được trùng với số định danh cá nhân hoặc số điện thoại.":                   "The password must not be the personal ID number or the phone number.",
		"Passcode phải gồm đúng 6 chữ số.":                                                         "The passcode must be exactly 6 digits.",
		"Passcode không được là ngày sinh của bạn.":                                                "The passcode must not be your date of birth.",
		"Passcode không được gồm 6 chữ số giống nhau hoặc liên tiếp (như 111111, 123456, 654321).": "The passcode must not be 6 identical or consecutive digits (such as 111111, 123456, 654321).",

		"Địa chỉ chuyển hướng (redirect URI)":                                "Redirect URI",
		"Địa chỉ sau khi đăng xuất (post-logout redirect URI)":               "Post-logout redirect URI",
		"Vui lòng nhập ít nhất một địa chỉ chuyển hướng (redirect URI).":     "Please enter at least one redirect URI.",
		"Vui lòng nhập mã ứng dụng (client_id).":                             "Please enter the client ID (client_id).",
		"Mã ứng dụng %q là của một ứng dụng có sẵn. Vui lòng chọn mã khác.":  "The client ID %q belongs to a built-in application. Please choose another ID.",
		"Vui lòng nhập tên dịch vụ: công dân sẽ thấy tên này khi đăng nhập.": "Please enter the service name: citizens see it when they log in.",
		"Tên dịch vụ chứa ký tự không hợp lệ.":                               "The service name contains invalid characters.",
		"Tên dịch vụ dài tối đa %d ký tự.":                                   "The service name may have at most %d characters.",
		"%s %q không hợp lệ: %s.":                                            "%s %q is not valid: %s.",
		"%s: tối đa %d địa chỉ.":                                             "%s: at most %d addresses.",
		"dài quá %d ký tự":                                                   "it is longer than %d characters",
		"không được chứa khoảng trắng hay ký tự điều khiển":                  "it must not contain spaces or control characters",
		"không được chứa phần # (fragment)":                                  "it must not contain a # part (fragment)",
		"không được chứa ký tự đại diện *: địa chỉ phải khớp chính xác":      "it must not contain the wildcard *: the address must match exactly",
		"không được dùng scheme %s:":                                         "the scheme %s: is not allowed",
		"phải là địa chỉ đầy đủ bắt đầu bằng http://, https:// hoặc scheme riêng của ứng dụng (chữ thường, như com.example.app:/cb)": "it must be a full address starting with http://, https:// or the application's own scheme (in lower case, such as com.example.app:/cb)",
		"thiếu tên máy chủ (host)":                                                                                                       "the host name is missing",
		"không được chứa tên người dùng hay mật khẩu (phần user@)":                                                                       "it must not contain a user name or password (the user@ part)",
		"Mã ứng dụng %q đã được dùng cho một ứng dụng khác. Vui lòng chọn mã khác.":                                                      "The client ID %q is already used by another application. Please choose another ID.",
		"Ứng dụng %q là ứng dụng công khai (public): không có khóa bí mật để đổi.":                                                       "%q is a public application: it has no secret to change.",
		"Ứng dụng %q có sẵn trong hệ thống: không thể xóa hay đổi khóa bí mật.":                                                          "%q is built into the system: it cannot be removed and its secret cannot be changed.",
		"Không có ứng dụng tích hợp nào với mã %q.":                                                                                      "There is no integrated application with the client ID %q.",
		"Mã ứng dụng (client_id) dài 3–64 ký tự, chỉ gồm chữ thường không dấu (a–z), chữ số và các dấu . _ -, bắt đầu bằng chữ hoặc số.": "The client ID (client_id) has 3–64 characters: only lower-case letters without accents (a–z), digits and the signs . _ -, starting with a letter or a digit.",
	})
}
