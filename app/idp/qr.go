package idp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// QR login (seed flow 1). The login page starts a QR login and shows its QR; the QR carries
// <public-url>/app/scan#<id>.<step>.<mac>, a frame that rotates every QRFrameStep and is
// accepted QRFrameAccept after it first showed. The mac is HMAC(frame secret, id|step): the
// secret stays in the database, so a photo of the screen goes stale and the QR itself grants
// nothing. Only the browser holding the binding cookie set at start can read the login's state
// or redeem it; only the app session that scanned it can confirm or deny it.

const (
	qrIDBytes         = 16               // 128-bit public id
	qrMACLen          = 22               // base64url characters of the frame mac (132 bits)
	qrBindingCookie   = "dvc_idp_qr_"    // + login id: each login has its own binding
	qrCookiePath      = "/idp/qr"        // the binding reaches only the QR endpoints
	qrFinishGrace     = 2 * time.Minute  // a confirmed login must be redeemed within this
	qrStartsPerMinute = 120              // per client IP (T22: QR creation flood)
	qrMaxPendingScans = 20               // scanned-but-undecided logins per citizen (push bombing)
	qrHeartbeat       = 15 * time.Second // SSE comment so proxies and phones keep the stream
	qrImageCacheSize  = 512              // rendered frames kept (a few per live login)
	qrPNGScale        = 8                // pixels per module
)

// Messages of the QR login. The real texts are not public; these are the demo's.
const (
	msgQRInvalid       = "Mã QR không hợp lệ. Vui lòng quét mã QR trên màn hình đăng nhập của Cổng thông tin định danh điện tử."
	msgQRExpired       = "Mã QR đã hết hạn. Vui lòng tải lại mã QR trên màn hình đăng nhập và quét lại."
	msgQRUsed          = "Mã QR đã được sử dụng."
	msgQRCancelled     = "Yêu cầu đăng nhập đã bị hủy trên máy tính."
	msgQRNotFound      = "Không tìm thấy yêu cầu đăng nhập bằng mã QR."
	msgQRGone          = "Mã QR không còn hiệu lực. Vui lòng tải lại mã QR."
	msgQRFinished      = "Yêu cầu đăng nhập bằng mã QR đã kết thúc hoặc đã được sử dụng. Vui lòng đăng nhập lại."
	msgQRStartLimited  = "Bạn đã tạo quá nhiều mã QR. Vui lòng thử lại sau ít phút."
	msgQRPendingLimit  = "Có quá nhiều yêu cầu đăng nhập đang chờ bạn xác nhận. Vui lòng xử lý hoặc hủy các yêu cầu đó trước."
	msgAuthRequestGone = "Phiên đăng nhập đã hết hạn. Vui lòng quay lại trang dịch vụ và chọn Đăng nhập lại."
	msgQRNumberNeeded  = "Hãy chọn số đang hiển thị trên màn hình máy tính trước khi nhập passcode."
	msgQRNumberUnknown = "Số đã chọn không có trong các số ứng dụng đưa ra. Hãy chọn một trong ba số trên màn hình xác nhận."
	msgQRNumberPicked  = "Bạn đã chọn số cho yêu cầu đăng nhập này. Mỗi yêu cầu chỉ được chọn một lần."
	msgQRNumberWrong   = "Số bạn chọn không khớp với số trên màn hình máy tính, nên yêu cầu đăng nhập đã bị từ chối. Nếu chính bạn đang đăng nhập, hãy tải lại mã QR trên máy tính và quét lại."
)

// Number matching ("Đối chiếu số", a console setting): after a scan the desktop shows a
// two-digit number and the phone offers it among qrMatchChoices; the citizen picks one, once,
// before the passcode. A wrong pick denies the login.
const qrMatchChoices = 3

// newQRMatch draws the desktop's number and the phone's choices from crypto/rand: three
// different numbers from 10 to 99, the desktop's at a random place among them.
func newQRMatch() (store.QRMatch, error) {
	draw := func(n int64) (int, error) {
		v, err := rand.Int(rand.Reader, big.NewInt(n))
		if err != nil {
			return 0, err
		}
		return int(v.Int64()), nil
	}
	var choices []int
	for len(choices) < qrMatchChoices {
		v, err := draw(90)
		if err != nil {
			return store.QRMatch{}, err
		}
		if n := 10 + v; !slices.Contains(choices, n) {
			choices = append(choices, n)
		}
	}
	right, err := draw(qrMatchChoices)
	if err != nil {
		return store.QRMatch{}, err
	}
	return store.QRMatch{Number: choices[right], Choices: choices}, nil
}

// qrService holds what the QR login keeps in memory: only rendered images. Every state lives
// in the database.
type qrService struct {
	images *qrImageCache
}

func newQRService(lim web.Limits) (*qrService, error) {
	if lim.QRFrameStep <= 0 || lim.QRLoginTTL <= 0 || lim.QRFrameAccept < 0 {
		return nil, fmt.Errorf("qr: frame step, accept window and login lifetime must be positive (got %s, %s, %s)",
			lim.QRFrameStep, lim.QRFrameAccept, lim.QRLoginTTL)
	}
	return &qrService{images: newQRImageCache(qrImageCacheSize)}, nil
}

// answerJSON makes the error handler answer in JSON whatever the client's Accept header says:
// these endpoints are called by scripts, never navigated to.
func answerJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if a := h.Get(echo.HeaderAccept); !strings.Contains(a, "json") && !strings.Contains(a, "event-stream") {
			h.Set(echo.HeaderAccept, echo.MIMEApplicationJSON)
		}
		return next(c)
	}
}

func qrTopic(id string) string { return "qr:" + id }

// frameStep is the number of the frame shown at now.
func (p *IdP) frameStep(l store.QRLogin, now time.Time) int64 {
	if now.Before(l.CreatedAt) {
		return 0
	}
	return int64(now.Sub(l.CreatedAt) / p.d.Limits.QRFrameStep)
}

// frameMAC authenticates one frame of one login.
func frameMAC(secret []byte, id string, step int64) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(id + "|" + strconv.FormatInt(step, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:qrMACLen]
}

// qrText is what the QR encodes for one frame: an absolute URL a phone's camera can open,
// with the frame in the fragment so it stays out of server logs and Referer headers.
func (p *IdP) qrText(l store.QRLogin, step int64) string {
	return p.d.URL("/app/scan#") + l.ID + "." + strconv.FormatInt(step, 10) + "." + frameMAC(l.FrameSecret, l.ID, step)
}

// frameFresh reports whether frame step of l may be scanned at now: it has started, and it
// started at most QRFrameAccept ago.
func (p *IdP) frameFresh(l store.QRLogin, step int64, now time.Time) bool {
	start := l.CreatedAt.Add(time.Duration(step) * p.d.Limits.QRFrameStep)
	return !start.After(now) && now.Sub(start) <= p.d.Limits.QRFrameAccept
}

// parseFrame reads scanned text: a full QR URL (the frame is its fragment) or a bare frame.
func parseFrame(text string) (id string, step int64, mac string, ok bool) {
	text = strings.TrimSpace(text)
	if i := strings.LastIndexByte(text, '#'); i >= 0 {
		text = text[i+1:]
	}
	parts := strings.Split(text, ".")
	if len(parts) != 3 || !isQRID(parts[0]) || len(parts[2]) != qrMACLen || len(parts[1]) == 0 || len(parts[1]) > 6 {
		return "", 0, "", false
	}
	// Only the step as the server writes it, so each frame has one accepted spelling: "+1",
	// "01" and "-0" are texts the server never showed.
	step, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || step < 0 || strconv.FormatInt(step, 10) != parts[1] {
		return "", 0, "", false
	}
	return parts[0], step, parts[2], true
}

// isQRID reports whether s has the shape of a login id (it also becomes part of a cookie name).
func isQRID(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(qrIDBytes) {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// loadQRLogin reads a login and settles its expiry (settleQRLogin).
func (p *IdP) loadQRLogin(c echo.Context, id string) (store.QRLogin, error) {
	l, err := p.d.Store.QRLoginByID(c.Request().Context(), id)
	if err != nil {
		return l, err
	}
	return p.settleQRLogin(c, l)
}

// settleQRLogin takes a login as read and, when its time ran out while it was still open,
// writes the expiry down (once: the conditional UPDATE lets one reader win), audits and
// announces it. Only when another request changed the row meanwhile is it read again.
func (p *IdP) settleQRLogin(c echo.Context, l store.QRLogin) (store.QRLogin, error) {
	return p.settleQRLoginFrom(c.Request().Context(), c.RealIP(), l)
}

// settleQRLoginFrom is settleQRLogin for a reader at ip outside a request (an event stream
// the server holds itself).
func (p *IdP) settleQRLoginFrom(ctx context.Context, ip string, l store.QRLogin) (store.QRLogin, error) {
	now := p.d.Now()
	if l.State == l.StateAt(now) {
		return l, nil
	}
	switch err := p.d.Store.ExpireQRLogin(ctx, l.ID, now); {
	case err == nil:
		if err := p.d.Store.Audit(ctx, auditEvent(now, "idp", "qr_expired", l.CitizenID, ip, qrDetail(l))); err != nil {
			p.d.Log.Warn("audit failed", "action", "qr_expired", "err", err)
		}
		p.d.Hub.Publish(qrTopic(l.ID))
		l.State, l.DecidedAt = store.QRExpired, now
		return l, nil
	case !errors.Is(err, store.ErrConflict):
		return l, err
	}
	return p.d.Store.QRLoginByID(ctx, l.ID)
}

// qrDetail is the audit detail of a login: a short prefix of its id for correlation, who asks
// and from which browser.
func qrDetail(l store.QRLogin) string {
	return fmt.Sprintf("qr %s; %s; %s; %s", l.ID[:8], l.ClientName, l.Browser, l.IP)
}

// qrStatus is what the desktop sees of its login (the README's QR login API).
type qrStatus struct {
	State     string    `json:"state"`
	QR        string    `json:"qr"` // the current frame while waiting, else ""
	ExpiresAt time.Time `json:"expires_at"`
	ExpiresIn int       `json:"expires_in"` // seconds left by the server's clock (for the countdown)
	Redirect  string    `json:"redirect,omitempty"`
	ScannedBy string    `json:"scanned_by,omitempty"` // the phone holder's masked name
	// Number matching: the number to pick on the phone while the login is scanned, and, on a
	// login denied by a wrong pick, the reason "number_mismatch".
	Number int    `json:"number,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// qrReasonMismatch is the status's reason for a login a wrong pick denied.
const qrReasonMismatch = "number_mismatch"

func (p *IdP) qrStatusOf(l store.QRLogin) qrStatus {
	now := p.d.Now()
	st := qrStatus{State: l.StateAt(now), ExpiresAt: l.ExpiresAt, ScannedBy: l.ScannedName}
	switch {
	case st.State == store.QRScanned:
		st.Number = l.Match.Number
	case st.State == store.QRDenied && l.Match.Mismatched():
		st.Reason = qrReasonMismatch
	}
	if left := l.ExpiresAt.Sub(now); left > 0 {
		st.ExpiresIn = int((left + time.Second - 1) / time.Second)
	}
	if st.State == store.QRWaiting {
		st.QR = p.qrText(l, p.frameStep(l, now))
	}
	if st.State == store.QRConfirmed && l.FinishedAt.IsZero() {
		st.Redirect = p.d.URL("/idp/qr/" + l.ID + "/finish")
	}
	return st
}

// terminalQR reports whether a state ends the login.
func terminalQR(state string) bool {
	return state != store.QRWaiting && state != store.QRScanned
}

func errQRNotFound(why string) *web.Error {
	return &web.Error{Status: http.StatusNotFound, Code: "not_found", Msg: msgQRNotFound, Err: errors.New(why)}
}

func errQRInvalid(why string) *web.Error {
	return &web.Error{Status: http.StatusBadRequest, Code: "invalid_qr", Msg: msgQRInvalid, Err: errors.New(why)}
}

func errQRExpired() *web.Error {
	return &web.Error{Status: http.StatusGone, Code: "qr_expired", Msg: msgQRExpired}
}

// errQRCancelled answers a decision on a login the desktop cancelled. Its code is the one
// apps already handle for a login that is no longer there (qr_expired: scan again); the
// message says what really happened.
func errQRCancelled() *web.Error {
	return &web.Error{Status: http.StatusGone, Code: "qr_expired", Msg: msgQRCancelled}
}

func errQRUsed(why string) *web.Error {
	return &web.Error{Status: http.StatusConflict, Code: "qr_already_used", Msg: msgQRUsed, Err: errors.New(why)}
}
