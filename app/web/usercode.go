package web

import "strings"

// The user code of a login at a counter (RFC 8628): 8 consonants, shown as XXXX-XXXX. No
// vowels (no words), easy to read out and to type on a phone: 20^8 codes, unguessable within
// a code's life of minutes.
const (
	UserCodeLetters = "BCDFGHJKLMNPQRSTVWXZ"
	UserCodeLen     = 8
)

// NormalizeUserCode returns a user code as stored: upper case, without spaces or dashes; ""
// when what was typed cannot be one. FormatCode shows it.
func NormalizeUserCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
	if len(s) != UserCodeLen {
		return ""
	}
	for _, r := range s {
		if !strings.ContainsRune(UserCodeLetters, r) {
			return ""
		}
	}
	return s
}
