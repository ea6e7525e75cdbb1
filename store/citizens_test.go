package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// citizenN is a citizen with an ID number and phone number of its own.
func citizenN(n int) Citizen {
	c := DemoCitizens[0]
	c.ID = "cit-" + string(rune('a'+n))
	c.IDNumber = "0010850000" + string(rune('0'+n/10)) + string(rune('0'+n%10))
	c.Phone = "09700000" + string(rune('0'+n/10)) + string(rune('0'+n%10))
	c.PasswordHash, c.PasscodeHash, c.CreatedAt = "x", "x", time.Now()
	return c
}

func TestCreateCitizensAllOrNone(t *testing.T) { eachDB(t, testCreateCitizensAllOrNone) }

func testCreateCitizensAllOrNone(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		batch func() []Citizen
		index int
		field string
	}{
		{"ErrIDInDatabase", func() []Citizen {
			c := citizenN(2)
			c.IDNumber = citizenN(1).IDNumber
			return []Citizen{citizenN(3), c}
		}, 1, "id_number"},
		{"ErrPhoneInDatabase", func() []Citizen { c := citizenN(2); c.Phone = citizenN(1).Phone; return []Citizen{c} }, 0, "phone"},
		{"ErrIDInBatch", func() []Citizen {
			c := citizenN(3)
			c.IDNumber = citizenN(2).IDNumber
			return []Citizen{citizenN(2), c}
		}, 1, "id_number"},
		{"ErrPhoneInBatch", func() []Citizen { c := citizenN(3); c.Phone = citizenN(2).Phone; return []Citizen{citizenN(2), c} }, 1, "phone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTemp(t)
			if err := s.CreateCitizen(ctx, citizenN(1)); err != nil {
				t.Fatal(err)
			}
			err := s.CreateCitizens(ctx, tc.batch())
			var dup *DuplicateError
			if !errors.As(err, &dup) || dup.Index != tc.index || dup.Field != tc.field {
				t.Fatalf("CreateCitizens = %v, want a duplicate %s at %d", err, tc.field, tc.index)
			}
			if n, _ := s.CountCitizens(ctx); n != 1 {
				t.Fatalf("%d citizens after a refused batch, want 1", n)
			}
		})
	}
	s, _ := openTemp(t)
	if err := s.CreateCitizens(ctx, []Citizen{citizenN(1), citizenN(2)}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountCitizens(ctx); n != 2 {
		t.Fatalf("%d citizens, want 2", n)
	}
}

// The unique index refuses a phone number twice even past the store's own check.
func TestPhoneIsUnique(t *testing.T) { eachDB(t, testPhoneIsUnique) }

func testPhoneIsUnique(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	a, b := citizenN(1), citizenN(2)
	b.Phone = a.Phone
	if err := s.CreateCitizen(ctx, a); err != nil {
		t.Fatal(err)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO citizens (id, id_number, full_name, birth_date, gender, phone, level,
		password_hash, passcode_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, 2, 'x', 'x', 0)`,
		b.ID, b.IDNumber, b.FullName, b.BirthDate, b.Gender, b.Phone)
	if err == nil || !strings.Contains(err.Error(), "UNIQUE") && !strings.Contains(err.Error(), "unique constraint \"citizens_phone\"") {
		t.Fatalf("a second citizen with the same phone: %v", err)
	}
}

func TestUpdateCitizen(t *testing.T) { eachDB(t, testUpdateCitizen) }

func testUpdateCitizen(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Now()
	a, b := citizenN(1), citizenN(2)
	if err := s.CreateCitizens(ctx, []Citizen{a, b}); err != nil {
		t.Fatal(err)
	}
	claimSIM(t, s, a.ID, now)

	same := a
	same.FullName, same.Level, same.WebLogin = "Nguyễn Văn Ân", 1, false
	same.IDNumber, same.PasswordHash = "999999999999", "changed" // not what an update changes
	if err := s.UpdateCitizen(ctx, same); err != nil {
		t.Fatal(err)
	}
	got, _ := s.CitizenByID(ctx, a.ID)
	if got.FullName != "Nguyễn Văn Ân" || got.Level != 1 || got.WebLogin || got.IDNumber != a.IDNumber || got.PasswordHash != "x" {
		t.Fatalf("after the update: %+v", got)
	}
	if _, err := s.SIMOf(ctx, a.ID); err != nil {
		t.Fatalf("the SIM left with the phone number unchanged: %v", err)
	}

	taken := got
	taken.Phone = b.Phone
	var dup *DuplicateError
	if err := s.UpdateCitizen(ctx, taken); !errors.As(err, &dup) || dup.Field != "phone" {
		t.Fatalf("another citizen's phone: %v", err)
	}

	moved := got
	moved.Phone = "0388000999"
	if err := s.UpdateCitizen(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SIMOf(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the old number's SIM is still on its device: %v", err)
	}

	gone := moved
	gone.ID = "nobody"
	if err := s.UpdateCitizen(ctx, gone); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of nobody: %v", err)
	}
}

func claimSIM(t *testing.T, s *Store, citizenID string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	dev := Device{ID: "dev-" + citizenID, CreatedAt: now, SeenAt: now}
	if err := s.CreateDevice(ctx, dev, Digest(dev.ID)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimFreeSIM(ctx, citizenID, dev.ID, now); err != nil {
		t.Fatal(err)
	}
}

// TestDeleteCitizen: everything that lets anyone act as the citizen goes with the citizen;
// another citizen's rows stay.
func TestDeleteCitizen(t *testing.T) { eachDB(t, testDeleteCitizen) }

func testDeleteCitizen(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Now()
	a, b := citizenN(1), citizenN(2)
	if err := s.CreateCitizens(ctx, []Citizen{a, b}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Citizen{a, b} {
		claimSIM(t, s, c.ID, now)
		for _, kind := range []string{"portal", "idp", "app"} {
			if err := s.CreateSession(ctx, Session{IDHash: kind + c.ID, Kind: kind, Subject: c.ID, Data: "{}",
				CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		exec(t, s, `INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes, response_type, subject, done,
			created_at, expires_at) VALUES (?, 'dvc-portal', 'x', 'openid', 'code', ?, 1, ?, ?)`, "ar"+c.ID, c.ID, ms(now), ms(now.Add(time.Hour)))
		for _, table := range []string{"oidc_access_tokens (id", "oidc_refresh_tokens (token_hash"} {
			exec(t, s, `INSERT INTO `+table+`, grant_id, client_id, subject, scopes, created_at, expires_at)
				VALUES (?, ?, 'dvc-portal', ?, 'openid', ?, ?)`, "tok"+c.ID, "ar"+c.ID, c.ID, ms(now), ms(now.Add(time.Hour)))
		}
		if err := s.CreateQRLogin(ctx, QRLogin{ID: "qr" + c.ID, AuthRequestID: "ar" + c.ID, FrameSecret: []byte("k"),
			BindingHash: "b", CreatedAt: now, ExpiresAt: now.Add(2 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if err := s.ScanQRLogin(ctx, "qr"+c.ID, c.ID, "N*** V** A*", "app"+c.ID, false, now); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateOTPChallenge(ctx, OTPChallenge{ID: "otp" + c.ID, AuthRequestID: "ar" + c.ID, SessionHash: "s",
			CitizenID: c.ID, Channel: "sms", ExpiresAt: now.Add(time.Minute), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddMessage(ctx, Message{CitizenID: c.ID, Channel: "sms", Sender: "VNeID", Recipient: c.Phone,
			Body: "Ma OTP 123456", SentAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSIMTransfer(ctx, "code"+c.ID, SIMTransfer{CitizenID: c.ID, CreatedBy: "console",
			CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}

	ended, err := s.DeleteCitizen(ctx, a.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if ended != 5 {
		t.Errorf("ended %d, want 3 sessions and 2 tokens", ended)
	}
	for _, q := range []string{
		`SELECT count(*) FROM citizens WHERE id = ?`,
		`SELECT count(*) FROM sessions WHERE subject = ?`,
		`SELECT count(*) FROM oidc_auth_requests WHERE subject = ?`,
		`SELECT count(*) FROM oidc_access_tokens WHERE subject = ?`,
		`SELECT count(*) FROM oidc_refresh_tokens WHERE subject = ?`,
		`SELECT count(*) FROM qr_logins WHERE citizen_id = ?`,
		`SELECT count(*) FROM otp_challenges WHERE citizen_id = ?`,
		`SELECT count(*) FROM messages WHERE citizen_id = ?`,
		`SELECT count(*) FROM sims WHERE citizen_id = ?`,
		`SELECT count(*) FROM sim_transfers WHERE citizen_id = ?`,
	} {
		if n := count(t, s, q, a.ID); n != 0 {
			t.Errorf("%s: %d left of the deleted citizen", q, n)
		}
		if n := count(t, s, q, b.ID); n == 0 {
			t.Errorf("%s: the other citizen's rows went too", q)
		}
	}
	l, err := s.QRLoginByID(ctx, "qr"+a.ID)
	if err != nil || l.State != QRCancelled || l.ScannedName != "" {
		t.Fatalf("the QR login the deleted citizen scanned: %+v %v", l, err)
	}
	if _, err := s.DeleteCitizen(ctx, a.ID, now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
	// PostgreSQL checks every foreign key at each commit; SQLite is asked.
	var fk int
	if !onPostgres(t) {
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil || fk != 0 {
			t.Fatalf("foreign key check: %d rows, %v", fk, err)
		}
	}
}

// A reset secret is no longer the demo one.
func TestResetClearsDemoSecrets(t *testing.T) { eachDB(t, testResetClearsDemoSecrets) }

func testResetClearsDemoSecrets(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	c := citizenN(1)
	c.PasswordIsDemo, c.PasscodeIsDemo = true, true
	if err := s.CreateCitizen(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPasswordHash(ctx, c.ID, "y"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.CitizenByID(ctx, c.ID)
	if got.PasswordIsDemo || !got.PasscodeIsDemo {
		t.Fatalf("after a password reset: password demo %v, passcode demo %v", got.PasswordIsDemo, got.PasscodeIsDemo)
	}
	if err := s.SetPasscodeHash(ctx, c.ID, "y"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.CitizenByID(ctx, c.ID); got.PasscodeIsDemo {
		t.Fatal("after a passcode reset the passcode is still the demo one")
	}
}

func TestMigrationVersions(t *testing.T) {
	if _, err := migrationVersions([]string{"migrations/001_a.sql", "migrations/002_b.sql"}); err != nil {
		t.Fatal(err)
	}
	_, err := migrationVersions([]string{"migrations/009_a.sql", "migrations/010_b.sql", "migrations/010_c.sql"})
	if err == nil || !strings.Contains(err.Error(), "010_b.sql and 010_c.sql") {
		t.Fatalf("two migrations numbered 010: %v", err)
	}
	if _, err := migrationVersions([]string{"migrations/x_a.sql"}); err == nil {
		t.Fatal("a migration without a number was accepted")
	}
}

func exec(t *testing.T, s *Store, q string, args ...any) {
	t.Helper()
	if _, err := s.w.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, s *Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.r.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Migration 011 marks the citizens of an existing database as having the demo secrets, except
// those an operator reset (the audit trail says which): before it, every citizen was seeded.
func TestMigrationMarksSeededSecrets(t *testing.T) { eachDB(t, testMigrationMarksSeededSecrets) }

func testMigrationMarksSeededSecrets(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	a, b := citizenN(1), citizenN(2)
	if err := s.CreateCitizens(ctx, []Citizen{a, b}); err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, Event{At: time.Now(), Actor: "console", Action: "password_reset", CitizenID: b.ID}); err != nil {
		t.Fatal(err)
	}
	dir := "migrations"
	if onPostgres(t) {
		dir = "migrations/postgres"
	}
	body, err := migrations.ReadFile(dir + "/011_citizen_records.sql")
	if err != nil {
		t.Fatal(err)
	}
	_, update, ok := strings.Cut(string(body), "UPDATE citizens SET")
	if !ok {
		t.Fatal("the migration no longer marks existing citizens")
	}
	exec(t, s, "UPDATE citizens SET"+update)
	for _, tc := range []struct {
		c                  Citizen
		password, passcode bool
	}{{a, true, true}, {b, false, true}} {
		got, _ := s.CitizenByID(ctx, tc.c.ID)
		if got.PasswordIsDemo != tc.password || got.PasscodeIsDemo != tc.passcode {
			t.Errorf("%s: demo password %v passcode %v, want %v %v", tc.c.ID, got.PasswordIsDemo, got.PasscodeIsDemo, tc.password, tc.passcode)
		}
	}
}
