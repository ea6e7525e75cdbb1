package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The 5th reserved passcode guess starts the cooldown at once: a 6th cannot be reserved while
// the 5th is still being checked, and giving the 5th back ends that cooldown.
func TestPasscodeCooldownStartsAtReservation(t *testing.T) {
	eachDB(t, testPasscodeCooldownStartsAtReservation)
}

func testPasscodeCooldownStartsAtReservation(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	c := Citizen{ID: "c1", IDNumber: "001085000001", FullName: "A", BirthDate: "1985-01-01", Gender: "Nam",
		Phone: "0900000001", Level: 2, PasswordHash: "x", PasscodeHash: "x", CreatedAt: now}
	if err := s.CreateCitizen(ctx, c); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if n, err := s.ReservePasscodeGuess(ctx, c.ID, now, 10, 5, 5*time.Minute); err != nil || n != i {
			t.Fatalf("guess %d: %d %v", i, n, err)
		}
	}
	if _, err := s.ReservePasscodeGuess(ctx, c.ID, now, 10, 5, 5*time.Minute); !errors.Is(err, ErrConflict) {
		t.Fatalf("6th guess while the 5th is unchecked: %v, want ErrConflict", err)
	}
	if err := s.ReleasePasscodeGuess(ctx, c.ID, 5, 5); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ReservePasscodeGuess(ctx, c.ID, now, 10, 5, 5*time.Minute); err != nil || n != 5 {
		t.Fatalf("guess after giving the 5th back: %d %v, want number 5 again", n, err)
	}
}
