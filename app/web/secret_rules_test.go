package web

import (
	"errors"
	"strings"
	"testing"

	"dvclogin/store"
)

func TestCheckPassword(t *testing.T) {
	const id, phone = "001085012345", "0912345678"
	tests := []struct {
		name, pw string
		want     string // part of the message, "" = accepted
	}{
		{"OK", "Demo@1234", ""},
		{"OKPassphrase", "correct horse battery staple", ""},
		{"OKVietnamese", strings.Repeat("đ", 64), ""},
		{"ErrSevenChars", "Ab@1234", "ít nhất 8 ký tự"},
		{"ErrSevenVietnameseChars", "đđđđđđđ", "ít nhất 8 ký tự"}, // 14 bytes, 7 characters
		{"ErrCommon", "12345678", "quá phổ biến"},
		{"ErrCommonCase", "PassWord1", "quá phổ biến"},
		{"ErrCommonSpaces", "mat khau 123", "quá phổ biến"},
		{"ErrCommonVietnamese", "Anhyeuem@123", "quá phổ biến"},
		{"ErrIDNumber", id, "số định danh"},
		{"ErrIDNumberSpaced", "0010 8501 2345", "số định danh"},
		{"ErrPhone", phone, "số điện thoại"},
		{"ErrPhoneCountryCode", "+84912345678", "số điện thoại"},
		{"ErrSpaceAround", " Demo@1234", "khoảng trắng"},
		{"ErrTooLong", strings.Repeat("a", MaxSecretLen+1), "quá dài"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPassword(tc.pw, id, phone)
			var we *Error
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (!errors.As(err, &we) || !strings.Contains(we.Msg, tc.want)):
				t.Fatalf("got %v, want a refusal saying %q", err, tc.want)
			}
		})
	}
}

func TestCheckPasscode(t *testing.T) {
	const birth = "1985-03-12"
	tests := []struct {
		name, pc string
		want     string
	}{
		{"OK", "135790", ""},
		{"OKWrapping", "890123", ""},
		{"ErrFormat", "12345", "6 chữ số"},
		{"ErrLetters", "12345a", "6 chữ số"},
		{"ErrSame", "777777", "giống nhau hoặc liên tiếp"},
		{"ErrAscending", "123456", "giống nhau hoặc liên tiếp"},
		{"ErrAscendingFrom4", "456789", "giống nhau hoặc liên tiếp"},
		{"ErrDescending", "654321", "giống nhau hoặc liên tiếp"},
		{"ErrBirthDDMMYY", "120385", "ngày sinh"},
		{"ErrBirthYYMMDD", "850312", "ngày sinh"},
		{"ErrBirthMMDDYY", "031285", "ngày sinh"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPasscode(tc.pc, birth)
			var we *Error
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (!errors.As(err, &we) || !strings.Contains(we.Msg, tc.want)):
				t.Fatalf("got %v, want a refusal saying %q", err, tc.want)
			}
		})
	}
}

// The demo citizens' secrets, which the seed sets and every guide shows, pass the rules.
func TestDemoSecretsPassTheRules(t *testing.T) {
	for _, c := range store.DemoCitizens {
		if err := CheckPassword(store.DemoPassword, c.IDNumber, c.Phone); err != nil {
			t.Errorf("%s: demo password refused: %v", c.IDNumber, err)
		}
		if err := CheckPasscode(store.DemoPasscode, c.BirthDate); err != nil {
			t.Errorf("%s: demo passcode refused: %v", c.IDNumber, err)
		}
	}
	if len(commonPasswords) < 1000 {
		t.Fatalf("%d common passwords, want at least 1000", len(commonPasswords))
	}
}
