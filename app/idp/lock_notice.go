package idp

import (
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// What locked an account, in the words of the notice (with and without diacritics).
const (
	lockByPassword = "password"
	lockByCode     = "code"
)

// The lock notices: %s is when the lock ends, then why (one of the causes below).
const (
	msgLockNotice    = "Tài khoản định danh điện tử của bạn đã bị tạm khóa đăng nhập bằng mật khẩu đến %s do %s. Bạn vẫn đăng nhập website được bằng mã QR trên ứng dụng VNeID. Nếu không phải bạn thực hiện, vui lòng liên hệ cơ quan Công an."
	msgLockNoticeSMS = "VNeID: Tai khoan cua ban bi tam khoa dang nhap den %s do %s. Neu khong phai ban, vui long lien he co quan Cong an."
)

// noticeLock tells the citizen that their account's login is locked, until when and why: in
// the app (free) and by SMS (through the SMS budget), in the language of the request that
// started the lock. Someone else may be guessing, so the citizen learns of it at once, and
// learns that the QR login from the app still works. A notice that cannot be sent is logged:
// the lock stands either way.
func (p *IdP) noticeLock(c echo.Context, cit store.Citizen, cause string, until time.Time) {
	why, whySMS := "nhập sai mật khẩu quá nhiều lần", "nhap sai mat khau nhieu lan"
	if cause == lockByCode {
		why, whySMS = "nhập sai mã xác nhận quá nhiều lần", "nhap sai ma xac nhan nhieu lan"
	}
	at := web.TimeVN(until)
	app := store.Message{Channel: "app", Purpose: "lock_notice", Body: web.F(c, msgLockNotice, at, web.T(c, why))}
	sms := store.Message{Channel: "sms", Purpose: "lock_notice", Body: web.F(c, msgLockNoticeSMS, at, web.T(c, whySMS))}
	for _, m := range []store.Message{app, sms} {
		if err := p.sendSMS(c, cit, m); err != nil {
			p.d.Log.Warn("lock notice not sent", "channel", m.Channel, "citizen", cit.ID, "err", err)
		}
	}
}
