package idp

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/store"
)

// The authenticator-app code as the second factor of the direct login. A challenge starts on
// the default channel (SMS or in-app code); a citizen with an authenticator app switches to it.
// The challenge stays the same one: its failure count, expiry and binding to the auth request
// and the browser carry over, so flipping channels buys neither guesses nor time.

const (
	msgTOTPWrongFmt    = "Mã từ ứng dụng xác thực không đúng. Bạn còn %d lần thử."
	msgTOTPReplayFmt   = "Mã này đã được dùng. Vui lòng chờ mã mới trong ứng dụng xác thực. Bạn còn %d lần thử."
	msgTOTPLoginNotOn  = "Tài khoản chưa thiết lập ứng dụng xác thực. Vui lòng nhận mã qua tin nhắn SMS hoặc ứng dụng VNeID."
	msgTOTPStepExpired = "Đã quá thời gian nhập mã. Vui lòng nhận mã qua tin nhắn SMS hoặc ứng dụng VNeID, hoặc đăng nhập lại."
)

// switchToTOTP moves the challenge to the authenticator app. Only a citizen who has one may
// (an attacker cannot pick a factor the citizen never enrolled).
func (p *IdP) switchToTOTP(c echo.Context, st otpStep) error {
	ch, cit := &st.ch, st.cit
	if cit.TOTPSecret == "" {
		p.record(c.Request().Context(), store.Attempt{IP: c.RealIP(), IDNumber: cit.IDNumber, CitizenID: cit.ID,
			Kind: "otp", Reason: "totp_not_enrolled"})
		return p.renderOTP(c, http.StatusForbidden, st, msgTOTPLoginNotOn, "")
	}
	if ch.Channel != "totp" {
		err := p.d.Store.SwitchOTPToTOTP(c.Request().Context(), ch.ID)
		if errors.Is(err, store.ErrConflict) {
			// Used or killed meanwhile by another request of this browser.
			ch.Dead = true
			return p.renderOTP(c, http.StatusConflict, st, msgOTPUsed, "")
		}
		if err != nil {
			return err
		}
		ch.Channel, ch.CodeHash = "totp", ""
	}
	return p.renderOTP(c, http.StatusOK, st, "", "")
}

// submitTOTP checks an authenticator code against the citizen's secret at the server's time,
// for the current and the previous step only. An accepted step is spent for the citizen before
// the login completes (one conditional UPDATE), so the same code, or an older one, never works
// twice, not even on another login. Wrong and replayed codes count like wrong SMS codes.
func (p *IdP) submitTOTP(c echo.Context, st otpStep, code string) error {
	ar, ch, cit := st.ar, &st.ch, st.cit
	ctx := c.Request().Context()
	now := p.d.Now()
	if cit.TOTPSecret == "" {
		// Turned off in the app after this login switched to it.
		return p.renderOTP(c, http.StatusForbidden, st, msgTOTPLoginNotOn, "")
	}
	if !ch.ExpiresAt.After(now) {
		return p.renderOTP(c, http.StatusBadRequest, st, msgTOTPStepExpired, "")
	}
	secret, err := p.openTOTP(cit.ID, cit.TOTPSecret)
	if err != nil {
		return err
	}
	step, ok := matchTOTP(secret, code, now)
	if !ok {
		return p.codeFailed(c, st, "wrong_totp", msgTOTPWrongFmt)
	}
	err = p.d.Store.UseTOTPStep(ctx, cit.ID, step)
	if errors.Is(err, store.ErrConflict) {
		return p.codeFailed(c, st, "totp_replay", msgTOTPReplayFmt)
	}
	if err != nil {
		return err
	}
	err = p.d.Store.MarkOTPUsed(ctx, ch.ID, now)
	if errors.Is(err, store.ErrConflict) {
		// Another submission finished (or killed) this challenge first.
		ch.Dead = true
		return p.renderOTP(c, http.StatusConflict, st, msgOTPUsed, "")
	}
	if err != nil {
		return err
	}
	p.record(ctx, store.Attempt{IP: c.RealIP(), IDNumber: cit.IDNumber, CitizenID: cit.ID, Kind: "otp", Success: true})
	// "totp" (not "otp", which the in-app code uses) lets the client tell the two apart.
	return p.finishLogin(c, ar.ID, cit, []string{"pwd", "totp", "mfa"})
}
