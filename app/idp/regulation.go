package idp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// Messages of the password step. The real SSO's texts for these cases are not public; these
// are the demo's (marked as suggested in the fidelity notes).
const (
	msgBadIDNumber      = "Số định danh cá nhân phải gồm đúng 12 chữ số."
	msgBadCredentials   = "Số định danh cá nhân hoặc mật khẩu không đúng."
	msgLevel1           = "Tài khoản định danh điện tử của bạn đang ở mức 1. Đăng nhập Cổng Dịch vụ công Quốc gia cần tài khoản định danh điện tử mức 2: vui lòng đến cơ quan Công an nơi cư trú để nâng cấp tài khoản."
	msgNoWebPermission  = "Tài khoản của bạn không có quyền đăng nhập trên cổng thông tin định danh điện tử. Vui lòng cập nhật lại quyền trên thiết bị"
	msgEnableInApp      = "Mở ứng dụng VNeID, chọn \"Cài đặt\", bật \"Đăng nhập trên website\" và xác nhận bằng passcode, rồi đăng nhập lại."
	msgBadPasscode      = "Passcode không đúng."
	msgPasscodeFormat   = "Passcode gồm 6 chữ số."
	msgPasscodeLockedFm = "Passcode đã bị khóa do nhập sai %d lần. Vui lòng liên hệ quản trị viên (cơ quan Công an) để đặt lại passcode."
)

// lockedError is the password step's answer for a locked account, whatever locked it and
// whether the ID number exists: the cause is told to the citizen (notice, code step), never to
// whoever types an ID number, or the lock would tell which ID numbers are real.
func lockedError(wait time.Duration) *web.Error {
	return &web.Error{Status: http.StatusLocked, Code: "account_locked", RetryAfter: seconds(wait),
		Msg: fmt.Sprintf("Tài khoản đã bị tạm khóa do đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút.", minutes(wait))}
}

// checkPassword is the password step shared by the web login and the app login: format,
// per-account lock, per-IP limit (before any hash is computed), then the hash check. An
// unknown ID and a wrong password give the same error after the same work (a dummy hash).
// Every attempt is recorded.
func (p *IdP) checkPassword(c echo.Context, idNumber, password, channel string) (store.Citizen, error) {
	ctx := c.Request().Context()
	now, ip, lim := p.d.Now(), c.RealIP(), p.d.Limits
	idNumber = strings.TrimSpace(idNumber)
	if !web.IsIDNumber(idNumber) {
		return store.Citizen{}, &web.Error{Status: http.StatusBadRequest, Code: "invalid_id_number", Msg: msgBadIDNumber}
	}
	cit, err := p.d.Store.CitizenByIDNumber(ctx, idNumber)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Citizen{}, err
	}
	// An unknown ID number has its own failure count and lock, kept like a citizen's.
	lockedUntil := cit.LockedUntil
	if !known {
		if lockedUntil, err = p.d.Store.UnknownIDLockedUntil(ctx, idNumber); err != nil {
			return store.Citizen{}, err
		}
	}
	if lockedUntil.After(now) {
		p.record(ctx, store.Attempt{IP: ip, IDNumber: idNumber, CitizenID: cit.ID, Kind: "password_refused", Reason: "locked"})
		return store.Citizen{}, lockedError(lockedUntil.Sub(now))
	}
	// The attempt takes its place under the per-IP limit before any hash is computed, in one
	// transaction: a burst of parallel guesses cannot slip past the limit while hashes run.
	attempt, err := p.d.Store.ReserveAttempt(ctx, store.Attempt{At: now, IP: ip, IDNumber: idNumber, CitizenID: cit.ID,
		Kind: "password"}, store.AttemptLimit{Max: lim.IPMaxFailures, Window: lim.IPWindow})
	var full *store.LimitError
	if errors.As(err, &full) {
		p.record(ctx, store.Attempt{IP: ip, IDNumber: idNumber, Kind: "password_refused", Reason: "ip_limited"})
		wait := full.FreeAt.Sub(now)
		return store.Citizen{}, &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Msg:        fmt.Sprintf("Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút.", minutes(wait)),
			RetryAfter: seconds(wait), Err: fmt.Errorf("ip %s: %d failures", ip, lim.IPMaxFailures)}
	}
	if err != nil {
		return store.Citizen{}, err
	}
	ok, err := p.d.Hasher.Verify(ctx, cit.PasswordHash, password)
	if err != nil {
		if derr := p.d.Store.DropAttempt(ctx, attempt); derr != nil {
			p.d.Log.Warn("drop attempt", "err", derr)
		}
		return store.Citizen{}, busy(err)
	}
	if !ok {
		return store.Citizen{}, p.passwordFailed(c, attempt, cit, idNumber, channel)
	}
	if err := p.d.Store.FinishAttempt(ctx, attempt, true, ""); err != nil {
		return store.Citizen{}, err
	}
	if err := p.d.Store.ResetPasswordFailures(ctx, cit.ID); err != nil {
		return store.Citizen{}, err
	}
	return cit, nil
}

// passwordFailed records a wrong password (or an unknown ID) and counts it against the ID
// number, known or not, by the same rule; the failure that reaches the limit locks it, and a
// citizen's lock is audited and notified. It returns the answer: 401, or 423 at the lock.
func (p *IdP) passwordFailed(c echo.Context, attempt int64, cit store.Citizen, idNumber, channel string) error {
	ctx := c.Request().Context()
	now, lim := p.d.Now(), p.d.Limits
	known := cit.ID != ""
	reason := "unknown_id"
	if known {
		reason = "wrong_password"
	}
	if err := p.d.Store.FinishAttempt(ctx, attempt, false, reason); err != nil {
		return err
	}
	var until time.Time
	var n int
	var err error
	if known {
		until, n, err = p.d.Store.RecordPasswordFailure(ctx, cit.ID, now, lim.PasswordMaxFailures, lim.PasswordLock)
	} else {
		until, n, err = p.d.Store.RecordUnknownIDFailure(ctx, idNumber, now, lim.PasswordMaxFailures, lim.PasswordLock)
	}
	if err != nil {
		return err
	}
	if !until.IsZero() {
		if known {
			p.audit(c, channel, "account_locked", cit.ID, fmt.Sprintf("%d wrong passwords", lim.PasswordMaxFailures))
			p.noticeLock(c, cit, lockByPassword, until)
		}
		le := lockedError(lim.PasswordLock)
		le.Err = fmt.Errorf("%s locked after %d failures", reason, n)
		return le
	}
	return &web.Error{Status: http.StatusUnauthorized, Code: "invalid_credentials",
		Msg: msgBadCredentials, Err: errors.New(reason)}
}

// checkWebLogin refuses citizens who may not log in on the web: level 1, or the "Đăng nhập
// trên website" permission off (the seed's message, verbatim).
func checkWebLogin(cit store.Citizen) *web.Error {
	if cit.Level < 2 {
		return &web.Error{Status: http.StatusForbidden, Code: "account_level_insufficient", Msg: msgLevel1}
	}
	if !cit.WebLogin {
		return &web.Error{Status: http.StatusForbidden, Code: "web_login_not_permitted", Msg: msgNoWebPermission}
	}
	return nil
}

// checkPasscode verifies the app passcode with its own regulation: every 5th wrong passcode
// starts a cooldown, the 10th locks the passcode and ends the app session until an operator
// resets it (NIST 800-63B-4 §3.2.10: at most 10 consecutive failures for an activation secret).
func (p *IdP) checkPasscode(c echo.Context, cit store.Citizen, passcode string) error {
	ctx := c.Request().Context()
	now, lim := p.d.Now(), p.d.Limits
	if !web.IsPasscode(passcode) {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_passcode", Msg: msgPasscodeFormat}
	}
	// The guess is counted, and a cooldown it earns started, before the hash is checked, so
	// parallel guesses cannot slip past the limits while their hashes run.
	n, err := p.d.Store.ReservePasscodeGuess(ctx, cit.ID, now, lim.PasscodeLockAt, lim.PasscodeCooldownEvery, lim.PasscodeCooldown)
	if errors.Is(err, store.ErrConflict) {
		fresh, ferr := p.d.Store.CitizenByID(ctx, cit.ID)
		if ferr != nil {
			return ferr
		}
		if fresh.PasscodeLocked || fresh.PasscodeFailures >= lim.PasscodeLockAt {
			return &web.Error{Status: http.StatusLocked, Code: "passcode_locked", Msg: fmt.Sprintf(msgPasscodeLockedFm, lim.PasscodeLockAt)}
		}
		wait := max(fresh.PasscodeCooldownUntil.Sub(now), time.Second)
		return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: int(wait.Seconds()) + 1,
			Msg: fmt.Sprintf("Bạn đã nhập sai passcode nhiều lần. Vui lòng thử lại sau %d phút.", minutes(wait))}
	}
	if err != nil {
		return err
	}
	ok, err := p.d.Hasher.Verify(ctx, cit.PasscodeHash, passcode)
	if err != nil {
		// Not checked: give the guess back.
		if rerr := p.d.Store.ReleasePasscodeGuess(ctx, cit.ID, n, lim.PasscodeCooldownEvery); rerr != nil {
			p.d.Log.Warn("release passcode guess", "err", rerr)
		}
		return busy(err)
	}
	if ok {
		p.record(ctx, store.Attempt{IP: c.RealIP(), IDNumber: cit.IDNumber, CitizenID: cit.ID, Kind: "passcode", Success: true})
		return p.d.Store.ResetPasscodeFailures(ctx, cit.ID)
	}
	p.record(ctx, store.Attempt{IP: c.RealIP(), IDNumber: cit.IDNumber, CitizenID: cit.ID, Kind: "passcode", Reason: "wrong_passcode"})
	v, err := p.d.Store.PasscodeGuessFailed(ctx, cit.ID, n, now, lim.PasscodeCooldownEvery, lim.PasscodeCooldown, lim.PasscodeLockAt)
	if err != nil {
		return err
	}
	switch {
	case v.Locked:
		if _, err := p.d.Store.DeleteSessionsOf(ctx, "app", cit.ID); err != nil {
			return err
		}
		p.audit(c, "phone", "passcode_locked", cit.ID, fmt.Sprintf("%d wrong passcodes", v.Failures))
		return &web.Error{Status: http.StatusLocked, Code: "passcode_locked", Msg: fmt.Sprintf(msgPasscodeLockedFm, lim.PasscodeLockAt)}
	case !v.CooldownUntil.IsZero():
		return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: int(lim.PasscodeCooldown.Seconds()),
			Msg: fmt.Sprintf("Bạn đã nhập sai passcode %d lần. Vui lòng thử lại sau %d phút.", v.Failures, minutes(lim.PasscodeCooldown))}
	}
	left := lim.PasscodeLockAt - v.Failures
	return &web.Error{Status: http.StatusBadRequest, Code: "invalid_passcode",
		Msg: fmt.Sprintf("%s Còn %d lần thử trước khi passcode bị khóa.", msgBadPasscode, left)}
}

// record appends an attempt; the attempt log is best effort, a failure is logged.
func (p *IdP) record(ctx context.Context, a store.Attempt) {
	a.At = p.d.Now()
	if err := p.d.Store.RecordAttempt(ctx, a); err != nil {
		p.d.Log.Warn("record attempt", "err", err)
	}
}

// lockOnWrongCodes locks the citizen's account when the wrong second-factor codes of the last
// hour (OTP, in-app, authenticator and device-activation codes alike, across every login)
// reached the account's limit: each challenge dies after 5, but parallel logins each bring one
// (RFC 4226 §7.3). The lock is audited and the citizen told. channel names who saw it.
func (p *IdP) lockOnWrongCodes(c echo.Context, cit store.Citizen, channel string) (bool, error) {
	ctx := c.Request().Context()
	now, lim := p.d.Now(), p.d.Limits
	total, err := p.d.Store.CountCodeFailures(ctx, cit.ID, now.Add(-time.Hour))
	if err != nil || total < lim.OTPAccountMax {
		return false, err
	}
	if err := p.d.Store.LockCitizen(ctx, cit.ID, now.Add(lim.PasswordLock)); err != nil {
		return false, err
	}
	p.audit(c, channel, "account_locked_codes", cit.ID, fmt.Sprintf("%d wrong codes in an hour", total))
	p.noticeLock(c, cit, lockByCode, now.Add(lim.PasswordLock))
	return true, nil
}

// msgCodeLock is the code step's answer when wrong codes locked the account.
func msgCodeLock(lock time.Duration) string {
	return fmt.Sprintf("Tài khoản đã bị tạm khóa do nhập sai mã xác nhận quá nhiều lần. Vui lòng thử lại sau %d phút.", minutes(lock))
}
