package idp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
	"dvclogin/app/regulator"
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
		Msg: "Tài khoản đã bị tạm khóa do đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút.", Args: []any{minutes(wait)}}
}

// attempt is this request's try at a secret of cit, in the regulator's plain terms.
func (p *IdP) attempt(c echo.Context, cit store.Citizen) regulator.Attempt {
	return regulator.Attempt{At: p.d.Now(), IP: c.RealIP(), IDNumber: cit.IDNumber, CitizenID: cit.ID}
}

// unchecked answers a secret the regulator did not get checked: hashing was saturated (429
// with Retry-After), or the store failed.
func unchecked(err error) error {
	if errors.Is(err, web.ErrBusy) {
		return busy(err)
	}
	return err
}

// checkPassword is the password step shared by the web login and the app login: the format,
// then the regulator (lock, per-IP limit before any hash, the hash, the count). An unknown ID
// and a wrong password give the same error after the same work (a dummy hash).
// pri is the hash's place in the hashing queue: web.HashStarted for the web login, admitted at
// its authorization request; web.HashJoins for the app login, which joins a QR login admitted
// at the desktop or starts one of its own.
func (p *IdP) checkPassword(c echo.Context, idNumber, password, channel string, pri web.Priority) (store.Citizen, error) {
	ctx := c.Request().Context()
	idNumber = strings.TrimSpace(idNumber)
	if !web.IsIDNumber(idNumber) {
		return store.Citizen{}, &web.Error{Status: http.StatusBadRequest, Code: "invalid_id_number", Msg: msgBadIDNumber}
	}
	cit, err := p.d.Store.CitizenByIDNumber(ctx, idNumber)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Citizen{}, err
	}
	a := p.attempt(c, cit)
	a.IDNumber = idNumber
	v, err := p.d.Regulator.Password(ctx, a, func() (bool, error) {
		return p.d.Hasher.VerifyAt(ctx, pri, cit.PasswordHash, password)
	})
	if err != nil {
		return store.Citizen{}, unchecked(err)
	}
	if v.Kind != regulator.Allowed {
		return store.Citizen{}, p.passwordRefused(c, v, cit, channel)
	}
	return cit, nil
}

// passwordRefused answers a password the regulator did not allow: 429 over the per-IP limit,
// 423 for a lock (a lock this attempt started is audited and the citizen told), else 401.
func (p *IdP) passwordRefused(c echo.Context, v regulator.Verdict, cit store.Citizen, channel string) error {
	lim := p.d.Limits
	reason := "unknown_id"
	if cit.ID != "" {
		reason = "wrong_password"
	}
	switch v.Kind {
	case regulator.Limited:
		return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Msg: "Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d phút.", Args: []any{minutes(v.RetryAfter)},
			RetryAfter: seconds(v.RetryAfter), Err: fmt.Errorf("ip %s: %d failures", c.RealIP(), lim.IPMaxFailures)}
	case regulator.Locked:
		le := lockedError(v.RetryAfter)
		if v.Started {
			if cit.ID != "" {
				p.audit(c, channel, "account_locked", cit.ID, fmt.Sprintf("%d wrong passwords", lim.PasswordMaxFailures))
				p.noticeLock(c, cit, lockByPassword, v.Until)
			}
			le.Err = fmt.Errorf("%s locked after %d failures", reason, v.Failures)
		}
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

// passcodeApproves is the approval of a login on the phone (a QR login, a counter's): the
// app's citizen may log in on the web, and proves it is them with the passcode.
func (p *IdP) passcodeApproves(c echo.Context, passcode string) (store.Citizen, error) {
	cit := appCitizen(c)
	if werr := checkWebLogin(cit); werr != nil {
		return cit, werr
	}
	return cit, p.checkPasscode(c, cit, passcode)
}

// checkPasscode verifies the app passcode under its own rules (regulator.Passcode): every 5th
// wrong passcode starts a cooldown, the 10th locks the passcode and ends the app session until
// an operator resets it.
func (p *IdP) checkPasscode(c echo.Context, cit store.Citizen, passcode string) error {
	ctx := c.Request().Context()
	if !web.IsPasscode(passcode) {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_passcode", Msg: msgPasscodeFormat}
	}
	v, err := p.d.Regulator.Passcode(ctx, p.attempt(c, cit), func() (bool, error) {
		// The app login before it already cost a hash: a passcode goes before new logins.
		return p.d.Hasher.VerifyAt(ctx, web.HashPaid, cit.PasscodeHash, passcode)
	})
	if err != nil {
		return unchecked(err)
	}
	lockAt := p.d.Limits.PasscodeLockAt
	switch v.Kind {
	case regulator.Allowed:
		return nil
	case regulator.Locked:
		if v.Started {
			if _, err := p.d.Store.DeleteSessionsOf(ctx, "app", cit.ID); err != nil {
				return err
			}
			p.audit(c, "phone", "passcode_locked", cit.ID, fmt.Sprintf("%d wrong passcodes", v.Failures))
		}
		return &web.Error{Status: http.StatusLocked, Code: "passcode_locked", Msg: msgPasscodeLockedFm, Args: []any{lockAt}}
	case regulator.Limited:
		if v.Started {
			return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: int(v.RetryAfter.Seconds()),
				Msg: "Bạn đã nhập sai passcode %d lần. Vui lòng thử lại sau %d phút.", Args: []any{v.Failures, minutes(v.RetryAfter)}}
		}
		wait := max(v.RetryAfter, time.Second)
		return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: int(wait.Seconds()) + 1,
			Msg: "Bạn đã nhập sai passcode nhiều lần. Vui lòng thử lại sau %d phút.", Args: []any{minutes(wait)}}
	}
	return &web.Error{Status: http.StatusBadRequest, Code: "invalid_passcode",
		Msg: "%s Còn %d lần thử trước khi passcode bị khóa.", Args: []any{i18n.Msg(msgBadPasscode), v.TriesLeft}}
}

// noticeCodeLock audits a lock that wrong codes just started and tells the citizen. channel
// names who saw it.
func (p *IdP) noticeCodeLock(c echo.Context, cit store.Citizen, channel string, v regulator.Verdict) {
	p.audit(c, channel, "account_locked_codes", cit.ID, fmt.Sprintf("%d wrong codes in an hour", v.Failures))
	p.noticeLock(c, cit, lockByCode, v.Until)
}

// msgCodeLockFmt is the answer when wrong codes locked the account; it takes the minutes left.
const msgCodeLockFmt = "Tài khoản đã bị tạm khóa do nhập sai mã xác nhận quá nhiều lần. Vui lòng thử lại sau %d phút."
