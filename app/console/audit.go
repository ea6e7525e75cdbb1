package console

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
)

// logLimit is how many events and attempts the log page shows.
const logLimit = 200

// auditPage is "Nhật ký": what happened (audit events) and who tried to log in (attempts).
type auditPage struct {
	web.Page
	shell
	Events   []eventRow
	Attempts []attemptRow
}

type eventRow struct {
	At     string
	Actor  string
	Action string
	Name   string
	IP     string
	Detail string
}

type attemptRow struct {
	At       string
	IP       string
	IDNumber string
	Name     string
	Kind     string
	Success  bool
	Reason   string
}

// Words for the codes the log stores; a code without an entry is shown as stored.
var (
	actorNames = map[string]string{"portal": "Cổng DVC", "idp": "Định danh (IdP)", "phone": "Ứng dụng VNeID",
		"console": "Quản trị", "system": "Hệ thống", "cli": "Dòng lệnh"}
	actionNames = map[string]string{
		"login": "Đăng nhập", "logout": "Đăng xuất", "app_login": "Đăng nhập ứng dụng",
		"app_logout": "Đăng xuất ứng dụng", "account_locked": "Khóa tài khoản (sai mật khẩu)",
		"account_locked_codes": "Khóa tài khoản (sai mã xác nhận)",
		"passcode_locked":      "Khóa passcode", "console_login": "Quản trị viên đăng nhập",
		"console_logout": "Quản trị viên đăng xuất", "citizen_unlocked": "Mở khóa",
		"passcode_reset": "Đặt lại passcode", "password_reset": "Đặt lại mật khẩu",
		"web_login_enabled": "Bật đăng nhập trên website", "web_login_disabled": "Tắt đăng nhập trên website",
		"app_sessions_ended": "Kết thúc phiên ứng dụng",
		"sim_claimed":        "Thiết bị nhận SIM (đăng nhập đầu tiên)", "sim_moved": "Chuyển SIM sang thiết bị khác",
		"sim_transfer_started": "Tạo mã chuyển SIM", "device_activation_sent": "Gửi mã kích hoạt thiết bị",
		"device_activated": "Kích hoạt thiết bị mới", "device_activation_killed": "Hủy kích hoạt (sai mã quá nhiều lần)",
		"oidc_client_added": "Đăng ký ứng dụng tích hợp", "oidc_client_removed": "Xóa ứng dụng tích hợp",
		"oidc_client_secret_rotated": "Đổi khóa bí mật ứng dụng tích hợp",
		"login_success":              "Đăng nhập định danh thành công", "login_refused": "Từ chối đăng nhập",
		"sso_login": "Đăng nhập một lần (SSO)", "sso_logout": "Đăng xuất khỏi định danh (SSO)",
		"otp_challenge_killed":       "Hủy lượt nhập mã (sai quá nhiều lần)",
		"auth_request_other_browser": "Yêu cầu đăng nhập mở từ trình duyệt khác (bị chặn)",
		"oidc_code_reuse":            "Mã ủy quyền bị dùng lại (đã thu hồi token)",
		"oidc_token_reuse":           "Refresh token bị dùng lại (đã thu hồi token)",
		"qr_started":                 "Tạo mã QR đăng nhập", "qr_scanned": "Quét mã QR", "qr_rescanned": "Quét lại mã QR",
		"qr_scan_refused": "Từ chối quét mã QR", "qr_confirmed": "Xác nhận đăng nhập bằng mã QR",
		"qr_denied": "Từ chối đăng nhập bằng mã QR", "qr_cancelled": "Hủy đăng nhập bằng mã QR trên máy tính",
		"qr_expired": "Mã QR hết hạn", "qr_finished": "Hoàn tất đăng nhập bằng mã QR",
		"totp_enroll_started": "Bắt đầu thiết lập ứng dụng xác thực", "totp_enabled": "Bật ứng dụng xác thực",
		"totp_disabled":   "Tắt ứng dụng xác thực",
		"citizen_created": "Thêm công dân", "citizen_updated": "Sửa thông tin công dân", "citizen_deleted": "Xóa công dân",
	}
	attemptKinds = map[string]string{"password": "Mật khẩu", "password_refused": "Mật khẩu (bị từ chối)",
		"otp": "Mã OTP", "passcode": "Passcode", "console": "Mật khẩu quản trị",
		"console_refused": "Mật khẩu quản trị (bị từ chối)", "sms_refused": "Tin nhắn SMS (vượt hạn mức, không gửi)",
		"sim_claim": "Mã chuyển SIM"}
	attemptReasons = map[string]string{"wrong_password": "Sai mật khẩu", "unknown_id": "Không có số định danh này",
		"ip_limited": "Quá nhiều lần sai từ địa chỉ IP này", "locked": "Tài khoản đang khóa", "console_locked": "Đăng nhập quản trị đang khóa",
		"wrong_passcode": "Sai passcode", "wrong_code": "Sai mã", "wrong_activation_code": "Sai mã kích hoạt thiết bị"}
)

// amrNames are the authentication methods (RFC 8176) a login detail lists as "amr=pwd,sms,mfa".
var amrNames = map[string]string{"pwd": "mật khẩu", "sms": "mã OTP qua SMS", "swk": "ứng dụng VNeID",
	"otp": "ứng dụng xác thực", "pin": "passcode", "mfa": "hai yếu tố"}

// detailWords puts the log's most common machine details into words: the methods of a login
// ("amr=pwd,sms,mfa" reads "Phương thức: mật khẩu + mã OTP qua SMS (hai yếu tố)"). Other
// details are shown as recorded.
func detailWords(detail string) string {
	list, ok := strings.CutPrefix(detail, "amr=")
	if !ok || list == "" {
		return detail
	}
	var ways []string
	mfa := false
	for _, m := range strings.Split(list, ",") {
		if m == "mfa" {
			mfa = true
			continue
		}
		ways = append(ways, word(amrNames, m))
	}
	out := "Phương thức: " + strings.Join(ways, " + ")
	if mfa {
		out += " (" + amrNames["mfa"] + ")"
	}
	return out
}

func word(m map[string]string, code string) string {
	if w, ok := m[code]; ok {
		return w
	}
	return code
}

func (con *Console) showAudit(c echo.Context) error {
	ctx := c.Request().Context()
	events, err := con.d.Store.ListAudit(ctx, logLimit)
	if err != nil {
		return err
	}
	attempts, err := con.d.Store.ListAttempts(ctx, logLimit)
	if err != nil {
		return err
	}
	names, err := con.citizenNames(ctx)
	if err != nil {
		return err
	}
	p := &auditPage{Page: web.NewPage(c, "Nhật ký")}
	for _, e := range events {
		p.Events = append(p.Events, eventRow{At: web.TimeVN(e.At), Actor: word(actorNames, e.Actor),
			Action: word(actionNames, e.Action), Name: names[e.CitizenID], IP: e.IP, Detail: detailWords(e.Detail)})
	}
	for _, a := range attempts {
		p.Attempts = append(p.Attempts, attemptRow{At: web.TimeVN(a.At), IP: a.IP, IDNumber: a.IDNumber,
			Name: names[a.CitizenID], Kind: word(attemptKinds, a.Kind), Success: a.Success, Reason: word(attemptReasons, a.Reason)})
	}
	if p.shell, err = con.newShell(c, "audit"); err != nil {
		return err
	}
	return con.d.Render.Page(c, http.StatusOK, "console/audit", p)
}
