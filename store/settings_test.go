package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// Number matching is off until the operator turns it on, and what they set survives a restart
// and a demo reset.
func TestNumberMatchingSettingPersists(t *testing.T) { eachDB(t, testNumberMatchingSettingPersists) }

func testNumberMatchingSettingPersists(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	if on, err := s.QRNumberMatching(ctx); err != nil || on {
		t.Fatalf("a new store: number matching %v (%v), want off", on, err)
	}
	if err := s.SetQRNumberMatching(ctx, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if on, err := s2.QRNumberMatching(ctx); err != nil || !on {
		t.Fatalf("after a restart: number matching %v (%v), want on", on, err)
	}
	if _, err := s2.ResetDemo(ctx, Reset{Event: Event{At: time.Now(), Actor: "test", Action: "demo_reset"}}); err != nil {
		t.Fatal(err)
	}
	if on, err := s2.QRNumberMatching(ctx); err != nil || !on {
		t.Fatalf("after a demo reset: number matching %v (%v), want on", on, err)
	}
	if err := s2.SetQRNumberMatching(ctx, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if on, _ := s2.QRNumberMatching(ctx); on {
		t.Fatal("turned off, still on")
	}
}

// The citizen picks once: of twenty parallel picks of the three choices exactly one is
// written; a wrong first pick denies the login, a right one leaves it for the passcode.
func TestQRNumberPickedOnce(t *testing.T) { eachDB(t, testQRNumberPickedOnce) }

func testQRNumberPickedOnce(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	c := seedCitizen(t, s)
	now := time.Now()
	m := QRMatch{Number: 57, Choices: []int{23, 57, 81}}
	for i, first := range []int{23, 57} {
		l := QRLogin{ID: "qr" + string(rune('a'+i)), AuthRequestID: "ar1", FrameSecret: []byte{1, 2}, BindingHash: "b",
			IP: "192.0.2.1", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
		if err := s.CreateQRLogin(ctx, l); err != nil {
			t.Fatal(err)
		}
		if err := s.ScanQRLoginMatching(ctx, l.ID, c.ID, "N*", "app1", false, m, now); err != nil {
			t.Fatal(err)
		}
		got, err := s.QRLoginByID(ctx, l.ID)
		if err != nil || got.Match.Number != 57 || !slices.Equal(got.Match.Choices, m.Choices) || got.Match.Picked != 0 {
			t.Fatalf("scanned login's match %+v (%v)", got.Match, err)
		}
		if err := s.PickQRNumber(ctx, l.ID, "app2", first, now); !errors.Is(err, ErrConflict) {
			t.Fatalf("a pick by another app session: %v", err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		if err := s.PickQRNumber(ctx, l.ID, "app1", first, now); err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			wg.Go(func() {
				err := s.PickQRNumber(ctx, l.ID, "app1", m.Choices[i%3], now)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					won++
				} else if !errors.Is(err, ErrConflict) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won != 0 {
			t.Fatalf("%d picks after the first were written", won)
		}
		got, _ = s.QRLoginByID(ctx, l.ID)
		wantState := QRDenied
		if first == m.Number {
			wantState = QRScanned
		}
		if got.Match.Picked != first || got.State != wantState || got.Match.Mismatched() != (first != m.Number) {
			t.Fatalf("first pick %d: state %s, match %+v", first, got.State, got.Match)
		}
	}
}
