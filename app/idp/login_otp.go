package idp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/idp/oidcop"
	"dvclogin/app/regulator"
	"dvclogin/app/web"
	"dvclogin/store"
)

// The second factor of the direct login (seed flow 2: "nhập mã OTP được gửi về số điện
// thoại"). The code goes by SMS (default, as the seed says) or to the VNeID app as a "mã xác
// nhận đăng nhập" (newer real behaviour); a citizen who set up an authenticator app may switch
// to its code instead (login_totp.go).

const (
	purposeOTP       = "login_otp"
	purposeOTPResend = "login_otp_resend"
	// The code step's messages name the code as its channel does (codeNoun): %[1]s is the
	// noun at the start of a sentence, %[2]s inside one.
	msgOTPWrongFmt = "%[1]s không đúng. Bạn còn %[3]d lần thử."
	msgOTPExpired  = "%[1]s đã hết hạn. Bấm \"Gửi lại mã\" để nhận mã mới."
	msgOTPFormat   = "%[1]s gồm 6 chữ số."
	msgOTPDead     = "Bạn đã nhập sai %[2]s quá %[3]d lần. Vì an toàn, phiên đăng nhập này đã kết thúc: vui lòng đăng nhập lại."
	msgOTPUsed     = "%[1]s này đã được sử dụng. Vui lòng đăng nhập lại."
	msgStepSkipped = "Vui lòng nhập số định danh cá nhân và mật khẩu trước khi nhập mã xác nhận."
)

// codeNoun is what the code step calls its code, one term per channel from the title to the
// errors: the "mã OTP" of the official guides for SMS, the app's "mã xác nhận đăng nhập", and
// the authenticator app's code.
func codeNoun(channel string) string {
	switch channel {
	case "app":
		return "mã xác nhận đăng nhập"
	case "totp":
		return "mã từ ứng dụng xác thực"
	}
	return "mã OTP"
}

// codeMsg fills one of the code step's messages for the channel of st, in the request's
// language; n is a count where the message has one. English needs no capitalised noun: its
// messages use %[2]s only.
func codeMsg(c echo.Context, msg string, st otpStep, n int) string {
	noun := codeNoun(st.ch.Channel)
	return web.F(c, msg, "M"+strings.TrimPrefix(noun, "m"), web.T(c, noun), n)
}

// codeTitle is the code step's title, named as its channel names the code.
func codeTitle(channel string) string {
	switch channel {
	case "app":
		return "Nhập mã xác nhận đăng nhập - Cổng thông tin định danh điện tử"
	case "totp":
		return "Nhập mã từ ứng dụng xác thực - Cổng thông tin định danh điện tử"
	}
	return "Nhập mã OTP - Cổng thông tin định danh điện tử"
}

// otpPage is the code step.
type otpPage struct {
	web.Page
	AuthRequestID string
	ClientName    string
	Channel       string // sms | app | totp
	TOTPAvailable bool   // the citizen has an authenticator app: offer switching to it
	TOTPIssuer    string // the name the authenticator app shows for VNeID
	MaskedPhone   string
	Error         string // in the page's language
	Info          string // likewise
	Dead          bool
	ResendIn      int // seconds until "Gửi lại mã" is allowed
	TTLMinutes    int
	ExpiresAt     time.Time
}

// newOTPCode returns 6 uniformly random digits from the CSPRNG.
func newOTPCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// otpHash binds a code to its challenge under a server key: a 6-digit code has only 20 bits,
// so a plain digest in the database could be reversed by trying all million codes.
func (p *IdP) otpHash(challengeID, code string) string {
	m := hmac.New(sha256.New, p.d.OTPKey)
	m.Write([]byte(challengeID + ":" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// startChallenge creates challenge id, the code step of a login bound to this auth request and
// this browser session, and sends the first code (which is not a resend). A citizen with an
// authenticator app starts on it and nothing is sent: an SMS goes only if they switch to it.
// The code is sent before the challenge is stored: a code the SMS budget refused is never
// waiting to be typed.
func (p *IdP) startChallenge(c echo.Context, id, authRequestID string, sess *web.Session[idpSessionData], cit store.Citizen) error {
	now := p.d.Now()
	ch := store.OTPChallenge{ID: id, AuthRequestID: authRequestID, SessionHash: sess.IDHash,
		CitizenID: cit.ID, Channel: p.d.SecondFactor, ExpiresAt: now.Add(p.d.Limits.OTPTTL),
		Sends: 1, LastSentAt: now, CreatedAt: now}
	if cit.TOTPSecret != "" {
		ch.Channel, ch.Sends, ch.LastSentAt = "totp", 0, time.Time{}
	} else {
		code := newOTPCode()
		ch.CodeHash = p.otpHash(ch.ID, code)
		if err := p.sendCode(c, cit, ch.Channel, code, purposeOTP); err != nil {
			return err
		}
	}
	return p.d.Store.CreateOTPChallenge(c.Request().Context(), ch)
}

// sendCode delivers a code, in the language of the request that asked for it: an SMS from
// "VNeID" without diacritics (as real Vietnamese SMS), or an in-app notice. An SMS goes through
// the SMS budget (sendSMS).
func (p *IdP) sendCode(c echo.Context, cit store.Citizen, channel, code, purpose string) error {
	mins := minutes(p.d.Limits.OTPTTL)
	m := store.Message{Channel: channel, Purpose: purpose}
	if channel == "app" {
		m.Body = web.F(c, "Mã xác nhận đăng nhập Cổng Dịch vụ công Quốc gia của bạn là %s. Mã có hiệu lực trong %d phút. Tuyệt đối không cung cấp mã này cho bất kỳ ai.", code, mins)
	} else {
		m.Body = web.F(c, "Ma xac nhan dang nhap Cong Dich vu cong Quoc gia cua ban la %s, co hieu luc trong %d phut. Tuyet doi KHONG cung cap ma nay cho bat ky ai.", code, mins)
	}
	return p.sendSMS(c, cit, m)
}

// otpStep is a direct login waiting for its code: the auth request, the browser's IdP session,
// the challenge and the citizen who passed the password step.
type otpStep struct {
	ar   oidcop.AuthRequest
	sess *web.Session[idpSessionData]
	ch   store.OTPChallenge
	cit  store.Citizen
}

// loadOTPStep returns the browser's login in progress, checking that its challenge belongs to
// this browser session and to the auth request in the request. Anything else is a skipped
// step (the auth request is still filled in, for the redirect back to the password form).
func (p *IdP) loadOTPStep(c echo.Context) (otpStep, error) {
	var st otpStep
	ar, err := p.authRequestOrError(c)
	if err != nil {
		return st, err
	}
	st.ar = ar
	skipped := &web.Error{Status: http.StatusForbidden, Code: "step_skipped", Msg: msgStepSkipped}
	sess, err := p.sessions.Load(c)
	if err != nil {
		return st, err
	}
	if sess == nil || sess.Data.Pending == nil || sess.Data.Pending.AuthRequestID != ar.ID {
		return st, skipped
	}
	data := sess.Data
	ctx := c.Request().Context()
	ch, err := p.d.Store.OTPChallengeByID(ctx, data.Pending.ChallengeID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (ch.SessionHash != sess.IDHash || ch.AuthRequestID != ar.ID)) {
		return st, skipped
	}
	if err != nil {
		return st, err
	}
	st.sess, st.ch = sess, ch
	st.cit, err = p.d.Store.CitizenByID(ctx, ch.CitizenID)
	return st, err
}

// renderOTP shows the code step; errMsg and info are already in the request's language.
func (p *IdP) renderOTP(c echo.Context, status int, st otpStep, errMsg, info string) error {
	ar, ch, cit := st.ar, st.ch, st.cit
	page := &otpPage{Page: web.NewPage(c, codeTitle(ch.Channel)),
		AuthRequestID: ar.ID, ClientName: ar.ClientName, Channel: ch.Channel, MaskedPhone: web.MaskPhone(cit.Phone),
		Error: errMsg, Info: info, Dead: ch.Dead, ExpiresAt: ch.ExpiresAt, TTLMinutes: minutes(p.d.Limits.OTPTTL),
		TOTPAvailable: cit.TOTPSecret != "", TOTPIssuer: totpIssuer}
	if wait := ch.LastSentAt.Add(p.d.Limits.OTPResendEvery).Sub(p.d.Now()); wait > 0 {
		page.ResendIn = int(wait.Seconds() + 0.999)
	}
	if c.Request().Method != http.MethodGet {
		page.Here = "/idp/login/otp?authRequestID=" + url.QueryEscape(ar.ID)
	}
	page.Scripts = []string{"idp-login.js"}
	return p.d.Render.Page(c, status, "idp/otp", page)
}

// showOTP shows the code step. Without a password step in this browser it goes back to the
// password form.
func (p *IdP) showOTP(c echo.Context) error {
	st, err := p.loadOTPStep(c)
	var we *web.Error
	if errors.As(err, &we) && we.Code == "step_skipped" {
		return c.Redirect(http.StatusSeeOther, "/idp/login?tab=password&authRequestID="+st.ar.ID)
	}
	if err != nil {
		return err
	}
	return p.renderOTP(c, http.StatusOK, st, "", "")
}

// submitOTP checks the code. A wrong code counts against the challenge (5 kill it) and is
// recorded against the account; the right code is accepted once (one conditional UPDATE).
func (p *IdP) submitOTP(c echo.Context) error {
	st, err := p.loadOTPStep(c)
	if err != nil {
		return err
	}
	ar, ch, cit := st.ar, &st.ch, st.cit
	ctx := c.Request().Context()
	now, lim := p.d.Now(), p.d.Limits
	if ch.Dead {
		return p.renderOTP(c, http.StatusForbidden, st, codeMsg(c, msgOTPDead, st, lim.OTPMaxFailures), "")
	}
	code := strings.TrimSpace(c.FormValue("otp"))
	if !web.IsPasscode(code) {
		return p.renderOTP(c, http.StatusBadRequest, st, codeMsg(c, msgOTPFormat, st, 0), "")
	}
	if !ch.UsedAt.IsZero() {
		return p.renderOTP(c, http.StatusConflict, st, codeMsg(c, msgOTPUsed, st, 0), "")
	}
	if ch.Channel == "totp" {
		return p.submitTOTP(c, st, code)
	}
	err = p.d.Store.UseOTP(ctx, ch.ID, p.otpHash(ch.ID, code), now)
	if err == nil {
		p.d.Regulator.CodeAccepted(ctx, p.attempt(c, cit))
		// RFC 8176: the SMS code proves the SIM ("sms"); the in-app code proves the app
		// session, which only the SIM's device or a device activated by an SMS code to it can
		// hold: a software key ("swk").
		amr := []string{"pwd", "sms", "mfa"}
		if ch.Channel == "app" {
			amr = []string{"pwd", "swk", "mfa"}
		}
		return p.finishLogin(c, st.sess, ar.ID, cit, amr)
	}
	if !errors.Is(err, store.ErrConflict) {
		return err
	}
	if !ch.ExpiresAt.After(now) {
		return p.renderOTP(c, http.StatusBadRequest, st, codeMsg(c, msgOTPExpired, st, 0), "")
	}
	return p.codeFailed(c, st, "wrong_code", msgOTPWrongFmt)
}

// codeFailed counts a wrong code (of any channel) on the challenge and against the account:
// every channel shares the one count, so switching never buys guesses. msgFmt takes the tries
// left.
func (p *IdP) codeFailed(c echo.Context, st otpStep, reason, msgFmt string) error {
	ch, cit := &st.ch, st.cit
	v, err := p.d.Regulator.WrongCode(c.Request().Context(), p.attempt(c, cit), store.OTPChallengeCode(ch.ID), reason)
	if err != nil {
		return err
	}
	switch {
	case v.Kind == regulator.Locked:
		p.noticeCodeLock(c, cit, "idp", v)
		ch.Dead = true
		web.SetRetryAfter(c, v.RetryAfter)
		return p.renderOTP(c, http.StatusLocked, st, web.F(c, msgCodeLockFmt, minutes(v.RetryAfter)), "")
	case v.TriesLeft == 0:
		ch.Dead = true
		p.audit(c, "idp", "otp_challenge_killed", cit.ID, fmt.Sprintf("%d wrong codes", v.Failures))
		return p.renderOTP(c, http.StatusForbidden, st, codeMsg(c, msgOTPDead, st, p.d.Limits.OTPMaxFailures), "")
	}
	return p.renderOTP(c, http.StatusUnauthorized, st, codeMsg(c, msgFmt, st, v.TriesLeft), "")
}

// resendOTP sends a new code ("Gửi lại mã"), optionally on the other channel: at most once a
// minute and 5 times an hour per account, and never resetting the failure count. channel=totp
// sends nothing: it moves the challenge to the authenticator app (switchToTOTP).
func (p *IdP) resendOTP(c echo.Context) error {
	st, err := p.loadOTPStep(c)
	if err != nil {
		return err
	}
	ch, cit := &st.ch, st.cit
	ctx := c.Request().Context()
	now, lim := p.d.Now(), p.d.Limits
	if ch.Dead || !ch.UsedAt.IsZero() {
		return p.renderOTP(c, http.StatusForbidden, st, codeMsg(c, msgOTPDead, st, lim.OTPMaxFailures), "")
	}
	if c.FormValue("channel") == "totp" {
		// Nothing is sent, so this is no resend and its limits do not apply.
		return p.switchToTOTP(c, st)
	}
	channel := ch.Channel
	if v := c.FormValue("channel"); v == "sms" || v == "app" {
		channel = v
	}
	if channel == "totp" {
		// "Gửi lại mã" from the authenticator step: there is nothing to resend there, so the
		// code goes by the default channel.
		channel = p.d.SecondFactor
	}
	// A login that started on the authenticator app has sent nothing yet: its first code is
	// no resend. Moving the code into the app sends nothing over SMS, so it need not wait out
	// the resend interval (the page offers it at once); it still counts as a resend per hour.
	purpose := purposeOTP
	if ch.Sends > 0 {
		purpose = purposeOTPResend
		toApp := channel == "app" && ch.Channel != "app"
		if wait := ch.LastSentAt.Add(lim.OTPResendEvery).Sub(now); wait > 0 && !toApp {
			web.SetRetryAfter(c, wait)
			return p.renderOTP(c, http.StatusTooManyRequests, st,
				web.F(c, "Mã vừa được gửi. Vui lòng đợi %d giây trước khi yêu cầu mã mới.", int(wait.Seconds()+0.999)), "")
		}
		n, err := p.d.Store.CountMessages(ctx, cit.ID, purposeOTPResend, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if n >= lim.OTPResendPerHour {
			web.SetRetryAfter(c, time.Hour)
			return p.renderOTP(c, http.StatusTooManyRequests, st,
				web.F(c, "Bạn đã yêu cầu gửi lại mã %d lần trong một giờ. Vui lòng thử lại sau.", lim.OTPResendPerHour), "")
		}
	}
	// The new code is sent before it replaces the old one: a resend refused by the SMS budget
	// leaves the code the citizen already has working.
	code := newOTPCode()
	if err := p.sendCode(c, cit, channel, code, purpose); err != nil {
		if we, ok := web.Refusal(c, err); ok {
			return p.renderOTP(c, we.Status, st, we.Text(web.Lang(c)), "")
		}
		return err
	}
	if err := p.d.Store.ResendOTP(ctx, ch.ID, channel, p.otpHash(ch.ID, code), now, now.Add(lim.OTPTTL)); err != nil {
		return err
	}
	ch.Channel, ch.LastSentAt, ch.ExpiresAt = channel, now, now.Add(lim.OTPTTL)
	info := web.F(c, "Đã gửi mã mới đến số điện thoại %s.", web.MaskPhone(cit.Phone))
	if channel == "app" {
		info = web.T(c, "Đã gửi mã xác nhận đăng nhập mới đến ứng dụng VNeID của bạn.")
	}
	return p.renderOTP(c, http.StatusOK, st, "", info)
}
