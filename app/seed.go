package app

import (
	"context"
	"time"

	"dvclogin/app/web"
	"dvclogin/store"
)

// DemoPassword and DemoPasscode are the demo citizens' secrets (CONTRACT.md).
const (
	DemoPassword = "Demo@1234"
	DemoPasscode = "135790"
)

// DemoCitizens are created on an empty database. Their ID numbers follow the real structure
// (province of birth registration, century+gender digit, year of birth, 6 random digits) and
// are made up for the demo.
var DemoCitizens = []store.Citizen{
	{ID: "c1d1a8f0-5b7e-4e0a-9a51-1a2b3c4d5e01", IDNumber: "001085012345", FullName: "Nguyễn Văn An",
		BirthDate: "1985-03-12", Gender: "Nam", Phone: "0912345678", Level: 2, WebLogin: true},
	{ID: "c1d1a8f0-5b7e-4e0a-9a51-1a2b3c4d5e02", IDNumber: "079190054321", FullName: "Trần Thị Bình",
		BirthDate: "1990-07-21", Gender: "Nữ", Phone: "0987654321", Level: 2, WebLogin: false},
	{ID: "c1d1a8f0-5b7e-4e0a-9a51-1a2b3c4d5e03", IDNumber: "048201067890", FullName: "Lê Minh Châu",
		BirthDate: "2001-11-05", Gender: "Nam", Phone: "0901234567", Level: 1, WebLogin: false},
}

// Seed creates the demo citizens.
func Seed(ctx context.Context, st *store.Store, h *web.Hasher, now time.Time) error {
	for _, c := range DemoCitizens {
		c.PasswordHash = h.HashNow(DemoPassword)
		c.PasscodeHash = h.HashNow(DemoPasscode)
		c.CreatedAt = now
		if err := st.CreateCitizen(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
