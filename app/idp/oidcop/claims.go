package oidcop

import (
	"context"
	"strconv"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// loginIdP is the "loginIdp" claim of the real SSO for accounts of the Ministry of Public
// Security (Bộ Công an).
const loginIdP = "BCA"

// fillUserinfo sets the claims of citizen subject for the granted scopes: the standard OIDC
// claims plus the VNeID-style ones the real SSO returns (SoDinhDanh, HoVaTen,
// NgayThangNamSinh, LoaiTaiKhoan, loginIdp). acr and amr describe the login and go into the ID
// token and the userinfo answer alike.
func (s *opStorage) fillUserinfo(ctx context.Context, info *oidc.UserInfo, subject string, scopes []string, acr string, amr []string) error {
	cit, err := s.st.CitizenByID(ctx, subject)
	if err != nil {
		return err
	}
	info.Subject = cit.ID
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeProfile:
			info.Name = cit.FullName
			info.PreferredUsername = cit.IDNumber
			info.Birthdate = cit.BirthDate
			info.Gender = oidc.Gender(cit.Gender)
			info.AppendClaims("SoDinhDanh", cit.IDNumber)
			info.AppendClaims("HoVaTen", cit.FullName)
			info.AppendClaims("NgayThangNamSinh", strings.ReplaceAll(cit.BirthDate, "-", ""))
			info.AppendClaims("LoaiTaiKhoan", strconv.Itoa(cit.Level))
			info.AppendClaims("loginIdp", loginIdP)
		case oidc.ScopePhone:
			if cit.Phone != "" {
				info.PhoneNumber = e164(cit.Phone)
				info.PhoneNumberVerified = true
			}
		}
	}
	if acr != "" {
		info.AppendClaims("acr", acr)
	}
	if len(amr) > 0 {
		info.AppendClaims("amr", amr)
	}
	return nil
}

// e164 turns a Vietnamese national number (0912345678) into E.164 (+84912345678), the form
// OIDC's phone_number claim recommends. Anything else is passed through.
func e164(phone string) string {
	if len(phone) == 10 && phone[0] == '0' {
		return "+84" + phone[1:]
	}
	return phone
}
