package store

import (
	"context"
	"database/sql"
	"errors"
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
	passcode_cooldown_until, passcode_locked, totp_secret, totp_last_step, created_at`

func scanCitizen(row interface{ Scan(...any) error }) (Citizen, error) {
	var c Citizen
	var locked, cooldown, created int64
	err := row.Scan(&c.ID, &c.IDNumber, &c.FullName, &c.BirthDate, &c.Gender, &c.Phone, &c.Level,
		&c.PasswordHash, &c.PasscodeHash, &c.WebLogin, &c.PasswordFailures, &locked,
		&c.PasscodeFailures, &cooldown, &c.PasscodeLocked, &c.TOTPSecret, &c.TOTPLastStep, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.LockedUntil, c.PasscodeCooldownUntil, c.CreatedAt = fromMS(locked), fromMS(cooldown), fromMS(created)
	return c, err
}

// CreateCitizen inserts a new citizen.
func (s *Store) CreateCitizen(ctx context.Context, c Citizen) error {
	return insertCitizen(ctx, s.w, c)
}

// execer is a connection or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertCitizen(ctx context.Context, db execer, c Citizen) error {
	_, err := db.ExecContext(ctx, `INSERT INTO citizens (id, id_number, full_name, birth_date, gender,
		phone, level, password_hash, passcode_hash, web_login, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.IDNumber, c.FullName, c.BirthDate, c.Gender, c.Phone, c.Level, c.PasswordHash,
		c.PasscodeHash, c.WebLogin, ms(c.CreatedAt))
	return err
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

// SetPasscodeHash replaces a citizen's passcode (operator reset) and clears its lock.
func (s *Store) SetPasscodeHash(ctx context.Context, citizenID, hash string) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET passcode_hash = ?, passcode_failures = 0,
		passcode_cooldown_until = 0, passcode_locked = 0 WHERE id = ?`, hash, citizenID))
}

// SetPasswordHash replaces a citizen's password hash.
func (s *Store) SetPasswordHash(ctx context.Context, citizenID, hash string) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE citizens SET password_hash = ? WHERE id = ?`, hash, citizenID))
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
