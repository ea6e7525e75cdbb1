package app

import (
	"context"
	"time"

	"dvclogin/app/web"
	"dvclogin/store"
)

// DemoPassword and DemoPasscode are the demo citizens' secrets (the README's "Demo accounts").
const (
	DemoPassword = store.DemoPassword
	DemoPasscode = store.DemoPasscode
)

// DemoCitizens are created on an empty database.
var DemoCitizens = store.DemoCitizens

// Seed creates the demo citizens.
func Seed(ctx context.Context, st *store.Store, h *web.Hasher, now time.Time) error {
	for _, c := range store.DemoCitizens {
		c.PasswordHash = h.HashNow(store.DemoPassword)
		c.PasscodeHash = h.HashNow(store.DemoPasscode)
		c.PasswordIsDemo, c.PasscodeIsDemo = true, true
		c.CreatedAt = now
		if err := st.CreateCitizen(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
