package app

import (
	"strings"
	"testing"
)

// A weak -admin-password / DVC_ADMIN_PASSWORD stops the start.
func TestValidateRefusesWeakAdminPassword(t *testing.T) {
	for _, tc := range []struct{ name, pw, want string }{
		{"OK", "Quantri@2026", ""},
		{"OKUnset", "", ""},
		{"ErrShort", "Ab@1234", "admin password"},
		{"ErrCommon", "password123", "admin password"},
		{"ErrCommonDigits", "12345678", "admin password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.AdminPassword = tc.pw
			cfg.PublicURL = "http://127.0.0.1:8080"
			err := cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate: %v, want %q", err, tc.want)
			}
		})
	}
}
