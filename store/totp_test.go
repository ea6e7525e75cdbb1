package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Activation is conditional on the very pending secret the code was checked against: a setup
// replaced meanwhile is not activated, and the confirming step is spent.
func TestActivateTOTP(t *testing.T) { eachDB(t, testActivateTOTP) }

func testActivateTOTP(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	c := seedCitizen(t, s)
	now := time.Now()
	if err := s.ActivateTOTP(ctx, c.ID, "", 1); !errors.Is(err, ErrConflict) {
		t.Fatalf("activate without a setup: %v, want ErrConflict", err)
	}
	if err := s.SetTOTPPending(ctx, c.ID, "sealed-a", now); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTOTPPending(ctx, c.ID, "sealed-b", now); err != nil {
		t.Fatal(err)
	}
	if err := s.ActivateTOTP(ctx, c.ID, "sealed-a", 100); !errors.Is(err, ErrConflict) {
		t.Fatalf("activate a replaced setup: %v, want ErrConflict", err)
	}
	if err := s.ActivateTOTP(ctx, c.ID, "sealed-b", 100); err != nil {
		t.Fatal(err)
	}
	got, _ := s.CitizenByID(ctx, c.ID)
	if got.TOTPSecret != "sealed-b" || got.TOTPLastStep != 100 {
		t.Fatalf("active secret %q, last step %d; want sealed-b, 100", got.TOTPSecret, got.TOTPLastStep)
	}
	if _, _, err := s.TOTPPending(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pending after activation: %v, want ErrNotFound", err)
	}
	if err := s.UseTOTPStep(ctx, c.ID, 100); !errors.Is(err, ErrConflict) {
		t.Fatalf("the confirming step logged in: %v", err)
	}
	if err := s.RemoveTOTP(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveTOTP(ctx, c.ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("remove twice: %v, want ErrConflict", err)
	}
	if got, _ := s.CitizenByID(ctx, c.ID); got.TOTPSecret != "" {
		t.Fatalf("secret %q after removal", got.TOTPSecret)
	}
}

// T12: of many concurrent submissions of one valid code, exactly one spends its step.
func TestUseTOTPStepOnce(t *testing.T) { eachDB(t, testUseTOTPStepOnce) }

func testUseTOTPStepOnce(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	c := seedCitizen(t, s)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.UseTOTPStep(ctx, c.ID, 200); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, ErrConflict) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d wins, want 1", wins.Load())
	}
}

// Switching a challenge to the authenticator leaves its count, sends and expiry alone and
// voids the code sent before.
func TestSwitchOTPToTOTPKeepsTheChallenge(t *testing.T) {
	eachDB(t, testSwitchOTPToTOTPKeepsTheChallenge)
}

func testSwitchOTPToTOTPKeepsTheChallenge(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	c := seedCitizen(t, s)
	now := time.Now()
	exp := now.Add(time.Minute)
	s.CreateOTPChallenge(ctx, OTPChallenge{ID: "ch", AuthRequestID: "ar", SessionHash: "sh", CitizenID: c.ID,
		Channel: "sms", CodeHash: "h", ExpiresAt: exp, Sends: 1, LastSentAt: now, CreatedAt: now})
	for i := 0; i < 3; i++ {
		wrongCode(ctx, s, c.ID, "ch", 5)
	}
	if err := s.SwitchOTPToTOTP(ctx, "ch"); err != nil {
		t.Fatal(err)
	}
	ch, _ := s.OTPChallengeByID(ctx, "ch")
	if ch.Channel != "totp" || ch.Failures != 3 || ch.Sends != 1 || ch.ExpiresAt.UnixMilli() != exp.UnixMilli() {
		t.Fatalf("after the switch: %+v", ch)
	}
	if err := s.UseOTP(ctx, "ch", "h", now); !errors.Is(err, ErrConflict) {
		t.Fatal("the SMS code still works after switching to the authenticator")
	}
}
