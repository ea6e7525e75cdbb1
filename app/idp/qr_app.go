package idp

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// The app side of the QR login: scan, then confirm (with the passcode) or deny; and the
// "Đăng nhập trên website" permission the seed makes the citizen grant first.

type qrScanRequest struct {
	QR string `json:"qr"`
}

// qrLoginInfo tells the phone who asks before the citizen confirms (T20).
type qrLoginInfo struct {
	ID          string    `json:"id"`
	ClientName  string    `json:"client_name"`
	Browser     string    `json:"browser"`
	IP          string    `json:"ip"`
	RequestedAt time.Time `json:"requested_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	// With number matching, the three numbers to pick from (the desktop shows one of them);
	// absent without it.
	Numbers []int `json:"numbers,omitempty"`
}

// scanQR binds a waiting login to the scanning app session. Without the web-login permission
// the login is bound all the same (the desktop shows "scanned") and the app gets the seed's
// message; after the grant, a re-scan of the same login by the same app session continues it
// while the login lives, whatever the age of the frame (the permission steps take longer than
// a frame is accepted).
func (p *IdP) scanQR(c echo.Context) error {
	var req qrScanRequest
	if err := web.Bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cit, sess := appCitizen(c), appSession(c)
	id, step, mac, ok := parseFrame(req.QR)
	if !ok {
		return errQRInvalid("not a frame")
	}
	l, err := p.d.Store.QRLoginByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errQRInvalid("unknown login")
	}
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(mac), []byte(frameMAC(l.FrameSecret, l.ID, step))) {
		return errQRInvalid("bad frame mac")
	}
	now := p.d.Now()
	mine := l.State == store.QRScanned && l.AppSessionHash == sess.IDHash
	switch l.StateAt(now) {
	case store.QRExpired:
		if _, err := p.loadQRLogin(c, l.ID); err != nil {
			return err
		}
		return errQRExpired()
	case store.QRWaiting:
		if !p.frameFresh(l, step, now) {
			return errQRExpired()
		}
	case store.QRScanned:
		if !mine {
			return errQRUsed("scanned by another app session")
		}
	default:
		return errQRUsed("login is " + l.State)
	}
	if cit.Level < 2 {
		p.audit(c, "phone", "qr_scan_refused", cit.ID, qrDetail(l)+"; level 1")
		return &web.Error{Status: http.StatusForbidden, Code: "account_level_insufficient", Msg: msgLevel1}
	}
	pending := !cit.WebLogin
	match := l.Match
	if !mine {
		n, err := p.d.Store.CountPendingQRScans(ctx, cit.ID, now)
		if err != nil {
			return err
		}
		if n >= qrMaxPendingScans {
			p.audit(c, "phone", "qr_scan_refused", cit.ID, qrDetail(l)+fmt.Sprintf("; %d pending", n))
			return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Msg: msgQRPendingLimit, RetryAfter: 30}
		}
		if match, err = p.qrMatchForScan(ctx); err != nil {
			return err
		}
		switch err := p.d.Store.ScanQRLoginMatching(ctx, l.ID, cit.ID, web.MaskName(cit.FullName), sess.IDHash, pending, match, now); {
		case err == nil:
			detail := qrDetail(l)
			if pending {
				detail += "; web login not permitted"
			}
			if match.On() {
				detail += "; number matching"
			}
			p.audit(c, "phone", "qr_scanned", cit.ID, detail)
			p.d.Hub.Publish(qrTopic(l.ID))
		case errors.Is(err, store.ErrConflict):
			// Lost the race; if the winner is this same app session (a double tap), this
			// scan is simply a repeat of it.
			cur, err := p.loadQRLogin(c, l.ID)
			if err != nil {
				return err
			}
			if cur.State != store.QRScanned || cur.AppSessionHash != sess.IDHash {
				return qrRaceAnswer(cur)
			}
			match = cur.Match
		default:
			return err
		}
	} else if l.PendingPermission != pending {
		if err := p.d.Store.RescanQRLogin(ctx, l.ID, sess.IDHash, pending, now); err != nil {
			return p.lostQRRace(c, l.ID, err)
		}
		p.audit(c, "phone", "qr_rescanned", cit.ID, qrDetail(l))
	}
	if pending {
		return &web.Error{Status: http.StatusForbidden, Code: "web_login_not_permitted", Msg: msgNoWebPermission}
	}
	// The phone sees the desktop's number only among the choices, and never which one it is.
	return c.JSON(http.StatusOK, map[string]qrLoginInfo{"login": {ID: l.ID, ClientName: web.T(c, l.ClientName),
		Browser: browserIn(web.Lang(c), l.Browser), IP: l.IP, RequestedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt,
		Numbers: match.Choices}})
}

// qrMatchForScan is the number matching of a login scanned now: a new number and choices when
// the console's "Đối chiếu số" is on, none when it is off. The setting is read at each scan
// (every instance reads the same row); a login keeps what it got at its scan.
func (p *IdP) qrMatchForScan(ctx context.Context) (store.QRMatch, error) {
	on, err := p.d.Store.QRNumberMatching(ctx)
	if err != nil || !on {
		return store.QRMatch{}, err
	}
	return newQRMatch()
}

// lostQRRace turns a failed conditional UPDATE into the answer the app shows: the login
// expired meanwhile, or somebody else moved it first.
func (p *IdP) lostQRRace(c echo.Context, id string, err error) error {
	if !errors.Is(err, store.ErrConflict) {
		return err
	}
	l, err := p.loadQRLogin(c, id)
	if err != nil {
		return err
	}
	return qrRaceAnswer(l)
}

func qrRaceAnswer(l store.QRLogin) error {
	switch l.State {
	case store.QRExpired:
		return errQRExpired()
	case store.QRCancelled:
		return errQRCancelled()
	}
	return errQRUsed("lost the race; login is " + l.State)
}

// scannedQRLogin returns the login named in the path if the calling app session scanned it,
// in whatever state it is now (an expiry that fell due is written down first).
func (p *IdP) scannedQRLogin(c echo.Context) (store.QRLogin, error) {
	id := c.Param("id")
	if !isQRID(id) {
		return store.QRLogin{}, errQRNotFound("malformed id")
	}
	l, err := p.d.Store.QRLoginByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return l, errQRNotFound("unknown login")
	}
	if err != nil {
		return l, err
	}
	if l.AppSessionHash == "" {
		return l, errQRNotFound("not scanned yet")
	}
	if l.AppSessionHash != appSession(c).IDHash {
		return l, errQRUsed("owned by another app session")
	}
	return p.settleQRLogin(c, l)
}

// ownedQRLogin returns the login named in the path if the calling app session scanned it and
// it still waits for a decision; otherwise the answer says what ended it.
func (p *IdP) ownedQRLogin(c echo.Context) (store.QRLogin, error) {
	l, err := p.scannedQRLogin(c)
	if err != nil || l.State == store.QRScanned {
		return l, err
	}
	return l, qrRaceAnswer(l)
}

// showScannedQR tells the app where the login it scanned stands, so the confirmation screen
// follows the desktop: a login cancelled there or expired meanwhile is shown as ended on the
// phone too, before anyone types a passcode for it.
func (p *IdP) showScannedQR(c echo.Context) error {
	l, err := p.scannedQRLogin(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"state": l.State, "expires_at": l.ExpiresAt})
}

type qrConfirmRequest struct {
	Passcode string `json:"passcode"`
	Number   int    `json:"number"` // the pick, with number matching; ignored without it
}

// confirmQR approves the login with the passcode. The app then signs itself out: the app
// session ends in the same transaction that confirms (seed: "tự động đăng xuất khỏi ứng dụng
// VNeID"). With number matching the body carries the pick (pickQRNumber); a body with the
// pick and no passcode only takes the pick, so the app learns of a wrong one before it asks
// for the passcode.
func (p *IdP) confirmQR(c echo.Context) error {
	var req qrConfirmRequest
	if err := web.Bind(c, &req); err != nil {
		return err
	}
	l, err := p.ownedQRLogin(c)
	if err != nil {
		return err
	}
	// The pick goes before the passcode, once the citizen may log in on websites at all.
	if werr := checkWebLogin(appCitizen(c)); werr != nil {
		return werr
	}
	if err := p.pickQRNumber(c, appCitizen(c), l, req.Number); err != nil {
		return err
	}
	if l.Match.On() && req.Passcode == "" {
		// The pick alone, sent before the passcode is asked: it was right, the login waits.
		return c.JSON(http.StatusOK, map[string]string{"state": store.QRScanned})
	}
	cit, err := p.passcodeApproves(c, req.Passcode)
	if err != nil {
		return err
	}
	if err := p.d.Store.ConfirmQRLogin(c.Request().Context(), l.ID, appSession(c).IDHash, p.d.Now()); err != nil {
		return p.lostQRRace(c, l.ID, err)
	}
	p.audit(c, "phone", "qr_confirmed", cit.ID, qrDetail(l))
	p.audit(c, "phone", "app_logout", cit.ID, "signed out after QR login")
	p.d.Hub.Publish(qrTopic(l.ID))
	return c.JSON(http.StatusOK, map[string]any{"state": store.QRConfirmed, "signed_out": true})
}

// pickQRNumber takes the citizen's pick on a login with number matching, before the passcode
// is checked: a missing pick or a number not offered is refused and the login still waits; the
// first pick is final. A wrong pick denies the login, tells the desktop, and is recorded as a
// failed attempt ("qr_number") and audited: the passcode is not checked, so it costs no try
// of the passcode (a citizen pushed into scanning other people's QRs must not lock their own
// passcode) and the passcode typed for a login that is not theirs goes nowhere. A right
// pick, repeated with the passcode after a wrong passcode, passes again.
func (p *IdP) pickQRNumber(c echo.Context, cit store.Citizen, l store.QRLogin, picked int) error {
	m := l.Match
	if !m.On() {
		return nil
	}
	switch {
	case picked == 0:
		return &web.Error{Status: http.StatusBadRequest, Code: "number_required", Msg: msgQRNumberNeeded}
	case !m.Offered(picked):
		return &web.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: msgQRNumberUnknown,
			Err: fmt.Errorf("number %d not among the choices", picked)}
	case m.Picked == picked:
		return nil
	case m.Picked != 0:
		return &web.Error{Status: http.StatusConflict, Code: "number_already_picked", Msg: msgQRNumberPicked}
	}
	ctx := c.Request().Context()
	now := p.d.Now()
	if err := p.d.Store.PickQRNumber(ctx, l.ID, appSession(c).IDHash, picked, now); err != nil {
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		// Another request picked first, or the login moved on.
		cur, err := p.scannedQRLogin(c)
		switch {
		case err != nil:
			return err
		case cur.State == store.QRScanned && cur.Match.Picked == picked:
			return nil
		case cur.State == store.QRScanned:
			return &web.Error{Status: http.StatusConflict, Code: "number_already_picked", Msg: msgQRNumberPicked}
		}
		return qrRaceAnswer(cur)
	}
	if picked == m.Number {
		return nil
	}
	p.audit(c, "phone", "qr_number_mismatch", cit.ID, qrDetail(l))
	err := p.d.Store.RecordAttempt(ctx, store.Attempt{At: now, IP: c.RealIP(), IDNumber: cit.IDNumber, CitizenID: cit.ID,
		Kind: "qr_number", Reason: "wrong_number"})
	if err != nil {
		p.d.Log.Warn("record attempt", "kind", "qr_number", "err", err)
	}
	p.d.Hub.Publish(qrTopic(l.ID))
	return &web.Error{Status: http.StatusForbidden, Code: "number_mismatch", Msg: msgQRNumberWrong}
}

// qrDenyRequest is the optional body of a deny: without one (or with no reason) it is "Hủy";
// with the reason "not_me" it is "Không phải tôi".
type qrDenyRequest struct {
	Reason string `json:"reason"`
}

// qrReasonNotMe marks a deny as "Không phải tôi": the citizen did not start this login.
const qrReasonNotMe = "not_me"

// The notice after "Không phải tôi": the requester's browser, IP address and time, then what to do.
const msgQRNotMeNotice = "Bạn đã chọn “Không phải tôi” và từ chối yêu cầu đăng nhập %s từ %s, địa chỉ IP %s, lúc %s. Nếu bạn không thực hiện yêu cầu này, hãy đổi mật khẩu ngay và báo cho giảng viên hướng dẫn."

// denyQR refuses the login. "Hủy" has the same weight as "Xác nhận" and needs no passcode.
// "Không phải tôi" refuses it the same way, and also records who asked and tells the citizen
// in the app what to do.
func (p *IdP) denyQR(c echo.Context) error {
	var req qrDenyRequest
	if err := web.Bind(c, &req); err != nil {
		return err
	}
	if req.Reason != "" && req.Reason != qrReasonNotMe {
		return &web.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: web.MsgBadRequest,
			Err: fmt.Errorf("unknown deny reason %q", req.Reason)}
	}
	l, err := p.ownedQRLogin(c)
	if err != nil {
		return err
	}
	if err := p.d.Store.DenyQRLogin(c.Request().Context(), l.ID, appSession(c).IDHash, p.d.Now()); err != nil {
		return p.lostQRRace(c, l.ID, err)
	}
	cit := appCitizen(c)
	if req.Reason == qrReasonNotMe {
		p.audit(c, "phone", "qr_not_me", cit.ID, qrDetail(l))
		p.noticeQRNotMe(c, cit, l)
	} else {
		p.audit(c, "phone", "qr_denied", cit.ID, qrDetail(l))
	}
	p.d.Hub.Publish(qrTopic(l.ID))
	return c.JSON(http.StatusOK, map[string]string{"state": store.QRDenied})
}

// noticeQRNotMe tells the citizen, in the app, which browser and address asked for the login
// they refused as not theirs, and what to do. A notice that cannot be sent is logged: the
// login is refused either way.
func (p *IdP) noticeQRNotMe(c echo.Context, cit store.Citizen, l store.QRLogin) {
	body := web.F(c, msgQRNotMeNotice, web.T(c, l.ClientName), browserIn(web.Lang(c), l.Browser), l.IP, web.TimeVN(l.CreatedAt))
	m := store.Message{Channel: "app", Purpose: "qr_not_me_notice", Body: body, SentAt: p.d.Now()}
	if err := p.sendSMS(c, cit, m); err != nil {
		p.d.Log.Warn("not-me notice not sent", "citizen", cit.ID, "err", err)
	}
}

type webLoginRequest struct {
	Enabled  *bool  `json:"enabled"`
	Passcode string `json:"passcode"`
}

// setWebLogin turns the "Đăng nhập trên website" permission on or off; the passcode confirms
// it (seed: "nhập passcode để hoàn thành cấp quyền").
func (p *IdP) setWebLogin(c echo.Context) error {
	var req webLoginRequest
	if err := c.Bind(&req); err != nil || req.Enabled == nil {
		return &web.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: web.MsgBadRequest, Err: err}
	}
	ctx := c.Request().Context()
	cit := appCitizen(c)
	if err := p.checkPasscode(c, cit, req.Passcode); err != nil {
		return err
	}
	enabled := *req.Enabled
	if err := p.d.Store.SetWebLogin(ctx, cit.ID, enabled); err != nil {
		return err
	}
	action, body := "web_login_disabled", web.T(c, "Bạn đã tắt chức năng Đăng nhập trên website.")
	if enabled {
		action, body = "web_login_enabled", web.T(c, "Bạn đã bật chức năng Đăng nhập trên website.")
	}
	p.audit(c, "phone", action, cit.ID, "")
	err := p.sendSMS(c, cit, store.Message{Channel: "app", Sender: "VNeID",
		Recipient: cit.Phone, Body: body, Purpose: "notice", SentAt: p.d.Now()})
	if err != nil {
		// The permission is already changed; a lost notice must not make the app retry.
		p.d.Log.Warn("web login notice", "err", err)
	}
	return c.JSON(http.StatusOK, map[string]bool{"web_login_enabled": enabled})
}
