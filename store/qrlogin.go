package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
)

// QR login states. A login starts waiting; a phone's scan makes it scanned; the phone then
// confirms or denies it; the desktop may cancel it; time expires it.
const (
	QRWaiting   = "waiting"
	QRScanned   = "scanned"
	QRConfirmed = "confirmed"
	QRDenied    = "denied"
	QRExpired   = "expired"
	QRCancelled = "cancelled"
)

// QRLogin is one QR code shown on a login page and its way through the state machine.
type QRLogin struct {
	ID                string // public: it is in the QR
	AuthRequestID     string
	ClientName        string
	FrameSecret       []byte // HMAC key of the frames; never leaves the server
	BindingHash       string // Digest of the starting browser's binding secret
	State             string // as stored; see StateAt for the state at a given time
	CitizenID         string
	ScannedName       string // the phone holder's masked name, shown on the desktop
	AppSessionHash    string
	PendingPermission bool
	Browser           string
	IP                string
	CreatedAt         time.Time
	ExpiresAt         time.Time
	ScannedAt         time.Time
	DecidedAt         time.Time
	FinishedAt        time.Time
	Match             QRMatch // number matching; the zero value when it was off at the scan
}

// QRMatch is the number matching of one scanned login: the desktop shows Number, the phone
// offers Choices (Number among them) and the citizen picks one, once.
type QRMatch struct {
	Number  int   // 10–99; 0 when the login has no number matching
	Choices []int // in the order the phone shows them
	Picked  int   // the citizen's pick; 0 until then
}

// On reports whether the login asks for a pick.
func (m QRMatch) On() bool { return m.Number != 0 }

// Mismatched reports whether the citizen picked a number other than the desktop's.
func (m QRMatch) Mismatched() bool { return m.On() && m.Picked != 0 && m.Picked != m.Number }

// Offered reports whether n is one of the choices.
func (m QRMatch) Offered(n int) bool {
	for _, c := range m.Choices {
		if c == n {
			return true
		}
	}
	return false
}

func (m QRMatch) choicesText() string {
	parts := make([]string, len(m.Choices))
	for i, c := range m.Choices {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}

func parseChoices(text string) []int {
	if text == "" {
		return nil
	}
	var out []int
	for _, f := range strings.Split(text, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// StateAt is the login's state at now: a waiting or scanned login past its expiry is expired
// even before that transition is written down.
func (l QRLogin) StateAt(now time.Time) string {
	if (l.State == QRWaiting || l.State == QRScanned) && !now.Before(l.ExpiresAt) {
		return QRExpired
	}
	return l.State
}

const qrCols = `id, auth_request_id, client_name, frame_secret, binding_hash, state, citizen_id,
	scanned_name, app_session_hash, pending_permission, browser, ip, created_at, expires_at, scanned_at,
	decided_at, finished_at, match_number, match_choices, match_picked`

// CreateQRLogin stores a new waiting QR login (Purge removes it after its retention).
func (s *Store) CreateQRLogin(ctx context.Context, l QRLogin) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO qr_logins (id, auth_request_id, client_name, frame_secret,
			binding_hash, state, browser, ip, ip_key, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.ID, l.AuthRequestID, l.ClientName, l.FrameSecret, l.BindingHash, QRWaiting, l.Browser, l.IP, ClientKey(l.IP),
			ms(l.CreatedAt), ms(l.ExpiresAt))
		return err
	})
}

// QRLoginByID returns a QR login as stored.
func (s *Store) QRLoginByID(ctx context.Context, id string) (QRLogin, error) {
	var l QRLogin
	var created, expires, scanned, decided, finished int64
	var choices string
	err := s.r.QueryRowContext(ctx, `SELECT `+qrCols+` FROM qr_logins WHERE id = ?`, id).Scan(
		&l.ID, &l.AuthRequestID, &l.ClientName, &l.FrameSecret, &l.BindingHash, &l.State, &l.CitizenID,
		&l.ScannedName, &l.AppSessionHash, &l.PendingPermission, &l.Browser, &l.IP, &created, &expires, &scanned,
		&decided, &finished, &l.Match.Number, &choices, &l.Match.Picked)
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNotFound
	}
	l.Match.Choices = parseChoices(choices)
	l.CreatedAt, l.ExpiresAt, l.ScannedAt = fromMS(created), fromMS(expires), fromMS(scanned)
	l.DecidedAt, l.FinishedAt = fromMS(decided), fromMS(finished)
	return l, err
}

// CountQRLoginsFromIP counts the QR logins started from ip's ClientKey at or after since.
func (s *Store) CountQRLoginsFromIP(ctx context.Context, ip string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM qr_logins WHERE ip_key = ? AND created_at >= ?`,
		ClientKey(ip), ms(since)).Scan(&n)
	return n, err
}

// CountPendingQRScans counts the live logins a citizen has scanned but not yet decided.
func (s *Store) CountPendingQRScans(ctx context.Context, citizenID string, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM qr_logins WHERE citizen_id = ? AND state = ? AND expires_at > ?`,
		citizenID, QRScanned, ms(now)).Scan(&n)
	return n, err
}

// Every transition below is one conditional UPDATE on the expected state (and, for live states,
// on the expiry): when two requests race, exactly one changes the row and the other gets
// ErrConflict.

// ScanQRLogin moves a live waiting login to scanned and binds it to the citizen and the app
// session that scanned it. scannedName is what the desktop shows of the citizen (masked);
// pending records that the citizen's web-login permission was off.
func (s *Store) ScanQRLogin(ctx context.Context, id, citizenID, scannedName, appSessionHash string, pending bool, now time.Time) error {
	return s.ScanQRLoginMatching(ctx, id, citizenID, scannedName, appSessionHash, pending, QRMatch{}, now)
}

// ScanQRLoginMatching is ScanQRLogin with number matching: the number and the choices are
// written with the scan, so the desktop never sees the login scanned without its number.
func (s *Store) ScanQRLoginMatching(ctx context.Context, id, citizenID, scannedName, appSessionHash string, pending bool, m QRMatch, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE qr_logins SET state = ?, citizen_id = ?, scanned_name = ?,
		app_session_hash = ?, pending_permission = ?, scanned_at = ?, match_number = ?, match_choices = ?, match_picked = 0
		WHERE id = ? AND state = ? AND expires_at > ?`,
		QRScanned, citizenID, scannedName, appSessionHash, pending, ms(now), m.Number, m.choicesText(), id, QRWaiting, ms(now)))
}

// PickQRNumber records the citizen's one pick on a live scanned login with number matching,
// owned by appSessionHash: the first pick is final. A right pick leaves the login scanned
// (the passcode comes next); a wrong one denies it in the same UPDATE. A second pick, or a
// pick on a login that moved on, gets ErrConflict.
func (s *Store) PickQRNumber(ctx context.Context, id, appSessionHash string, picked int, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE qr_logins SET match_picked = ?,
		state = CASE WHEN match_number = ? THEN state ELSE ? END,
		decided_at = CASE WHEN match_number = ? THEN decided_at ELSE ? END
		WHERE id = ? AND state = ? AND app_session_hash = ? AND expires_at > ? AND match_number <> 0 AND match_picked = 0`,
		picked, picked, QRDenied, picked, ms(now), id, QRScanned, appSessionHash, ms(now)))
}

// RescanQRLogin records a new scan of a live scanned login by the app session that owns it
// (after the citizen granted the web-login permission, say), updating the pending flag.
func (s *Store) RescanQRLogin(ctx context.Context, id, appSessionHash string, pending bool, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE qr_logins SET pending_permission = ?, scanned_at = ?
		WHERE id = ? AND state = ? AND app_session_hash = ? AND expires_at > ?`,
		pending, ms(now), id, QRScanned, appSessionHash, ms(now)))
}

// ConfirmQRLogin moves a live scanned login owned by appSessionHash to confirmed and, in the
// same transaction, ends that app session: the app signs itself out after a QR login (seed:
// "tự động đăng xuất khỏi ứng dụng VNeID"), and a confirmed login never leaves a live token.
func (s *Store) ConfirmQRLogin(ctx context.Context, id, appSessionHash string, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		err := affectedOne(tx.ExecContext(ctx, `UPDATE qr_logins SET state = ?, pending_permission = 0, decided_at = ?
			WHERE id = ? AND state = ? AND app_session_hash = ? AND expires_at > ?`,
			QRConfirmed, ms(now), id, QRScanned, appSessionHash, ms(now)))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ? AND kind = 'app'`, appSessionHash)
		return err
	})
}

// DenyQRLogin moves a live scanned login owned by appSessionHash to denied.
func (s *Store) DenyQRLogin(ctx context.Context, id, appSessionHash string, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE qr_logins SET state = ?, decided_at = ?
		WHERE id = ? AND state = ? AND app_session_hash = ? AND expires_at > ?`,
		QRDenied, ms(now), id, QRScanned, appSessionHash, ms(now)))
}

// CancelQRLogin moves a live waiting or scanned login to cancelled (the desktop gave up).
func (s *Store) CancelQRLogin(ctx context.Context, id string, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE qr_logins SET state = ?, decided_at = ?
		WHERE id = ? AND state IN (?, ?) AND expires_at > ?`,
		QRCancelled, ms(now), id, QRWaiting, QRScanned, ms(now)))
}

// ExpireQRLogin writes down the expiry of a waiting or scanned login whose time is over.
// Readers already see it as expired (StateAt); this makes it final and lets exactly one of
// them report it.
func (s *Store) ExpireQRLogin(ctx context.Context, id string, now time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE qr_logins SET state = ?, decided_at = ?
		WHERE id = ? AND state IN (?, ?) AND expires_at <= ?`,
		QRExpired, ms(now), id, QRWaiting, QRScanned, ms(now)))
}

// FinishQRLogin marks a confirmed login as redeemed by its browser. It succeeds once, and only
// while the confirmation is newer than confirmedSince.
func (s *Store) FinishQRLogin(ctx context.Context, id string, now, confirmedSince time.Time) error {
	return affectedOne(s.w.ExecContext(ctx, `UPDATE qr_logins SET finished_at = ?
		WHERE id = ? AND state = ? AND finished_at = 0 AND decided_at > ?`,
		ms(now), id, QRConfirmed, ms(confirmedSince)))
}
