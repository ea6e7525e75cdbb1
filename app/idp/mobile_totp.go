package idp

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// The authenticator-app (TOTP) settings of the VNeID app: the app is where the citizen already
// is, with a passcode the server checks, and the authenticator usually runs on the same phone.
// Setting up takes the passcode, shows the secret (QR and text), and only a first right code
// turns the factor on.

// totpEnrollTTL is how long a shown secret may still be confirmed: long enough to install an
// authenticator app, short enough that a forgotten setup does not linger.
const totpEnrollTTL = 10 * time.Minute

const (
	msgTOTPCodeFormat = "Mã từ ứng dụng xác thực gồm 6 chữ số."
	msgTOTPWrongSetup = "Mã không đúng. Kiểm tra giờ trên điện thoại (đặt tự động) và nhập mã đang hiển thị trong ứng dụng xác thực."
	msgTOTPNoSetup    = "Phiên thiết lập ứng dụng xác thực đã hết hạn. Vui lòng bấm \"Thiết lập\" để bắt đầu lại."
	msgTOTPNotOn      = "Bạn chưa bật xác thực bằng ứng dụng xác thực."
)

type totpPasscodeRequest struct {
	Passcode string `json:"passcode"`
}

type totpEnrollResponse struct {
	Secret     string    `json:"secret"`      // base32, for typing by hand
	OTPAuthURL string    `json:"otpauth_url"` // what the QR encodes
	QRSVGURL   string    `json:"qr_svg_url"`  // data: URL of the QR as SVG
	ExpiresAt  time.Time `json:"expires_at"`  // confirm with a first code before this
}

// enrollTOTP starts setting up an authenticator app: after the passcode, a new secret is kept
// as pending and shown once. An active authenticator keeps working until the new one is
// confirmed.
func (p *IdP) enrollTOTP(c echo.Context) error {
	var req totpPasscodeRequest
	if err := web.Bind(c, &req); err != nil {
		return err
	}
	cit := appCitizen(c)
	if err := p.checkPasscode(c, cit, req.Passcode); err != nil {
		return err
	}
	key, err := newTOTPKey(cit.IDNumber)
	if err != nil {
		return err
	}
	sealed, err := p.sealTOTP(cit.ID, key.Secret())
	if err != nil {
		return err
	}
	now := p.d.Now()
	if err := p.d.Store.SetTOTPPending(c.Request().Context(), cit.ID, sealed, now); err != nil {
		return err
	}
	bm, err := web.QRBitmap(key.URL())
	if err != nil {
		return err
	}
	p.audit(c, "phone", "totp_enroll_started", cit.ID, "")
	return c.JSON(http.StatusOK, totpEnrollResponse{Secret: key.Secret(), OTPAuthURL: key.URL(),
		QRSVGURL:  "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(web.QRSVG(bm)),
		ExpiresAt: now.Add(totpEnrollTTL)})
}

type totpActivateRequest struct {
	Code string `json:"code"`
}

// activateTOTP turns the pending secret on when the citizen types a code from the
// authenticator: proof that the app holds the secret and the phone's clock agrees.
func (p *IdP) activateTOTP(c echo.Context) error {
	var req totpActivateRequest
	if err := web.Bind(c, &req); err != nil {
		return err
	}
	code := strings.TrimSpace(req.Code)
	if !web.IsPasscode(code) {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_code", Msg: msgTOTPCodeFormat}
	}
	ctx := c.Request().Context()
	cit, now := appCitizen(c), p.d.Now()
	noSetup := &web.Error{Status: http.StatusConflict, Code: "totp_setup_expired", Msg: msgTOTPNoSetup}
	sealed, at, err := p.d.Store.TOTPPending(ctx, cit.ID)
	if errors.Is(err, store.ErrNotFound) {
		return noSetup
	}
	if err != nil {
		return err
	}
	if now.Sub(at) > totpEnrollTTL {
		return noSetup
	}
	secret, err := p.openTOTP(cit.ID, sealed)
	if err != nil {
		return err
	}
	step, ok := matchTOTP(secret, code, now)
	if !ok {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_code", Msg: msgTOTPWrongSetup}
	}
	if err := p.d.Store.ActivateTOTP(ctx, cit.ID, sealed, step); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// Another setup replaced this secret while the code was checked.
			noSetup.Err = err
			return noSetup
		}
		return err
	}
	p.audit(c, "phone", "totp_enabled", cit.ID, "")
	p.totpNotice(c, cit, web.T(c, "Bạn đã bật xác thực bằng ứng dụng xác thực cho tài khoản định danh điện tử. Từ nay có thể dùng mã trong ứng dụng xác thực khi đăng nhập trên website. Nếu không phải bạn thực hiện, hãy tắt ngay trong Cài đặt."))
	return c.JSON(http.StatusOK, map[string]bool{"totp_enabled": true})
}

// removeTOTP turns the authenticator app off (a lost or replaced phone); the passcode confirms.
func (p *IdP) removeTOTP(c echo.Context) error {
	var req totpPasscodeRequest
	if err := web.Bind(c, &req); err != nil {
		return err
	}
	cit := appCitizen(c)
	if err := p.checkPasscode(c, cit, req.Passcode); err != nil {
		return err
	}
	err := p.d.Store.RemoveTOTP(c.Request().Context(), cit.ID)
	if errors.Is(err, store.ErrConflict) {
		return &web.Error{Status: http.StatusConflict, Code: "totp_not_enabled", Msg: msgTOTPNotOn, Err: err}
	}
	if err != nil {
		return err
	}
	p.audit(c, "phone", "totp_disabled", cit.ID, "")
	p.totpNotice(c, cit, web.T(c, "Bạn đã tắt xác thực bằng ứng dụng xác thực. Mã trong ứng dụng xác thực không còn dùng được để đăng nhập. Nếu không phải bạn thực hiện, hãy liên hệ ngay cơ quan Công an nơi cư trú."))
	return c.JSON(http.StatusOK, map[string]bool{"totp_enabled": false})
}

// totpNotice tells the citizen in the app that a login factor changed; body is in the
// request's language.
func (p *IdP) totpNotice(c echo.Context, cit store.Citizen, body string) {
	err := p.sendSMS(c, cit, store.Message{Channel: "app", Sender: "VNeID",
		Recipient: cit.Phone, Body: body, Purpose: "notice", SentAt: p.d.Now()})
	if err != nil {
		// The factor is already changed; a lost notice must not make the app retry.
		p.d.Log.Warn("totp notice", "err", err)
	}
}
