package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Device grant states (RFC 8628). A kiosk's request starts pending; the citizen's app approves
// or denies it; the kiosk's next poll redeems an approved one for tokens, once.
const (
	DevicePending  = "pending"
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
	DeviceRedeemed = "redeemed"
)

// DeviceGrant is one login at a counter or kiosk by device code.
type DeviceGrant struct {
	ID             string // the grant its tokens descend from
	DeviceCodeHash string // Digest of the device code the kiosk holds
	UserCode       string // what the citizen types or scans, without its dash
	ClientID       string
	Scopes         []string
	IP             string // the kiosk's
	Browser        string // the kiosk's User-Agent
	State          string
	CitizenID      string // who approved it
	ACR            string // their level of assurance then
	AMR            []string
	AuthTime       time.Time
	Interval       time.Duration // how often the kiosk may poll; slow_down adds 5 s
	PolledAt       time.Time
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

const deviceCols = `id, device_code_hash, user_code, client_id, scopes, ip, browser, state, citizen_id, acr,
	amr, auth_time, interval_s, polled_at, created_at, expires_at`

// CreateDeviceGrant stores a new pending device grant.
func (s *Store) CreateDeviceGrant(ctx context.Context, g DeviceGrant) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO device_grants (id, device_code_hash, user_code, client_id,
			scopes, ip, ip_key, browser, state, interval_s, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ID, g.DeviceCodeHash, g.UserCode, g.ClientID, strings.Join(g.Scopes, " "), g.IP, ClientKey(g.IP),
			g.Browser, DevicePending, int64(g.Interval/time.Second), ms(g.CreatedAt), ms(g.ExpiresAt))
		return err
	})
}

// DeviceGrantByDeviceCode returns the grant of a device code's digest.
func (s *Store) DeviceGrantByDeviceCode(ctx context.Context, hash string) (DeviceGrant, error) {
	return s.deviceGrant(ctx, `device_code_hash = ?`, hash)
}

// DeviceGrantByUserCode returns the grant of a user code (without its dash).
func (s *Store) DeviceGrantByUserCode(ctx context.Context, userCode string) (DeviceGrant, error) {
	return s.deviceGrant(ctx, `user_code = ?`, userCode)
}

func (s *Store) deviceGrant(ctx context.Context, where string, arg any) (DeviceGrant, error) {
	var g DeviceGrant
	var scopes, amr string
	var authTime, interval, polled, created, expires int64
	err := s.r.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM device_grants WHERE `+where, arg).Scan(
		&g.ID, &g.DeviceCodeHash, &g.UserCode, &g.ClientID, &scopes, &g.IP, &g.Browser, &g.State, &g.CitizenID,
		&g.ACR, &amr, &authTime, &interval, &polled, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return g, ErrNotFound
	}
	g.Scopes, g.AMR = strings.Fields(scopes), strings.Fields(amr)
	g.AuthTime, g.PolledAt, g.CreatedAt, g.ExpiresAt = fromMS(authTime), fromMS(polled), fromMS(created), fromMS(expires)
	g.Interval = time.Duration(interval) * time.Second
	return g, err
}

// CountOpenDeviceGrants counts the unexpired device grants requested from ip's ClientKey.
func (s *Store) CountOpenDeviceGrants(ctx context.Context, ip string, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM device_grants WHERE ip_key = ? AND expires_at > ?`,
		ClientKey(ip), ms(now)).Scan(&n)
	return n, err
}

// PollDeviceGrant records a kiosk's poll at now. A poll sooner than the grant's interval after
// the last one is too fast: the interval grows by 5 s (RFC 8628 §3.5) and tooFast is true.
func (s *Store) PollDeviceGrant(ctx context.Context, id string, now time.Time) (tooFast bool, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE device_grants SET interval_s = interval_s + 5, polled_at = ?
			WHERE id = ? AND polled_at > 0 AND polled_at + interval_s * 1000 > ?`, ms(now), id, ms(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			tooFast = n > 0
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE device_grants SET polled_at = ? WHERE id = ?`, ms(now), id)
		return err
	})
	return tooFast, err
}

// DecideDeviceGrant approves (citizen, acr, amr and the time of the approval) or denies a
// pending, unexpired grant; ErrConflict when it is no longer pending or has expired.
func (s *Store) DecideDeviceGrant(ctx context.Context, id string, approve bool, citizenID, acr string, amr []string, now time.Time) error {
	state := DeviceDenied
	if approve {
		state = DeviceApproved
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE device_grants SET state = ?, citizen_id = ?, acr = ?, amr = ?,
			auth_time = ? WHERE id = ? AND state = ? AND expires_at > ?`,
			state, citizenID, acr, strings.Join(amr, " "), ms(now), id, DevicePending, ms(now))
		return affectedOne(res, err)
	})
}
