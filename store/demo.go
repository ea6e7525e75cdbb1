package store

import (
	"context"
	"errors"
)

// The demo data a seeded database promises (the README's "Demo accounts"). It lives here, beside the schema,
// so that the seed, the phone simulator's fill-ins and the console's demo sheet name the same
// citizens and secrets.

// DemoPassword and DemoPasscode are every demo citizen's secrets. They are shown on purpose:
// the demo is for presentations with made-up citizens.
const (
	DemoPassword = "Demo@1234"
	DemoPasscode = "135790"
)

// DemoCitizens are created on an empty database (without their hashes, which the seed adds).
// Their ID numbers follow the real structure (province of birth registration, century+gender
// digit, year of birth, 6 random digits) and are made up.
var DemoCitizens = []Citizen{
	{ID: "c1d1a8f0-5b7e-4e0a-9a51-1a2b3c4d5e01", IDNumber: "001085012345", FullName: "Nguyễn Văn An",
		BirthDate: "1985-03-12", Gender: "Nam", Phone: "0912345678", Level: 2, WebLogin: true},
	{ID: "c1d1a8f0-5b7e-4e0a-9a51-1a2b3c4d5e02", IDNumber: "079190054321", FullName: "Trần Thị Bình",
		BirthDate: "1990-07-21", Gender: "Nữ", Phone: "0987654321", Level: 2, WebLogin: false},
	{ID: "c1d1a8f0-5b7e-4e0a-9a51-1a2b3c4d5e03", IDNumber: "048201067890", FullName: "Lê Minh Châu",
		BirthDate: "2001-11-05", Gender: "Nam", Phone: "0901234567", Level: 1, WebLogin: false},
}

// PresentDemoCitizens returns the demo citizens as they are now in the database, in the seed's
// order: current names, levels and web-login permission, without those deleted since.
func (s *Store) PresentDemoCitizens(ctx context.Context) ([]Citizen, error) {
	var out []Citizen
	for _, demo := range DemoCitizens {
		cit, err := s.CitizenByIDNumber(ctx, demo.IDNumber)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, cit)
	}
	return out, nil
}
