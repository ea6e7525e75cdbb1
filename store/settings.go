package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Settings an operator changes in the console while the server runs. They live in the
// database, so every instance reads the same value and a restart or a demo reset keeps it.

// SettingQRNumberMatching is "Đối chiếu số": a QR login asks the phone to pick the number
// the desktop shows before the passcode. Off unless set to "on".
const SettingQRNumberMatching = "qr_number_matching"

// Setting returns the named setting's value, "" when it was never set.
func (s *Store) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting writes the named setting.
func (s *Store) SetSetting(ctx context.Context, name, value string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, ms(now))
	return err
}

// QRNumberMatching reports whether number matching is on.
func (s *Store) QRNumberMatching(ctx context.Context) (bool, error) {
	v, err := s.Setting(ctx, SettingQRNumberMatching)
	return v == "on", err
}

// SetQRNumberMatching turns number matching on or off.
func (s *Store) SetQRNumberMatching(ctx context.Context, on bool, now time.Time) error {
	v := "off"
	if on {
		v = "on"
	}
	return s.SetSetting(ctx, SettingQRNumberMatching, v, now)
}
