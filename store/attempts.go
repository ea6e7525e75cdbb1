package store

// The attempt log and the regulation state kept beside it (failure counts and locks). Each
// method that decides records, counts and decides in one transaction, and a secret's attempt
// is reserved before the secret is checked, so that parallel guesses cannot pass a limit.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// Attempt is one authentication attempt (password, OTP, passcode, console).
type Attempt struct {
	At        time.Time
	IP        string
	IDNumber  string
	CitizenID string
	Kind      string
	Success   bool
	Reason    string
}

// RecordAttempt appends an attempt to the attempt log.
func (s *Store) RecordAttempt(ctx context.Context, a Attempt) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO login_attempts (at, ip, ip_key, id_number, citizen_id, kind, success, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ms(a.At), a.IP, ClientKey(a.IP), a.IDNumber, a.CitizenID, a.Kind, a.Success, a.Reason)
	return err
}

// AttemptLimit caps the failed attempts of one kind in a sliding window: at most Max within
// Window before the attempt, from the attempt's client (its ClientKey), or from anywhere when AllIPs is set (an
// account-wide limit).
type AttemptLimit struct {
	Max    int
	Window time.Duration
	AllIPs bool
}

// Reservation is an attempt that took its place under its limits: its id in the attempt log
// and Room, how many more failures the fullest limit takes after it (math.MaxInt without
// limits).
type Reservation struct {
	ID   int64
	Room int
}

// ReserveAttempt records an attempt as a failure before its secret is checked, in one
// transaction that refuses with a *LimitError (an ErrConflict naming the full limit and when it
// frees) when any limit already holds its Max failures of the attempt's kind. Parallel attempts
// therefore each take their place under the limits, and no more than Max are ever checked.
// FinishAttempt records the outcome; DropAttempt removes an attempt that was never checked.
func (s *Store) ReserveAttempt(ctx context.Context, a Attempt, limits ...AttemptLimit) (Reservation, error) {
	var r Reservation
	err := s.tx(ctx, func(tx *sql.Tx) (err error) {
		r, err = reserveAttempt(ctx, tx, a, limits)
		return err
	})
	return r, err
}

// PendingGrace is how long a reserved attempt without an outcome counts against its limits.
// A live attempt has its outcome long before: a hash waits at most a few seconds for a core and
// takes well under one. An older one was cut short (a process killed mid-hash, a write that
// failed): its answer never went out, so it taught nobody anything, and counting it for the
// whole window would let a few crashes lock out right passwords from an office's one address.
const PendingGrace = 30 * time.Second

func reserveAttempt(ctx context.Context, tx *sql.Tx, a Attempt, limits []AttemptLimit) (Reservation, error) {
	r := Reservation{Room: math.MaxInt}
	for i, l := range limits {
		q, args := countedFailures(a, l)
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+q+`) AS counted`, args...).Scan(&n); err != nil {
			return r, err
		}
		if n >= l.Max {
			free, _, err := windowFull(ctx, tx, q, args, l.Max, l.Window)
			if err != nil {
				return r, err
			}
			return r, &LimitError{Limit: i, FreeAt: free}
		}
		r.Room = min(r.Room, l.Max-n-1)
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO login_attempts (at, ip, ip_key, id_number, citizen_id, kind, success, reason)
		VALUES (?, ?, ?, ?, ?, ?, 0, 'pending') RETURNING id`, ms(a.At), a.IP, ClientKey(a.IP), a.IDNumber, a.CitizenID, a.Kind).Scan(&r.ID)
	return r, err
}

// countedFailures selects the times of the failures of a's kind that count against l at a.At:
// the finished ones within the window and the pending ones younger than PendingGrace. A
// refusal tells when the limit frees as if each pending one were to fail, as a live one most
// likely will; one cut short gives its place back sooner.
func countedFailures(a Attempt, l AttemptLimit) (string, []any) {
	q := `SELECT at FROM login_attempts WHERE kind = ? AND success = 0 AND at > ?
		AND (reason <> 'pending' OR at > ?)`
	args := []any{a.Kind, ms(a.At.Add(-l.Window)), ms(a.At.Add(-PendingGrace))}
	if !l.AllIPs {
		q, args = q+` AND ip_key = ?`, append(args, ClientKey(a.IP))
	}
	return q, args
}

// FinishAttempt records the outcome of a reserved attempt.
func (s *Store) FinishAttempt(ctx context.Context, id int64, success bool, reason string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE login_attempts SET success = ?, reason = ? WHERE id = ?`, success, reason, id)
	return err
}

// DropAttempt removes a reserved attempt whose secret was never checked.
func (s *Store) DropAttempt(ctx context.Context, id int64) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM login_attempts WHERE id = ?`, id)
	return err
}

// DropUnfinishedAttempts removes the attempts ReserveAttempt took that never got an outcome.
// Only a process that ended between the two (a crash, a kill -9, a power cut) leaves one; it
// stops counting after PendingGrace anyway, and this tidies the log of the previous process at
// once. Call it before serving, when no attempt of this process can be in flight. It returns
// how many it removed.
func (s *Store) DropUnfinishedAttempts(ctx context.Context) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM login_attempts WHERE success = 0 AND reason = 'pending'`)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CountIPFailures counts finished failed attempts of one kind from ip's ClientKey at or after
// since (not the reserved ones still without an outcome).
func (s *Store) CountIPFailures(ctx context.Context, ip, kind string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts WHERE ip_key = ? AND success = 0
		AND reason <> 'pending' AND kind = ? AND at >= ?`,
		ClientKey(ip), kind, ms(since)).Scan(&n)
	return n, err
}

// LimitError is a refusal by a sliding-window limit: Limit is the index of the limit that was
// full (in the order the caller gave them) and FreeAt the moment it has room again. It is an
// ErrConflict.
type LimitError struct {
	Limit  int
	FreeAt time.Time
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("store: limit %d full until %s", e.Limit, e.FreeAt.UTC().Format(time.RFC3339))
}

// Is makes a LimitError match ErrConflict.
func (e *LimitError) Is(target error) bool { return target == ErrConflict }

// windowFull reports when a sliding window of length window that already holds max events has
// room again: the max-th newest event leaves it. query selects the events' times (newest first
// is applied here) and takes args; it gets LIMIT/OFFSET appended. ok is false while there is
// room.
func windowFull(ctx context.Context, tx *sql.Tx, query string, args []any, max int, window time.Duration) (time.Time, bool, error) {
	var at int64
	err := tx.QueryRowContext(ctx, query+` ORDER BY at DESC LIMIT 1 OFFSET ?`, append(args, max-1)...).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return fromMS(at).Add(window), true, nil
}

// LockError is a refusal by a lock on an account's password login until Until. It is an
// ErrConflict.
type LockError struct {
	Until time.Time
}

func (e *LockError) Error() string {
	return "store: locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Is makes a LockError match ErrConflict.
func (e *LockError) Is(target error) bool { return target == ErrConflict }

// ReservePassword reserves a password attempt like ReserveAttempt, in the same transaction as
// it reads the lock of the attempt's ID number: its citizen's (a.CitizenID) or, for an ID
// number that belongs to nobody (a.CitizenID ""), the ID number's own, kept alike so that a
// lock does not tell which ID numbers exist. While that lock holds it refuses with a
// *LockError, before any limit is looked at. PasswordFailed or PasswordSucceeded records the
// outcome.
func (s *Store) ReservePassword(ctx context.Context, a Attempt, limits ...AttemptLimit) (Reservation, error) {
	var r Reservation
	err := s.tx(ctx, func(tx *sql.Tx) error {
		q, key := `SELECT locked_until FROM citizens WHERE id = ?`, a.CitizenID
		if a.CitizenID == "" {
			q, key = `SELECT locked_until FROM unknown_id_failures WHERE id_number = ?`, a.IDNumber
		}
		var until int64
		err := tx.QueryRowContext(ctx, q, key).Scan(&until)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if until > ms(a.At) {
			return &LockError{Until: fromMS(until)}
		}
		r, err = reserveAttempt(ctx, tx, a, limits)
		return err
	})
	return r, err
}

// PasswordFailed records reserved password attempt id as failed for reason and counts it
// against the attempt's ID number, in one transaction: the citizen's consecutive failures, or
// those of an ID number that belongs to nobody, by the same rule. The max-th failure locks the
// ID number until now+lockFor and the count starts again. It returns the lock end (zero if this
// failure did not lock) and the failures counted so far.
func (s *Store) PasswordFailed(ctx context.Context, id int64, reason string, now time.Time, max int, lockFor time.Duration) (time.Time, int, error) {
	var lockedUntil time.Time
	var failures int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var citizenID, idNumber string
		err := tx.QueryRowContext(ctx, `UPDATE login_attempts SET success = 0, reason = ? WHERE id = ?
			RETURNING citizen_id, id_number`, reason, id).Scan(&citizenID, &idNumber)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		count := `UPDATE citizens SET password_failures = password_failures + 1 WHERE id = ? RETURNING password_failures`
		lock := `UPDATE citizens SET password_failures = 0, locked_until = ? WHERE id = ?`
		key := citizenID
		if citizenID == "" {
			count = `INSERT INTO unknown_id_failures (id_number, failures) VALUES (?, 1)
				ON CONFLICT (id_number) DO UPDATE SET failures = failures + 1 RETURNING failures`
			lock = `UPDATE unknown_id_failures SET failures = 0, locked_until = ? WHERE id_number = ?`
			key = idNumber
		}
		if err := tx.QueryRowContext(ctx, count, key).Scan(&failures); err != nil {
			return err
		}
		if failures < max {
			return nil
		}
		lockedUntil = now.Add(lockFor)
		_, err = tx.ExecContext(ctx, lock, ms(lockedUntil), key)
		return err
	})
	return lockedUntil, failures, err
}

// PasswordSucceeded records reserved password attempt id as a success and, in the same
// transaction, clears its citizen's count of consecutive wrong passwords.
func (s *Store) PasswordSucceeded(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var citizenID string
		err := tx.QueryRowContext(ctx, `UPDATE login_attempts SET success = 1, reason = '' WHERE id = ? RETURNING citizen_id`,
			id).Scan(&citizenID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE citizens SET password_failures = 0 WHERE id = ? AND password_failures <> 0`, citizenID)
		return err
	})
}

// CodeTarget is what a second-factor code was typed for: a login's OTP challenge or a device
// activation. Each dies after its own number of wrong codes.
type CodeTarget struct {
	table, id string
}

// OTPChallengeCode is the OTP challenge with this id as a CodeTarget.
func OTPChallengeCode(id string) CodeTarget { return CodeTarget{"otp_challenges", id} }

// DeviceActivationCode is the device activation with this id as a CodeTarget.
func DeviceActivationCode(id string) CodeTarget { return CodeTarget{"device_activations", id} }

// CodeLimits are what a wrong code counts against: its target (Max wrong codes end it) and its
// citizen's account (AccountMax wrong codes of any target within Window lock the account for
// LockFor).
type CodeLimits struct {
	Max        int
	AccountMax int
	Window     time.Duration
	LockFor    time.Duration
}

// CodeFailure is what one wrong code led to.
type CodeFailure struct {
	AccountFailures int       // the account's wrong codes within the window, this one included
	LockedUntil     time.Time // set when this code locked the account; its target then died
	Failures        int       // the target's wrong codes, when the account did not lock
	Dead            bool      // the target is dead
}

// CodeFailed records wrong code attempt a (of kind "otp") and counts it, in one transaction:
// first against a.CitizenID's account, across every login and target since the operator's last
// unlock (at AccountMax the account locks and the target dies), else against the target, which
// dies at Max. Every channel's codes share the counts, so switching channels buys no guesses.
func (s *Store) CodeFailed(ctx context.Context, a Attempt, on CodeTarget, l CodeLimits) (CodeFailure, error) {
	var f CodeFailure
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_attempts (at, ip, ip_key, id_number, citizen_id, kind, success, reason)
			VALUES (?, ?, ?, ?, ?, 'otp', 0, ?)`, ms(a.At), a.IP, ClientKey(a.IP), a.IDNumber, a.CitizenID, a.Reason); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts WHERE citizen_id = ? AND success = 0
			AND kind = 'otp' AND at >= ? AND id > (SELECT code_failures_cleared_id FROM citizens WHERE id = ?)`,
			a.CitizenID, ms(a.At.Add(-l.Window)), a.CitizenID).Scan(&f.AccountFailures); err != nil {
			return err
		}
		if f.AccountFailures >= l.AccountMax {
			f.LockedUntil, f.Dead = a.At.Add(l.LockFor), true
			if err := affectedOne(tx.ExecContext(ctx, `UPDATE citizens SET locked_until = CASE WHEN locked_until > ?1 THEN locked_until ELSE ?1 END
				WHERE id = ?2`, ms(f.LockedUntil), a.CitizenID)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE `+on.table+` SET dead = 1 WHERE id = ?`, on.id)
			return err
		}
		err := tx.QueryRowContext(ctx, `UPDATE `+on.table+` SET failures = failures + 1,
			dead = CASE WHEN failures + 1 >= ? THEN 1 ELSE dead END
			WHERE id = ? RETURNING failures, dead`, l.Max, on.id).Scan(&f.Failures, &f.Dead)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	return f, err
}

// PasscodeRefusal is why ReservePasscodeGuess refused a guess: the passcode is Locked (an
// operator must reset it, or every guess it had is taken), or it cools down until
// CooldownUntil. It is an ErrConflict.
type PasscodeRefusal struct {
	Locked        bool
	CooldownUntil time.Time
}

func (e *PasscodeRefusal) Error() string {
	if e.Locked {
		return "store: passcode locked"
	}
	return "store: passcode cooling down until " + e.CooldownUntil.UTC().Format(time.RFC3339)
}

// Is makes a PasscodeRefusal match ErrConflict.
func (e *PasscodeRefusal) Is(target error) bool { return target == ErrConflict }

// ReservePasscodeGuess counts a passcode guess as a failure before the passcode is checked,
// in one transaction that refuses with a *PasscodeRefusal while the passcode is locked,
// cooling down, or has used up its lockAt guesses. Concurrent guesses therefore each take their
// own number and no more than lockAt can ever be checked. Every cooldownEvery-th guess starts the
// cooldown (until now+cooldownFor) at its reservation, not after its hash: the next guess
// cannot start while that one is still being checked. A right guess then calls
// ResetPasscodeFailures (which also ends that cooldown), a wrong one PasscodeGuessFailed. It
// returns the guess's number.
func (s *Store) ReservePasscodeGuess(ctx context.Context, citizenID string, now time.Time, lockAt, cooldownEvery int, cooldownFor time.Duration) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE citizens SET passcode_failures = passcode_failures + 1,
			passcode_cooldown_until = CASE WHEN ? > 0 AND (passcode_failures + 1) % ? = 0 THEN ? ELSE passcode_cooldown_until END
			WHERE id = ? AND passcode_locked = 0 AND passcode_cooldown_until <= ? AND passcode_failures < ?
			RETURNING passcode_failures`, cooldownEvery, max(cooldownEvery, 1), ms(now.Add(cooldownFor)),
			citizenID, ms(now), lockAt).Scan(&n)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var r PasscodeRefusal
		var failures int
		var cooldown int64
		err = tx.QueryRowContext(ctx, `SELECT passcode_locked, passcode_failures, passcode_cooldown_until FROM citizens
			WHERE id = ?`, citizenID).Scan(&r.Locked, &failures, &cooldown)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		r.Locked = r.Locked || failures >= lockAt
		r.CooldownUntil = fromMS(cooldown)
		return &r
	})
	return n, err
}

// ReleasePasscodeGuess gives back reserved guess number n that was never checked (hashing was
// busy), with the cooldown its reservation started.
func (s *Store) ReleasePasscodeGuess(ctx context.Context, citizenID string, n, cooldownEvery int) error {
	_, err := s.w.ExecContext(ctx, `UPDATE citizens SET passcode_failures = CASE WHEN passcode_failures > 0 THEN passcode_failures - 1 ELSE 0 END,
		passcode_cooldown_until = CASE WHEN CAST(? AS INTEGER) > 0 AND CAST(? AS INTEGER) % CAST(? AS INTEGER) = 0
			THEN 0 ELSE passcode_cooldown_until END
		WHERE id = ? AND passcode_locked = 0`, cooldownEvery, n, max(cooldownEvery, 1), citizenID)
	return err
}

// PasscodeVerdict is what one wrong passcode led to.
type PasscodeVerdict struct {
	Failures      int
	CooldownUntil time.Time // set when this failure started a cooldown
	Locked        bool      // set when this failure locked the passcode
}

// PasscodeGuessFailed applies the consequences of wrong guess number n: every cooldownEvery-th
// starts a cooldown of cooldownFor, the lockAt-th locks the passcode until an operator resets it.
func (s *Store) PasscodeGuessFailed(ctx context.Context, citizenID string, n int, now time.Time, cooldownEvery int, cooldownFor time.Duration, lockAt int) (PasscodeVerdict, error) {
	v := PasscodeVerdict{Failures: n}
	var err error
	switch {
	case n >= lockAt:
		v.Locked = true
		_, err = s.w.ExecContext(ctx, `UPDATE citizens SET passcode_locked = 1 WHERE id = ?`, citizenID)
	case cooldownEvery > 0 && n%cooldownEvery == 0:
		v.CooldownUntil = now.Add(cooldownFor)
		_, err = s.w.ExecContext(ctx, `UPDATE citizens SET passcode_cooldown_until = CASE WHEN passcode_cooldown_until > ?1
			THEN passcode_cooldown_until ELSE ?1 END WHERE id = ?2`,
			ms(v.CooldownUntil), citizenID)
	}
	return v, err
}

// ResetPasscodeFailures clears the passcode failure count after a correct passcode.
func (s *Store) ResetPasscodeFailures(ctx context.Context, citizenID string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE citizens SET passcode_failures = 0, passcode_cooldown_until = 0
		WHERE id = ? AND passcode_failures <> 0`, citizenID)
	return err
}
