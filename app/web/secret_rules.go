package web

import (
	_ "embed"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules for a secret a citizen or the operator is given: every place that sets a password
// or a passcode (the console, the -admin-password flag, an import) calls CheckPassword or
// CheckPasscode, so a weak secret is refused wherever it comes from (NIST 800-63B-4 §3.1.1.2:
// at least 8 characters, no common or context-derived values; §3.2.10 for the passcode).

// MinPasswordLen is the shortest password accepted, in characters (Unicode code points).
const MinPasswordLen = 8

// msgPasswordShort says MinPasswordLen in words. It is one catalog key with the number in it,
// so that the refusal reaches a page or the phone as a plain message in either language.
const msgPasswordShort = "Mật khẩu phải có ít nhất 8 ký tự."

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded list, in normalSecret form.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line = normalSecret(line); line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
}()

// normalSecret is a secret as the rules compare it: lower case, without spaces, so "Mat Khau"
// and "matkhau" are the same weak password.
func normalSecret(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

func weakSecret(code, msg, why string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Msg: msg, Err: errors.New(why)}
}

// CheckPassword refuses a password that is too short or too long, starts or ends with a space,
// is on the list of common passwords, or equals the citizen's ID number or phone number
// (ignoring case and spaces). idNumber and phone may be "" (the operator's password). The
// error is a *Error whose Msg says why in Vietnamese (a catalog key without arguments, shown in
// the language of whoever reads it) and whose Err says it in English for the log.
func CheckPassword(pw, idNumber, phone string) error {
	n := normalSecret(pw)
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return weakSecret("weak_password", msgPasswordShort, "too short")
	case len(pw) > MaxSecretLen:
		return weakSecret("weak_password", "Mật khẩu quá dài.", "too long")
	case strings.TrimSpace(pw) != pw:
		return weakSecret("weak_password", "Mật khẩu không được bắt đầu hoặc kết thúc bằng khoảng trắng.", "leading or trailing space")
	case commonPasswords[n]:
		return weakSecret("weak_password", "Mật khẩu này quá phổ biến và dễ bị đoán. Vui lòng chọn mật khẩu khác.", "a common password")
	case n != "" && (n == normalSecret(idNumber) || samePhone(n, phone)):
		return weakSecret("weak_password", "Mật khẩu không được trùng với số định danh cá nhân hoặc số điện thoại.", "equals the ID or phone number")
	}
	return nil
}

// samePhone reports whether a normalised password is the phone number, also written with the
// country code (84…, +84…).
func samePhone(n, phone string) bool {
	p := normalSecret(phone)
	if p == "" {
		return false
	}
	forms := []string{p}
	if rest, ok := strings.CutPrefix(p, "0"); ok {
		forms = append(forms, "84"+rest, "+84"+rest)
	}
	for _, f := range forms {
		if n == f {
			return true
		}
	}
	return false
}

// CheckPasscode refuses a passcode that is not 6 digits, has all digits equal (111111), is a
// strict ascending or descending run (123456, 654321), or is the birth date (birthDate as
// YYYY-MM-DD; "" skips that rule) written DDMMYY, YYMMDD or MMDDYY. The error is a *Error as
// for CheckPassword.
func CheckPasscode(pc, birthDate string) error {
	if !IsPasscode(pc) {
		return weakSecret("invalid_passcode", "Passcode phải gồm đúng 6 chữ số.", "not 6 digits")
	}
	if run(pc, 0) || run(pc, 1) || run(pc, -1) {
		return weakSecret("weak_passcode", "Passcode không được gồm 6 chữ số giống nhau hoặc liên tiếp (như 111111, 123456, 654321).",
			"repeated or sequential digits")
	}
	if y, m, d, ok := splitDate(birthDate); ok {
		for _, f := range []string{d + m + y[2:], y[2:] + m + d, m + d + y[2:]} {
			if pc == f {
				return weakSecret("weak_passcode", "Passcode không được là ngày sinh của bạn.", "the birth date")
			}
		}
	}
	return nil
}

// run reports whether each digit of s is the previous one plus step.
func run(s string, step int) bool {
	for i := 1; i < len(s); i++ {
		if int(s[i])-int(s[i-1]) != step {
			return false
		}
	}
	return true
}

// splitDate splits YYYY-MM-DD.
func splitDate(s string) (y, m, d string, ok bool) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) != 2 || len(parts[2]) != 2 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}
