package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestOpenChecksWhoseDatabase: a database of an older dvclogin (no application id in its
// header yet) opens and is marked; one a newer dvclogin migrated, or another program's, is
// refused before anything is written to it.
func TestOpenChecksWhoseDatabase(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	if _, err := s.w.ExecContext(ctx, `PRAGMA application_id = 0`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("a database from before the application id: %v", err)
	}
	var id int
	if err := s.r.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&id); err != nil || id != ApplicationID {
		t.Fatalf("application id %#x %v, want %#x", id, err, ApplicationID)
	}
	latest, _ := LatestSchema()
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf(`INSERT INTO schema_migrations VALUES (%d, 'later.sql', 0)`, latest+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var newer *NewerSchemaError
	if _, err := Open(ctx, path); !errors.As(err, &newer) || newer.Version != latest+1 {
		t.Fatalf("open of a newer schema: %v", err)
	}

	other, otherPath := openTemp(t)
	other.w.ExecContext(ctx, `PRAGMA application_id = 7`)
	other.Close()
	if _, err := Open(ctx, otherPath); !errors.Is(err, ErrNotDvclogin) {
		t.Fatalf("open of another program's database: %v", err)
	}
}

// TestResetKeepsKeysAndOneSession: ResetDemo empties every table of demo data, whatever its
// name, and keeps the secrets, the signing keys, the registered clients and the session it is
// told to.
func TestResetKeepsKeysAndOneSession(t *testing.T) { eachDB(t, testResetKeepsKeysAndOneSession) }

func testResetKeepsKeysAndOneSession(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	if _, err := s.Secret(ctx, "master", func() ([]byte, error) { return []byte("k"), nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE later_feature (x TEXT); INSERT INTO later_feature VALUES ('old');
		INSERT INTO oidc_clients (id, name, public, redirect_uris, created_at) VALUES ('ho-tich', 'Hộ tịch', 1, 'http://127.0.0.1:9/cb', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO oidc_signing_keys (id, algorithm, private_der, created_at)
		VALUES ('key1', 'RS256', ?, 0)`, []byte{0}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"keep", "drop"} {
		if err := s.CreateSession(ctx, Session{IDHash: id, Kind: "console"}); err != nil {
			t.Fatal(err)
		}
	}
	c := DemoCitizens[0]
	c.PasswordHash, c.PasscodeHash = "h", "h"
	if err := s.CreateCitizen(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, Event{Actor: "x", Action: "old"}); err != nil {
		t.Fatal(err)
	}
	lost, err := s.ResetDemo(ctx, Reset{Citizens: []Citizen{c}, KeepSession: "keep", Event: Event{Actor: "test", Action: "demo_reset"}})
	if err != nil {
		t.Fatal(err)
	}
	if lost.Citizens != 1 || lost.Sessions != 1 || lost.Audit != 1 || lost.Other != 1 {
		t.Fatalf("deleted %+v", lost)
	}
	left, err := s.CountDemoData(ctx)
	if err != nil || left != (DemoData{Citizens: 1, Sessions: 1, Audit: 1}) {
		t.Fatalf("left %+v %v, want the seeded citizen, the kept session and the reset's event", left, err)
	}
	var keys, secrets, clients int
	s.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM oidc_signing_keys), (SELECT count(*) FROM secrets),
		(SELECT count(*) FROM oidc_clients)`).Scan(&keys, &secrets, &clients)
	if keys != 1 || secrets != 1 || clients != 1 {
		t.Fatalf("after the reset: %d signing keys, %d secrets, %d registered clients", keys, secrets, clients)
	}
}
