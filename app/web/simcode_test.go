package web

import "testing"

func TestParseSIMTransferCode(t *testing.T) {
	code := NewSIMTransferCode()
	if got, ok := ParseSIMTransferCode(code); !ok || got != code {
		t.Fatalf("a fresh code %q reads as %q %v", code, got, ok)
	}
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"OKGrouped", "ABCD-EFGH-JKMN", "ABCDEFGHJKMN", true},
		{"OKLowerWithSpaces", " abcd efgh jkmn ", "ABCDEFGHJKMN", true},
		{"OKQRURL", "http://192.168.1.5:8080/app/sim#ABCD-EFGH-JKMN", "ABCDEFGHJKMN", true},
		{"OKLookAlikes", "OIL0-0000-0000", "011000000000", true},
		{"ErrShort", "ABCD-EFGH-JKM", "", false},
		{"ErrLong", "ABCD-EFGH-JKMNP", "", false},
		{"ErrU", "ABCD-EFGH-JKMU", "", false},
		{"ErrLoginQR", "http://192.168.1.5:8080/app/scan#abc.def", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseSIMTransferCode(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("ParseSIMTransferCode(%q) = %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
	if FormatCode("ABCDEFGHJKMN") != "ABCD-EFGH-JKMN" {
		t.Fatal("codes are not grouped by four")
	}
}
