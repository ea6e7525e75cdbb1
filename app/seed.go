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
	return st.CreateCitizens(ctx, seededCitizens(h, now))
}

// ResetDemo puts the database back as a first start seeds it, in one transaction, while the
// server keeps serving: the demo data of the old classes goes, keys and secrets stay. The
// session whose digest is keepSession survives (the operator who asked); by is recorded as
// the first event of the new audit trail and its time is the seed's. It returns what went.
func ResetDemo(ctx context.Context, st *store.Store, h *web.Hasher, keepSession string, by store.Event) (store.DemoData, error) {
	by.Action = "demo_reset"
	return st.ResetDemo(ctx, store.Reset{Citizens: seededCitizens(h, by.At), KeepSession: keepSession, Event: by})
}

// seededCitizens are the demo citizens with their secrets freshly hashed. The demo password
// and passcode are public and the same for every demo citizen, so each is hashed once and the
// demo citizens share the two hashes: a first start pays two argon2id derivations for the
// demo, not two per citizen.
func seededCitizens(h *web.Hasher, now time.Time) []store.Citizen {
	password := h.HashNow(store.DemoPassword)
	passcodeHash := h.HashNow(store.DemoPasscode)
	out := make([]store.Citizen, 0, len(store.DemoCitizens))
	for _, c := range store.DemoCitizens {
		c.PasswordHash, c.PasscodeHash = password, passcodeHash
		c.PasswordIsDemo, c.PasscodeIsDemo = true, true
		c.CreatedAt = now
		out = append(out, c)
	}
	return out
}
