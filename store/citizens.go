package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Citizen is a VNeID account holder.
type Citizen struct {
	ID           string // opaque, stable; the OIDC subject
	IDNumber     string // số định danh cá nhân (12 digits)
	FullName     string
	BirthDate    string // YYYY-MM-DD
	Gender       string
	Phone        string
	Level        int // 1 or 2 (mức độ)
	PasswordHash string
	PasscodeHash string
	WebLogin     bool // "Đăng nhập trên website" permission

	// PasswordIsDemo and PasscodeIsDemo say that the secret is still store.DemoPassword or
	// store.DemoPasscode: the only secrets the console may print, since it keeps hashes. Set
	// by whoever creates the citizen; a reset clears them.
	PasswordIsDemo bool
	PasscodeIsDemo bool

	PasswordFailures      int
	LockedUntil           time.Time
	PasscodeFailures      int
	PasscodeCooldownUntil time.Time
	PasscodeLocked        bool
	TOTPSecret            string
	TOTPLastStep          int64
	CreatedAt             time.Time
}

const citizenCols = `id, id_number, full_name, birth_date, gender, phone, level, password_hash,
	passcode_hash, web_login, password_failures, locked_until, passcode_failures,
	passcode_cooldown_until, passcode_locked, totp_secret, totp_last_step, created_at, password_is_demo,
	passcode_is_demo`

func scanCitizen(row interface{ Scan(...any) error }) (Citizen, error) {
	var c Citizen
	var locked, cooldown, created int64
	err := row.Scan(&c.ID, &c.IDNumber, &c.FullName, &c.BirthDate, &c.Gender, &c.Phone, &c.Level,
		&c.PasswordHash, &c.PasscodeHash, &c.WebLogin, &c.PasswordFailures, &locked,
		&c.PasscodeFailures, &cooldown, &c.PasscodeLocked, &c.TOTPSecret, &c.TOTPLastStep, &created,
		&c.PasswordIsDemo, &c.PasscodeIsDemo)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.LockedUntil, c.PasscodeCooldownUntil, c.CreatedAt = fromMS(locked), fromMS(cooldown), fromMS(created)
	return c, err
}

// CreateCitizen inserts a new citizen (see CreateCitizens).
func (s *Store) CreateCitizen(ctx context.Context, c Citizen) error {
	return s.CreateCitizens(ctx, []Citizen{c})
}

// DuplicateError refuses a citizen whose ID number or phone number another citizen already
// has (or an earlier one of the same batch).
type DuplicateError struct {
	Index int    // the citizen's place in the batch
	Field string // "id_number" or "phone"
	Value string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("store: citizen %d: %s %s is taken", e.Index, e.Field, e.Value)
}

// CreateCitizens inserts a batch of new citizens in one transaction: all of them, or none when
// one's ID number or phone number is taken (a *DuplicateError naming it).
func (s *Store) CreateCitizens(ctx context.Context, cs []Citizen) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return insertCitizens(ctx, tx, cs) })
}

func insertCitizens(ctx context.Context, tx *sql.Tx, cs []Citizen) error {
	for i, c := range cs {
		if err := checkUnique(ctx, tx, i, c); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO citizens (id, id_number, full_name, birth_date, gender,
			phone, level, password_hash, passcode_hash, web_login, created_at, password_is_demo, passcode_is_demo)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.IDNumber, c.FullName, c.BirthDate, c.Gender, c.Phone, c.Level, c.PasswordHash,
			c.PasscodeHash, c.WebLogin, ms(c.CreatedAt), c.PasswordIsDemo, c.PasscodeIsDemo)
		if err != nil {
			return err
		}
	}
	return nil
}

// checkUnique refuses the i-th citizen of a batch when another citizen has its ID number or
// phone number. The unique indexes would refuse it too, but not say which value.
func checkUnique(ctx context.Context, tx *sql.Tx, i int, c Citizen) error {
	var idNumber, phone string
	err := tx.QueryRowContext(ctx, `SELECT id_number, phone FROM citizens WHERE (id_number = ? OR phone = ?) AND id <> ?
		LIMIT 1`, c.IDNumber, c.Phone, c.ID).Scan(&idNumber, &phone)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case idNumber == c.IDNumber:
		return &DuplicateError{Index: i, Field: "id_number", Value: c.IDNumber}
	}
	return &DuplicateError{Index: i, Field: "phone", Value: c.Phone}
}

// UpdateCitizen saves what an operator may change of a citizen: name, birth date, gender,
// phone number, level and the web-login permission (never the ID number or the secrets). A new
// phone number is a new SIM: the old number's SIM leaves its device, its transfer and
// activation codes die, and so do login codes sent to it by SMS. ErrNotFound when the citizen
// is gone; a *DuplicateError when another citizen has the phone number.
func (s *Store) UpdateCitizen(ctx context.Context, c Citizen) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var phone string
		err := tx.QueryRowContext(ctx, `SELECT phone FROM citizens WHERE id = ?`, c.ID).Scan(&phone)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := checkUnique(ctx, tx, 0, c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE citizens SET full_name = ?, birth_date = ?, gender = ?, phone = ?,
			level = ?, web_login = ? WHERE id = ?`, c.FullName, c.BirthDate, c.Gender, c.Phone, c.Level, c.WebLogin, c.ID); err != nil {
			return err
		}
		if phone == c.Phone {
			return nil
		}
		return execAll(ctx, tx, c.ID,
			`DELETE FROM sims WHERE citizen_id = ?`,
			`DELETE FROM sim_transfers WHERE citizen_id = ? AND used_at = 0`,
			`UPDATE device_activations SET dead = 1 WHERE citizen_id = ? AND dead = 0`,
			`UPDATE otp_challenges SET dead = 1 WHERE citizen_id = ? AND channel = 'sms' AND dead = 0`)
	})
}

// DeleteCitizen removes a citizen and everything that would let anyone act as them, in one
// transaction: every session of theirs (portal, IdP, app), every OpenID Connect token and
// grant, the logins in flight (a QR login they scanned is cancelled, so its browser is told;
// their code challenges go), their SIM, transfer and activation codes, and their messages.
// The login attempts and the audit trail stay: they are the record of what happened. It
// returns how many live sessions and tokens ended; ErrNotFound when there is no such citizen.
func (s *Store) DeleteCitizen(ctx context.Context, citizenID string, now time.Time) (int64, error) {
	var ended int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		ended = 0
		for _, q := range []string{
			`DELETE FROM sessions WHERE subject = ? AND expires_at > ?`,
			`DELETE FROM oidc_access_tokens WHERE subject = ? AND revoked_at = 0 AND expires_at > ?`,
			`DELETE FROM oidc_refresh_tokens WHERE subject = ? AND revoked_at = 0 AND used_at = 0 AND expires_at > ?`,
		} {
			res, err := tx.ExecContext(ctx, q, citizenID, ms(now))
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			ended += n
		}
		if _, err := tx.ExecContext(ctx, `UPDATE qr_logins SET state = ?, decided_at = ?
			WHERE citizen_id = ? AND (state = ? OR state = ? AND finished_at = 0)`,
			QRCancelled, ms(now), citizenID, QRScanned, QRConfirmed); err != nil {
			return err
		}
		// What is left of them had already ended; it goes too.
		err := execAll(ctx, tx, citizenID,
			`DELETE FROM sessions WHERE subject = ?`,
			`DELETE FROM oidc_access_tokens WHERE subject = ?`,
			`DELETE FROM oidc_refresh_tokens WHERE subject = ?`,
			`DELETE FROM oidc_auth_requests WHERE subject = ?`,
			`UPDATE qr_logins SET citizen_id = '', scanned_name = '', app_session_hash = '' WHERE citizen_id = ?`,
			`DELETE FROM device_grants WHERE citizen_id = ?`,
			`DELETE FROM otp_challenges WHERE citizen_id = ?`,
			`DELETE FROM messages WHERE citizen_id = ?`,
			`DELETE FROM sms_sends WHERE citizen_id = ?`)
		if err != nil {
			return err
		}
		// sims, sim_transfers and device_activations go with the row (ON DELETE CASCADE).
		if err := qrLoginsChanged(ctx, tx); err != nil {
			return err
		}
		return affectedOne(tx.ExecContext(ctx, `DELETE FROM citizens WHERE id = ?`, citizenID))
	})
	if errors.Is(err, ErrConflict) {
		return 0, ErrNotFound
	}
	return ended, err
}

// execAll runs each statement with the one argument arg.
func execAll(ctx context.Context, tx *sql.Tx, arg string, stmts ...string) error {
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, arg); err != nil {
			return err
		}
	}
	return nil
}

// CitizenByPhone finds a citizen by phone number (as stored: 10 digits starting with 0).
func (s *Store) CitizenByPhone(ctx context.Context, phone string) (Citizen, error) {
	return scanCitizen(s.r.QueryRowContext(ctx, `SELECT `+citizenCols+` FROM citizens WHERE phone = ?`, phone))
}

// CitizenByIDNumber finds a citizen by số định danh cá nhân.
func (s *Store) CitizenByIDNumber(ctx context.Context, idNumber string) (Citizen, error) {
	return scanCitizen(s.r.QueryRowContext(ctx, `SELECT `+citizenCols+` FROM citizens WHERE id_number = ?`, idNumber))
}

// CitizenByID finds a citizen by the opaque id.
func (s *Store) CitizenByID(ctx context.Context, id string) (Citizen, error) {
	return scanCitizen(s.r.QueryRowContext(ctx, `SELECT `+citizenCols+` FROM citizens WHERE id = ?`, id))
}

// ListCitizens returns every citizen, ordered by ID number.
func (s *Store) ListCitizens(ctx context.Context) ([]Citizen, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+citizenCols+` FROM citizens ORDER BY id_number`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Citizen
	for rows.Next() {
		c, err := scanCitizen(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountCitizens returns how many citizens exist (the seed runs only on an empty database).
func (s *Store) CountCitizens(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM citizens`).Scan(&n)
	return n, err
}

// UnlockCitizen clears the password lock, the passcode lock and the wrong codes counted so far
// (operator action): whatever locked the account, it starts afresh.
func (s *Store) UnlockCitizen(ctx context.Context, citizenID string) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET password_failures = 0, locked_until = 0,
		passcode_failures = 0, passcode_cooldown_until = 0, passcode_locked = 0,
		code_failures_cleared_id = (SELECT coalesce(max(id), 0) FROM login_attempts) WHERE id = ?`, citizenID))
}

// SetWebLogin turns the "Đăng nhập trên website" permission on or off.
func (s *Store) SetWebLogin(ctx context.Context, citizenID string, enabled bool) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET web_login = ? WHERE id = ?`, enabled, citizenID))
}

// SetPasscodeHash replaces a citizen's passcode (operator reset) and clears its lock. The new
// passcode counts as no longer the demo one.
func (s *Store) SetPasscodeHash(ctx context.Context, citizenID, hash string) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET passcode_hash = ?, passcode_failures = 0,
		passcode_cooldown_until = 0, passcode_locked = 0, passcode_is_demo = 0 WHERE id = ?`, hash, citizenID))
}

// SetPasswordHash replaces a citizen's password hash. The new password counts as no longer the
// demo one.
func (s *Store) SetPasswordHash(ctx context.Context, citizenID, hash string) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET password_hash = ?, password_is_demo = 0 WHERE id = ?`,
		hash, citizenID))
}

// SetTOTPSecret enrolls (or, with "", removes) an authenticator-app secret.
func (s *Store) SetTOTPSecret(ctx context.Context, citizenID, secret string) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET totp_secret = ?, totp_last_step = 0 WHERE id = ?`, secret, citizenID))
}

// UseTOTPStep records that the TOTP code of time step step was accepted. It fails with
// ErrConflict when that step (or a later one) was already used, so a code works once even
// under concurrent submissions.
func (s *Store) UseTOTPStep(ctx context.Context, citizenID string, step int64) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`,
		step, citizenID, step))
}
