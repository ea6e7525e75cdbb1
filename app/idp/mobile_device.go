package idp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/regulator"
	"dvclogin/app/web"
	"dvclogin/store"
)

// Devices and SIMs of the VNeID app. The real app activates on a new phone with an SMS code to
// the registered SIM, one device at a time. Here the phone is simulated: a device is whatever
// holds a device key (the simulator in a browser keeps it in an HttpOnly cookie; other clients
// send it in X-Device-Key), and each citizen's SIM sits in at most one device. SMS to the
// citizen's number are readable only on that device, so knowing the password alone neither
// signs the app in on a new device nor reads the SMS code of a web login.

const (
	deviceCookie    = "dvc_device"
	deviceHeader    = "X-Device-Key"
	deviceCookieAge = 400 * 24 * time.Hour // the longest lifetime browsers keep a cookie
	deviceIDPrefix  = "dv_"

	purposeActivation = "device_activation"

	msgActivationFormat  = "Mã kích hoạt gồm 6 chữ số."
	msgActivationWrongFm = "Mã kích hoạt không đúng. Bạn còn %d lần thử."
	msgActivationDeadFm  = "Bạn đã nhập sai mã kích hoạt quá %d lần. Vui lòng đăng nhập lại để nhận mã mới."
	msgActivationGone    = "Mã kích hoạt đã hết hạn hoặc đã được sử dụng. Vui lòng đăng nhập lại để nhận mã mới."
	msgSIMCodeBad        = "Mã chuyển SIM không đúng, đã được sử dụng hoặc đã hết hạn. Mã chỉ dùng được một lần, trong 10 phút."
	msgSIMNotHeld        = "Thiết bị này không giữ SIM của số điện thoại đăng ký nên không thể chuyển SIM."
)

// appSIM is what the app shows about the citizen's SIM.
type appSIM struct {
	PhoneMasked      string `json:"phone_masked"`
	HeldByThisDevice bool   `json:"held_by_this_device"`
}

// deviceKeyOf returns the device key the request carries: the header wins over the cookie.
func deviceKeyOf(c echo.Context) string {
	if k := strings.TrimSpace(c.Request().Header.Get(deviceHeader)); k != "" {
		return k
	}
	if ck, err := c.Cookie(deviceCookie); err == nil {
		return ck.Value
	}
	return ""
}

// requestDevice returns the device whose key the request carries; ErrNotFound without a key
// or with an unknown one.
func (p *IdP) requestDevice(c echo.Context) (store.Device, error) {
	key := deviceKeyOf(c)
	if key == "" || len(key) > 128 {
		return store.Device{}, store.ErrNotFound
	}
	return p.d.Store.DeviceByKeyHash(c.Request().Context(), store.Digest(key))
}

// ensureDevice returns the request's device, or creates one when it carries no known key. A
// new key is returned (and set as the cookie); an unknown key sent by the client is never
// adopted, so nobody can choose another device's key in advance.
func (p *IdP) ensureDevice(c echo.Context) (store.Device, string, error) {
	dev, err := p.requestDevice(c)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return dev, "", err
	}
	key := web.RandomToken(32)
	now := p.d.Now()
	dev = store.Device{ID: deviceIDPrefix + web.RandomToken(9), Label: describeBrowser(c.Request().UserAgent()),
		CreatedAt: now, SeenAt: now}
	if err := p.d.Store.CreateDevice(c.Request().Context(), dev, store.Digest(key)); err != nil {
		return dev, "", err
	}
	p.setDeviceCookie(c, key)
	return dev, key, nil
}

// setDeviceCookie hands the key to clients with a cookie jar (the simulator's fetch among them),
// so they stay the same device without handling it. Only the API's path sees it.
func (p *IdP) setDeviceCookie(c echo.Context, key string) {
	c.SetCookie(&http.Cookie{Name: deviceCookie, Value: key, Path: "/api/mobile/v1", HttpOnly: true,
		Secure: p.d.Secure(), SameSite: http.SameSiteStrictMode, MaxAge: int(deviceCookieAge.Seconds())})
}

// holdsSIM reports whether deviceID holds the citizen's SIM.
func (p *IdP) holdsSIM(c echo.Context, citizenID, deviceID string) (bool, error) {
	sim, err := p.d.Store.SIMOf(c.Request().Context(), citizenID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil && deviceID != "" && sim.DeviceID == deviceID, err
}

// simView describes the citizen's SIM as seen from the app session's device.
func (p *IdP) simView(c echo.Context, cit store.Citizen, deviceID string) (appSIM, error) {
	held, err := p.holdsSIM(c, cit.ID, deviceID)
	return appSIM{PhoneMasked: web.MaskPhone(cit.Phone), HeldByThisDevice: held}, err
}

// takeFreeSIM gives the citizen's SIM to this device when no device holds it (the first
// device to log in, so a fresh demo stays one step) and returns the holder.
func (p *IdP) takeFreeSIM(c echo.Context, cit store.Citizen, dev store.Device) (store.SIM, error) {
	sim, claimed, err := p.d.Store.ClaimFreeSIM(c.Request().Context(), cit.ID, dev.ID, p.d.Now())
	if err == nil && claimed {
		p.audit(c, "phone", "sim_claimed", cit.ID, "first app login; device "+dev.ID+" ("+dev.Label+")")
	}
	return sim, err
}

// activationRequired is the answer to an app login on a device without the citizen's SIM: a
// code went (or recently went) by SMS to the SIM.
type activationRequired struct {
	Error      map[string]string `json:"error"`
	DeviceKey  string            `json:"device_key,omitempty"`
	Activation activationInfo    `json:"activation"`
}

type activationInfo struct {
	PhoneMasked string    `json:"phone_masked"`
	ExpiresAt   time.Time `json:"expires_at"`
	Sent        bool      `json:"sent"` // false: the code sent less than a minute ago still works
}

// requireActivation sends an activation code to the citizen's SIM (at most once a minute and
// 5 times an hour per account, as "Gửi lại mã") and answers 403 activation_required.
func (p *IdP) requireActivation(c echo.Context, cit store.Citizen, dev store.Device, newKey string) error {
	ctx := c.Request().Context()
	now, lim := p.d.Now(), p.d.Limits
	masked := web.MaskPhone(cit.Phone)
	info := activationInfo{PhoneMasked: masked}
	last, err := p.d.Store.LatestDeviceActivation(ctx, dev.ID, cit.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	live := err == nil && !last.Dead && last.UsedAt.IsZero() && last.ExpiresAt.After(now)
	if live && now.Sub(last.CreatedAt) < lim.OTPResendEvery {
		info.ExpiresAt = last.ExpiresAt
	} else {
		n, err := p.d.Store.CountMessages(ctx, cit.ID, purposeActivation, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if n >= lim.OTPResendPerHour {
			return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: 600,
				Msg: "Đã gửi %d mã kích hoạt trong một giờ. Vui lòng thử lại sau.", Args: []any{n}}
		}
		a := store.DeviceActivation{ID: web.RandomToken(16), DeviceID: dev.ID, CitizenID: cit.ID,
			ExpiresAt: now.Add(lim.OTPTTL), CreatedAt: now}
		code := newOTPCode()
		a.CodeHash = p.otpHash(a.ID, code)
		// Sent before it is stored: a code the SMS budget refused is never waiting to be typed.
		if err := p.sendActivationCode(c, cit, code); err != nil {
			return err
		}
		if err := p.d.Store.CreateDeviceActivation(ctx, a); err != nil {
			return err
		}
		p.audit(c, "phone", "device_activation_sent", cit.ID, "device "+dev.ID+" ("+dev.Label+")")
		info.ExpiresAt, info.Sent = a.ExpiresAt, true
	}
	msg := web.F(c, "Thiết bị này chưa được kích hoạt cho tài khoản của bạn. Mã kích hoạt đã được gửi bằng tin nhắn SMS đến số %s (SIM đang ở thiết bị khác). Nhập mã để đăng nhập trên thiết bị này.", masked)
	return c.JSON(http.StatusForbidden, activationRequired{
		Error:     map[string]string{"code": "activation_required", "message": msg},
		DeviceKey: newKey, Activation: info})
}

// sendActivationCode sends the activation code by SMS to the citizen's SIM, through the SMS
// budget like every SMS, in the language of the login that asked for it.
func (p *IdP) sendActivationCode(c echo.Context, cit store.Citizen, code string) error {
	body := web.F(c, "Ma kich hoat ung dung VNeID tren thiet bi moi la %s, co hieu luc trong %d phut. Neu ban khong dang nhap tren thiet bi moi, KHONG cung cap ma nay va hay doi mat khau.",
		code, minutes(p.d.Limits.OTPTTL))
	return p.sendSMS(c, cit, store.Message{CitizenID: cit.ID, Channel: "sms", Sender: "VNeID",
		Recipient: cit.Phone, Body: body, Purpose: purposeActivation, SentAt: p.d.Now()})
}

// checkActivationCode spends the device's activation with code. A wrong code counts on the
// activation (5 end it) and against the account's wrong codes of the hour, like a wrong OTP.
func (p *IdP) checkActivationCode(c echo.Context, cit store.Citizen, dev store.Device, code string) error {
	ctx := c.Request().Context()
	now, lim := p.d.Now(), p.d.Limits
	code = strings.TrimSpace(code)
	if !web.IsPasscode(code) {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_code", Msg: msgActivationFormat}
	}
	gone := &web.Error{Status: http.StatusForbidden, Code: "activation_expired", Msg: msgActivationGone}
	a, err := p.d.Store.LatestDeviceActivation(ctx, dev.ID, cit.ID)
	if errors.Is(err, store.ErrNotFound) {
		return gone
	}
	if err != nil {
		return err
	}
	if a.Dead || !a.UsedAt.IsZero() || !a.ExpiresAt.After(now) {
		return gone
	}
	err = p.d.Store.UseDeviceActivation(ctx, a.ID, p.otpHash(a.ID, code), now)
	if err == nil {
		p.d.Regulator.CodeAccepted(ctx, p.attempt(c, cit))
		p.audit(c, "phone", "device_activated", cit.ID, "device "+dev.ID+" ("+dev.Label+")")
		return nil
	}
	if !errors.Is(err, store.ErrConflict) {
		return err
	}
	v, err := p.d.Regulator.WrongCode(ctx, p.attempt(c, cit), store.DeviceActivationCode(a.ID), "wrong_activation_code")
	if err != nil {
		return err
	}
	switch {
	case v.Kind == regulator.Locked:
		p.noticeCodeLock(c, cit, "phone", v)
		return &web.Error{Status: http.StatusLocked, Code: "account_locked", Msg: msgCodeLockFmt,
			Args: []any{minutes(v.RetryAfter)}, RetryAfter: seconds(v.RetryAfter)}
	case v.TriesLeft == 0:
		p.audit(c, "phone", "device_activation_killed", cit.ID, fmt.Sprintf("%d wrong codes", v.Failures))
		return &web.Error{Status: http.StatusForbidden, Code: "activation_expired", Msg: msgActivationDeadFm, Args: []any{lim.OTPMaxFailures}}
	}
	return &web.Error{Status: http.StatusBadRequest, Code: "invalid_code", Msg: msgActivationWrongFm, Args: []any{v.TriesLeft}}
}

type simClaimRequest struct {
	Token string `json:"token"`
}

// claimSIM moves a citizen's SIM to the calling device with a transfer code shown by the
// console or by the holding app. It needs no app session: the code is the authority (single
// use, 10 minutes). Failed codes count against the caller's IP like failed passwords.
func (p *IdP) claimSIM(c echo.Context) error {
	var req simClaimRequest
	if err := web.Bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := p.d.Now()
	var t store.SIMTransfer
	var previous, newKey string
	var dev store.Device
	var failure string
	v, err := p.d.Regulator.SIMClaim(ctx, regulator.Attempt{At: now, IP: c.RealIP()}, func() (string, error) {
		code, ok := web.ParseSIMTransferCode(req.Token)
		if !ok {
			failure = "malformed"
			return failure, nil
		}
		var err error
		if dev, newKey, err = p.ensureDevice(c); err != nil {
			return "", err
		}
		t, previous, err = p.d.Store.ClaimSIM(ctx, store.Digest(code), dev.ID, now)
		if errors.Is(err, store.ErrNotFound) {
			failure = "unknown, used or expired"
			return failure, nil
		}
		return "", err
	})
	if err != nil {
		return err
	}
	if v.Kind == regulator.Limited {
		return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: seconds(v.RetryAfter),
			Msg: "Bạn đã nhập sai mã chuyển SIM quá nhiều lần. Vui lòng thử lại sau %d phút.", Args: []any{minutes(v.RetryAfter)}}
	}
	if v.Kind != regulator.Allowed {
		return &web.Error{Status: http.StatusBadRequest, Code: "invalid_sim_transfer", Msg: msgSIMCodeBad, Err: errors.New(failure)}
	}
	cit, err := p.d.Store.CitizenByID(ctx, t.CitizenID)
	if err != nil {
		return err
	}
	p.audit(c, "phone", "sim_moved", cit.ID, fmt.Sprintf("from device %s to device %s (%s); code from %s",
		orNone(previous), dev.ID, dev.Label, t.CreatedBy))
	p.noticeSIMMoved(c, cit, dev)
	return c.JSON(http.StatusOK, map[string]any{
		"sim":        appSIM{PhoneMasked: web.MaskPhone(cit.Phone), HeldByThisDevice: true},
		"citizen":    map[string]string{"name": cit.FullName},
		"device_key": newKey,
	})
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// noticeSIMMoved tells the citizen's app (wherever it is signed in) that the SIM moved: the
// old phone learns it lost its SMS. The notice is in the language of the device that took it.
func (p *IdP) noticeSIMMoved(c echo.Context, cit store.Citizen, dev store.Device) {
	body := web.F(c, "SIM của số %s đã được chuyển sang thiết bị khác (%s) lúc %s. Tin nhắn SMS đến số này từ nay chỉ hiện trên thiết bị đó. Nếu không phải bạn thực hiện, hãy liên hệ cơ quan Công an.",
		web.MaskPhone(cit.Phone), browserIn(web.Lang(c), dev.Label), web.TimeVN(p.d.Now()))
	err := p.sendSMS(c, cit, store.Message{Channel: "app", Sender: "VNeID",
		Recipient: cit.Phone, Body: body, Purpose: "notice", SentAt: p.d.Now()})
	if err != nil {
		p.d.Log.Warn("sim moved notice", "err", err)
	}
}

type simTransferRequest struct {
	Passcode string `json:"passcode"`
}

// simTransfer is a transfer code as the holding app shows it.
type simTransfer struct {
	Code      string    `json:"code"`       // grouped by four, for typing
	QR        string    `json:"qr"`         // what the QR encodes: <public>/app/sim#CODE
	QRSVGURL  string    `json:"qr_svg_url"` // data: URL of the QR as SVG
	ExpiresAt time.Time `json:"expires_at"`
}

// startSIMTransfer lets the device that holds the citizen's SIM hand it over ("Chuyển SIM sang
// thiết bị khác"): after the passcode it shows a one-time code, as QR and text, that the new
// device claims.
func (p *IdP) startSIMTransfer(c echo.Context) error {
	var req simTransferRequest
	if err := web.Bind(c, &req); err != nil {
		return err
	}
	cit, sess := appCitizen(c), appSession(c)
	held, err := p.holdsSIM(c, cit.ID, sess.DeviceID)
	if err != nil {
		return err
	}
	if !held {
		return &web.Error{Status: http.StatusForbidden, Code: "sim_not_held", Msg: msgSIMNotHeld}
	}
	if err := p.checkPasscode(c, cit, req.Passcode); err != nil {
		return err
	}
	now := p.d.Now()
	code := web.NewSIMTransferCode()
	t := store.SIMTransfer{CitizenID: cit.ID, CreatedBy: "phone", FromDeviceID: sess.DeviceID,
		CreatedAt: now, ExpiresAt: now.Add(web.SIMTransferTTL)}
	if err := p.d.Store.CreateSIMTransfer(c.Request().Context(), store.Digest(code), t); err != nil {
		return err
	}
	p.audit(c, "phone", "sim_transfer_started", cit.ID, "from device "+sess.DeviceID)
	qr := p.d.URL(web.SIMTransferPath + "#" + code)
	bm, err := web.QRBitmap(qr)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]simTransfer{"transfer": {Code: web.FormatCode(code), QR: qr,
		QRSVGURL: web.SVGDataURL(web.QRSVG(bm)), ExpiresAt: t.ExpiresAt}})
}
