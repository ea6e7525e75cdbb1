package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Device is a phone (the simulator in a browser, or any API client) known by its device key.
type Device struct {
	ID        string
	Label     string
	CreatedAt time.Time
	SeenAt    time.Time
}

// SIM says which device holds the SIM of a citizen's phone number, and since when.
type SIM struct {
	CitizenID   string
	DeviceID    string
	Since       time.Time
	DeviceLabel string // filled by ListSIMs only
}

// CreateDevice stores a new device under the digest of its key.
func (s *Store) CreateDevice(ctx context.Context, d Device, keyHash string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO devices (id, key_hash, label, created_at, seen_at) VALUES (?, ?, ?, ?, ?)`,
		d.ID, keyHash, d.Label, ms(d.CreatedAt), ms(d.SeenAt))
	return err
}

// DeviceByKeyHash returns the device whose key has this digest.
func (s *Store) DeviceByKeyHash(ctx context.Context, keyHash string) (Device, error) {
	var d Device
	var created, seen int64
	err := s.r.QueryRowContext(ctx, `SELECT id, label, created_at, seen_at FROM devices WHERE key_hash = ?`, keyHash).
		Scan(&d.ID, &d.Label, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	d.CreatedAt, d.SeenAt = fromMS(created), fromMS(seen)
	return d, err
}

// SIMOf returns who holds a citizen's SIM; ErrNotFound when no device does yet.
func (s *Store) SIMOf(ctx context.Context, citizenID string) (SIM, error) {
	var sim SIM
	var since int64
	err := s.r.QueryRowContext(ctx, `SELECT citizen_id, device_id, since FROM sims WHERE citizen_id = ?`, citizenID).
		Scan(&sim.CitizenID, &sim.DeviceID, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return sim, ErrNotFound
	}
	sim.Since = fromMS(since)
	return sim, err
}

// ListSIMs returns every assigned SIM keyed by citizen id, with its device's label (for the
// console).
func (s *Store) ListSIMs(ctx context.Context) (map[string]SIM, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.citizen_id, s.device_id, s.since, coalesce(d.label, '')
		FROM sims s LEFT JOIN devices d ON d.id = s.device_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]SIM{}
	for rows.Next() {
		var sim SIM
		var since int64
		if err := rows.Scan(&sim.CitizenID, &sim.DeviceID, &since, &sim.DeviceLabel); err != nil {
			return nil, err
		}
		sim.Since = fromMS(since)
		out[sim.CitizenID] = sim
	}
	return out, rows.Err()
}

// ClaimFreeSIM gives a citizen's SIM to deviceID if no device holds it yet, in one statement,
// and returns the holder afterwards and whether this call gave it: of two devices racing for a
// free SIM exactly one gets it.
func (s *Store) ClaimFreeSIM(ctx context.Context, citizenID, deviceID string, now time.Time) (SIM, bool, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO sims (citizen_id, device_id, since) VALUES (?, ?, ?)
		ON CONFLICT (citizen_id) DO NOTHING`, citizenID, deviceID, ms(now))
	if err != nil {
		return SIM{}, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return SIM{}, false, err
	}
	var sim SIM
	var since int64
	err = s.w.QueryRowContext(ctx, `SELECT citizen_id, device_id, since FROM sims WHERE citizen_id = ?`, citizenID).
		Scan(&sim.CitizenID, &sim.DeviceID, &since)
	sim.Since = fromMS(since)
	return sim, n == 1, err
}

// SIMTransfer is a one-time code that moves a citizen's SIM to the device that presents it.
type SIMTransfer struct {
	CitizenID    string
	CreatedBy    string // console | phone
	FromDeviceID string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// CreateSIMTransfer stores a transfer under the digest of its code. Earlier unused transfers
// of the same citizen stop working: only the newest code shown can move the SIM.
func (s *Store) CreateSIMTransfer(ctx context.Context, codeHash string, t SIMTransfer) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := ms(t.CreatedAt)
		if _, err := tx.ExecContext(ctx, `UPDATE sim_transfers SET expires_at = ? WHERE citizen_id = ? AND used_at = 0 AND expires_at > ?`,
			now, t.CitizenID, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sim_transfers (code_hash, citizen_id, created_by, from_device_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, codeHash, t.CitizenID, t.CreatedBy, t.FromDeviceID, now, ms(t.ExpiresAt))
		return err
	})
}

// ClaimSIM redeems a transfer code for deviceID: the code is spent and the SIM moves, in one
// transaction, so a code works once even when presented twice at the same moment. It returns
// the transfer and the device that held the SIM before ("" if none). An unknown, used or
// expired code is ErrNotFound.
func (s *Store) ClaimSIM(ctx context.Context, codeHash, deviceID string, now time.Time) (SIMTransfer, string, error) {
	var t SIMTransfer
	var previous string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var created, expires int64
		err := tx.QueryRowContext(ctx, `UPDATE sim_transfers SET used_at = ?, used_by_device = ?
			WHERE code_hash = ? AND used_at = 0 AND expires_at > ?
			RETURNING citizen_id, created_by, from_device_id, created_at, expires_at`,
			ms(now), deviceID, codeHash, ms(now)).Scan(&t.CitizenID, &t.CreatedBy, &t.FromDeviceID, &created, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		t.CreatedAt, t.ExpiresAt = fromMS(created), fromMS(expires)
		err = tx.QueryRowContext(ctx, `SELECT device_id FROM sims WHERE citizen_id = ?`, t.CitizenID).Scan(&previous)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sims (citizen_id, device_id, since) VALUES (?, ?, ?)
			ON CONFLICT (citizen_id) DO UPDATE SET device_id = excluded.device_id, since = excluded.since`,
			t.CitizenID, deviceID, ms(now))
		return err
	})
	return t, previous, err
}

// DeviceActivation is the SMS code step of an app login on a device that does not hold the
// citizen's SIM.
type DeviceActivation struct {
	ID        string
	DeviceID  string
	CitizenID string
	CodeHash  string
	ExpiresAt time.Time
	Failures  int
	UsedAt    time.Time
	Dead      bool
	CreatedAt time.Time
}

// CreateDeviceActivation stores a new activation; earlier ones of the same device and citizen
// die, so only the newest code sent can activate.
func (s *Store) CreateDeviceActivation(ctx context.Context, a DeviceActivation) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE device_activations SET dead = 1 WHERE device_id = ? AND citizen_id = ? AND dead = 0`,
			a.DeviceID, a.CitizenID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO device_activations (id, device_id, citizen_id, code_hash, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, a.ID, a.DeviceID, a.CitizenID, a.CodeHash, ms(a.ExpiresAt), ms(a.CreatedAt))
		return err
	})
}

// LatestDeviceActivation returns the newest activation of a device for a citizen, whatever
// its state.
func (s *Store) LatestDeviceActivation(ctx context.Context, deviceID, citizenID string) (DeviceActivation, error) {
	var a DeviceActivation
	var exp, used, created int64
	err := s.w.QueryRowContext(ctx, `SELECT id, device_id, citizen_id, code_hash, expires_at, failures, used_at, dead, created_at
		FROM device_activations WHERE device_id = ? AND citizen_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`,
		deviceID, citizenID).Scan(&a.ID, &a.DeviceID, &a.CitizenID, &a.CodeHash, &exp, &a.Failures, &used, &a.Dead, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	a.ExpiresAt, a.UsedAt, a.CreatedAt = fromMS(exp), fromMS(used), fromMS(created)
	return a, err
}

// UseDeviceActivation spends a live activation whose code matches: one conditional UPDATE, so
// a code activates once.
func (s *Store) UseDeviceActivation(ctx context.Context, id, codeHash string, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE device_activations SET used_at = ?
		WHERE id = ? AND code_hash = ? AND dead = 0 AND used_at = 0 AND expires_at > ?`, ms(now), id, codeHash, ms(now)))
}
