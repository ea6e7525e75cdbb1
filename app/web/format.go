package web

import (
	"strings"
	"unicode/utf8"
)

// MaskPhone hides the middle of a phone number: 0912345678 -> 091****678.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-6) + p[len(p)-3:]
}

// MaskIDNumber hides the 8 middle characters of a 12-digit ID ("mask lại 8 ký tự giữa", as the
// VNeID app does): 001085012345 -> 00********45.
func MaskIDNumber(id string) string {
	if len(id) != 12 {
		return strings.Repeat("*", len(id))
	}
	return id[:2] + strings.Repeat("*", 8) + id[10:]
}

// MaskName keeps the first letter of each word: "Nguyễn Văn An" -> "N*** V** A*". It is shown
// on the desktop when a phone scans, so the person at the screen notices a stranger without the
// page leaking the full name.
func MaskName(name string) string {
	words := strings.Fields(name)
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(r) + strings.Repeat("*", utf8.RuneCountInString(w[size:]))
	}
	return strings.Join(words, " ")
}

// IsIDNumber reports whether s is a well-formed số định danh cá nhân: exactly 12 digits.
func IsIDNumber(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// IsPasscode reports whether s is a 6-digit passcode or code.
func IsPasscode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
