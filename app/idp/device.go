package idp

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// Login at a counter or kiosk by device code (RFC 8628), the phone's side. The kiosk shows a
// user code and a QR of <public>/app/device?user_code=CODE; the citizen scans it or types the
// code in the app, which looks the request up (who asks, from where), then confirms it with
// the passcode or refuses it. The kiosk's next poll of the token endpoint gets the answer
// (app/idp/oidcop/device.go).

// Messages of the device login, as the phone shows them.
const (
	msgUserCodeFormat = "Mã đăng nhập tại quầy gồm 8 chữ cái in hoa (ví dụ BCDF-GHJK). Hãy nhập đúng mã trên màn hình quầy."
	msgUserCodeGone   = "Mã không đúng hoặc đã hết hạn. Hãy kiểm tra mã trên màn hình quầy, hoặc bấm “Tạo mã mới” ở quầy rồi quét lại."
	msgUserCodeUsed   = "Yêu cầu đăng nhập này đã được xử lý. Nếu quầy vẫn chờ, hãy bấm “Tạo mã mới” ở quầy."
)

type deviceCodeRequest struct {
	UserCode string `json:"user_code"`
	Passcode string `json:"passcode"`
}

// deviceRequestInfo is what the phone shows before the citizen decides.
type deviceRequestInfo struct {
	UserCode    string    `json:"user_code"`
	ClientName  string    `json:"client_name"`
	Browser     string    `json:"browser"`
	IP          string    `json:"ip"`
	RequestedAt time.Time `json:"requested_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// pendingDeviceGrant reads the request's user code and returns its grant while it waits for a
// decision: 400 for what cannot be a code, 404 for a code nobody issued or that expired, 409
// for one already decided.
func (p *IdP) pendingDeviceGrant(c echo.Context, req *deviceCodeRequest) (store.DeviceGrant, error) {
	if err := web.Bind(c, req); err != nil {
		return store.DeviceGrant{}, err
	}
	code := web.NormalizeUserCode(req.UserCode)
	if code == "" {
		return store.DeviceGrant{}, &web.Error{Status: http.StatusBadRequest, Code: "invalid_user_code", Msg: msgUserCodeFormat}
	}
	g, err := p.d.Store.DeviceGrantByUserCode(c.Request().Context(), code)
	if errors.Is(err, store.ErrNotFound) || err == nil && !p.d.Now().Before(g.ExpiresAt) {
		return g, &web.Error{Status: http.StatusNotFound, Code: "user_code_not_found", Msg: msgUserCodeGone,
			Err: errors.New("device grant: unknown or expired user code")}
	}
	if err != nil {
		return g, err
	}
	if g.State != store.DevicePending {
		return g, &web.Error{Status: http.StatusConflict, Code: "user_code_used", Msg: msgUserCodeUsed,
			Err: errors.New("device grant: already " + g.State)}
	}
	return g, nil
}

// lookUpDevice shows the phone who asks: the service, the kiosk's browser and address, when.
// Level 1 accounts and citizens without the web-login permission are refused here already.
func (p *IdP) lookUpDevice(c echo.Context) error {
	var req deviceCodeRequest
	g, err := p.pendingDeviceGrant(c, &req)
	if err != nil {
		return err
	}
	if werr := checkWebLogin(appCitizen(c)); werr != nil {
		return werr
	}
	name, err := p.oidc.ClientName(c.Request().Context(), g.ClientID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]deviceRequestInfo{"request": {UserCode: web.FormatCode(g.UserCode),
		ClientName: web.T(c, name), Browser: browserIn(web.Lang(c), describeBrowser(g.Browser)), IP: g.IP,
		RequestedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt}})
}

// confirmDevice approves the request with the citizen's passcode, under the passcode's own
// limits; the kiosk's next poll gets the tokens.
func (p *IdP) confirmDevice(c echo.Context) error {
	var req deviceCodeRequest
	g, err := p.pendingDeviceGrant(c, &req)
	if err != nil {
		return err
	}
	cit, err := p.passcodeApproves(c, req.Passcode)
	if err != nil {
		return err
	}
	return p.decideDevice(c, g, true, cit, []string{"swk", "pin", "mfa"})
}

// denyDevice refuses the request: the kiosk's next poll gets access_denied.
func (p *IdP) denyDevice(c echo.Context) error {
	var req deviceCodeRequest
	g, err := p.pendingDeviceGrant(c, &req)
	if err != nil {
		return err
	}
	return p.decideDevice(c, g, false, appCitizen(c), nil)
}

// decideDevice writes the citizen's decision on a pending grant (amr when approved), audits it
// and answers the grant's new state; 409 when it was decided meanwhile (a double tap).
func (p *IdP) decideDevice(c echo.Context, g store.DeviceGrant, approve bool, cit store.Citizen, amr []string) error {
	state, action, acr := store.DeviceDenied, "device_denied", ""
	if approve {
		state, action, acr = store.DeviceApproved, "device_confirmed", strconv.Itoa(cit.Level)
	}
	err := p.d.Store.DecideDeviceGrant(c.Request().Context(), g.ID, approve, cit.ID, acr, amr, p.d.Now())
	if errors.Is(err, store.ErrConflict) {
		return &web.Error{Status: http.StatusConflict, Code: "user_code_used", Msg: msgUserCodeUsed, Err: err}
	}
	if err != nil {
		return err
	}
	p.audit(c, "phone", action, cit.ID, deviceDetail(g))
	if approve {
		// The login is the counter's: its address and browser go in the citizen's history.
		if err := p.d.Store.RecordLogin(c.Request().Context(), store.LoginRecord{CitizenID: cit.ID, At: p.d.Now(),
			Method: "device", ClientID: g.ClientID, IP: g.IP, UserAgent: g.Browser}); err != nil {
			p.d.Log.Warn("login history not recorded", "method", "device", "err", err)
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"state": state})
}

// deviceDetail is the audit detail of a device grant: which client, from where.
func deviceDetail(g store.DeviceGrant) string {
	return "client=" + g.ClientID + " ip=" + g.IP
}
