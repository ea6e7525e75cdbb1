package console

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
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
	Detail string // in words, in the page's language
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
		"qr_denied": "Từ chối đăng nhập bằng mã QR", "qr_not_me": "Từ chối đăng nhập bằng mã QR: “Không phải tôi”",
		"qr_cancelled":                "Hủy đăng nhập bằng mã QR trên máy tính",
		"qr_number_mismatch":          "Từ chối đăng nhập bằng mã QR: chọn sai số đối chiếu",
		"qr_number_matching_enabled":  "Bật đối chiếu số khi đăng nhập bằng mã QR",
		"qr_number_matching_disabled": "Tắt đối chiếu số khi đăng nhập bằng mã QR",
		"qr_expired":                  "Mã QR hết hạn", "qr_finished": "Hoàn tất đăng nhập bằng mã QR",
		"device_requested": "Quầy tạo mã đăng nhập", "device_confirmed": "Xác nhận đăng nhập tại quầy",
		"device_denied": "Từ chối đăng nhập tại quầy", "device_tokens_issued": "Hoàn tất đăng nhập tại quầy",
		"totp_enroll_started": "Bắt đầu thiết lập ứng dụng xác thực", "totp_enabled": "Bật ứng dụng xác thực",
		"totp_disabled":   "Tắt ứng dụng xác thực",
		"citizen_created": "Thêm công dân", "citizen_updated": "Sửa thông tin công dân", "citizen_deleted": "Xóa công dân",
		"demo_reset":            "Khôi phục dữ liệu demo",
		"web_session_ended":     "Công dân kết thúc một phiên đăng nhập trên trình duyệt",
		"service_grant_revoked": "Công dân thu hồi quyền duy trì đăng nhập của một dịch vụ",
		"all_sessions_ended":    "Công dân đăng xuất tất cả các phiên trên trình duyệt và dịch vụ",
	}
	attemptKinds = map[string]string{"password": "Mật khẩu", "password_refused": "Mật khẩu (bị từ chối)",
		"otp": "Mã OTP", "passcode": "Passcode", "console": "Mật khẩu quản trị",
		"console_refused": "Mật khẩu quản trị (bị từ chối)", "sms_refused": "Tin nhắn SMS (vượt hạn mức, không gửi)",
		"sim_claim": "Mã chuyển SIM", "qr_number": "Số đối chiếu (đăng nhập bằng mã QR)"}
	attemptReasons = map[string]string{"wrong_password": "Sai mật khẩu", "unknown_id": "Không có số định danh này",
		"ip_limited": "Quá nhiều lần sai từ địa chỉ IP này", "locked": "Tài khoản đang khóa", "console_locked": "Đăng nhập quản trị đang khóa",
		"wrong_passcode": "Sai passcode", "wrong_code": "Sai mã", "wrong_activation_code": "Sai mã kích hoạt thiết bị",
		"wrong_totp": "Sai mã của ứng dụng xác thực", "totp_replay": "Mã của ứng dụng xác thực đã được dùng",
		"totp_not_enrolled": "Chưa thiết lập ứng dụng xác thực", "wrong_number": "Chọn sai số đối chiếu",
		// an SMS refused (sms_refused) is recorded with what it would have carried
		"login_otp": "Mã OTP đăng nhập", "login_otp_resend": "Gửi lại mã OTP", "device_activation": "Mã kích hoạt thiết bị",
		"notice": "Thông báo", "lock_notice": "Thông báo khóa tài khoản",
		"qr_not_me_notice": "Thông báo yêu cầu đăng nhập bị từ chối (“Không phải tôi”)"}
)

// amrNames are the authentication methods (RFC 8176) a login detail lists as "amr=pwd,sms,mfa".
var amrNames = map[string]string{"pwd": "mật khẩu", "sms": "mã OTP qua SMS", "swk": "ứng dụng VNeID",
	"otp": "ứng dụng xác thực", "pin": "passcode", "mfa": "hai yếu tố"}

// viaNames say where a citizen ended their own sessions.
var viaNames = map[string]string{"app": "từ ứng dụng VNeID", "portal": "từ trang tài khoản của Cổng Dịch vụ công Quốc gia"}

// refusalNames are the codes of a refused login (login_refused's detail).
var refusalNames = map[string]string{"account_level_insufficient": "Tài khoản mức 1 (cần tài khoản mức 2)",
	"web_login_not_permitted": "Chưa cấp quyền đăng nhập trên website"}

// detailWords puts a detail the log stores into Vietnamese words, as detailIn does for any
// language: "amr=pwd,sms,mfa" reads "Phương thức: mật khẩu + mã OTP qua SMS (hai yếu tố)".
func detailWords(detail string) string { return detailIn(i18n.Vi, "", detail) }

// detailIn is an event's detail in words in l; one no rule knows is shown as recorded.
func detailIn(l i18n.Lang, action, detail string) string {
	out, _ := describeDetail(l, action, detail)
	return out
}

// A detailRule reads one form of detail the server records (see where each event is audited):
// the parts re captures become the arguments of words, in l.
type detailRule struct {
	action string // the rule reads only this action's details; "" for any
	re     *regexp.Regexp
	words  func(l i18n.Lang, m []string) string
}

// rule is a detailRule whose words are key in l with the captured parts as its %s.
func rule(action, re, key string) detailRule {
	return detailRule{action: action, re: regexp.MustCompile(re), words: func(l i18n.Lang, m []string) string {
		args := make([]any, len(m)-1)
		for i, s := range m[1:] {
			args[i] = s
		}
		return l.F(key, args...)
	}}
}

// detailRules are tried in order; the first that matches says the detail.
var detailRules = []detailRule{
	{re: regexp.MustCompile(`^amr=(.+)$`), words: func(l i18n.Lang, m []string) string {
		var ways []string
		mfa := false
		for _, code := range strings.Split(m[1], ",") {
			if code == "mfa" {
				mfa = true
				continue
			}
			ways = append(ways, l.T(word(amrNames, code)))
		}
		if mfa {
			return l.F("Phương thức: %s (%s)", strings.Join(ways, " + "), l.T(amrNames["mfa"]))
		}
		return l.F("Phương thức: %s", strings.Join(ways, " + "))
	}},
	rule("", `^client=(\S+) tokens=(\d+) grants=(\d+)$`, "Ứng dụng %s; thu hồi %s token và %s lượt cấp quyền"),
	rule("", `^client=(\S+) tokens=(\d+)$`, "Ứng dụng %s; thu hồi %s token"),
	{re: regexp.MustCompile(`^client=(\S+) \((confidential|public)\) name=(".*") redirect_uris=(.*)$`), words: func(l i18n.Lang, m []string) string {
		kind := "bảo mật"
		if m[2] == "public" {
			kind = "công khai"
		}
		return l.F("Ứng dụng %s (%s), tên %s, địa chỉ chuyển hướng: %s", m[1], l.T(kind), m[3], m[4])
	}},
	{re: regexp.MustCompile(`^client=(\S+) (authorization code|refresh token|device code)$`), words: func(l i18n.Lang, m []string) string {
		what := map[string]string{"authorization code": "mã ủy quyền", "refresh token": "refresh token",
			"device code": "mã thiết bị (đăng nhập tại quầy)"}[m[2]]
		return l.F("Ứng dụng %s; %s", m[1], l.T(what))
	}},
	{re: regexp.MustCompile(`^browser (.*); ip (\S*); via (\S+)$`), words: func(l i18n.Lang, m []string) string {
		return l.F("Trình duyệt %s; địa chỉ IP %s; %s", browserWords(m[1]).In(l), m[2], l.T(word(viaNames, m[3])))
	}},
	{re: regexp.MustCompile(`^client=(\S+); via (\S+)$`), words: func(l i18n.Lang, m []string) string {
		return l.F("Ứng dụng %s; %s", m[1], l.T(word(viaNames, m[2])))
	}},
	{re: regexp.MustCompile(`^(\d+) browser sessions, (\d+) service grants; via (\S+)$`), words: func(l i18n.Lang, m []string) string {
		return l.F("Kết thúc %s phiên trên trình duyệt và %s quyền duy trì đăng nhập của dịch vụ; %s", m[1], m[2], l.T(word(viaNames, m[3])))
	}},
	rule("", `^client=(\S+) ip=(\S+)$`, "Ứng dụng %s; quầy ở địa chỉ IP %s"),
	rule("", `^client=(\S+)$`, "Ứng dụng %s"),
	rule("sso_login", `^(\S+)$`, "Ứng dụng %s"),
	rule("auth_request_other_browser", `^(\S+)$`, "Ứng dụng %s"),
	{re: regexp.MustCompile(`^[a-z_]+$`), words: func(l i18n.Lang, m []string) string {
		if w, ok := refusalNames[m[0]]; ok {
			return l.T(w)
		}
		return ""
	}},
	rule("", `^console form$`, "Thêm bằng biểu mẫu của trang quản trị"),
	rule("", `^console import of (.*)$`, "Nhập từ tệp CSV %s trong trang quản trị"),
	rule("", `^console visitor accounts, demo secrets$`, "Tài khoản khách, mật khẩu và passcode demo"),
	rule("", `^console visitor accounts, random secrets$`, "Tài khoản khách, mật khẩu và passcode ngẫu nhiên"),
	rule("", `^dvclogin citizens add$`, "Thêm bằng dòng lệnh (dvclogin citizens add)"),
	rule("", `^dvclogin citizens generate$`, "Tạo bằng dòng lệnh (dvclogin citizens generate)"),
	rule("", `^dvclogin citizens import (.*)$`, "Nhập từ tệp CSV %s bằng dòng lệnh"),
	rule("", `^nothing changed$`, "Không có thay đổi"),
	{re: regexp.MustCompile(`^(?:(?:name|birth date|gender|phone|level|web login): .* -> .*|the old number's SIM left its device)(?:; (?:(?:name|birth date|gender|phone|level|web login): .* -> .*|the old number's SIM left its device))*$`),
		words: changeWords},
	rule("", `^by the operator$`, "Quản trị viên tạo mã"),
	rule("", `^from device (\S+)$`, "Từ thiết bị %s"),
	rule("", `^password, code and passcode locks and counts cleared$`, "Xóa khóa và số lần sai của mật khẩu, mã xác nhận và passcode"),
	rule("", `^(\d+) sessions and tokens ended$`, "Kết thúc %s phiên đăng nhập và token"),
	rule("", `^(\d+) app sessions$`, "Kết thúc %s phiên ứng dụng"),
	rule("", `^(\S+) (.+); (\d+) sessions and tokens ended$`, "%s %s; kết thúc %s phiên đăng nhập và token"),
	rule("", `^(\d+) wrong passwords$`, "Sai mật khẩu %s lần"),
	rule("", `^(\d+) wrong passcodes$`, "Sai passcode %s lần"),
	rule("", `^(\d+) wrong codes in an hour$`, "Sai mã %s lần trong một giờ"),
	rule("", `^(\d+) wrong codes$`, "Sai mã %s lần"),
	{re: regexp.MustCompile(`^device (\S+)( \(activated by SMS code; SIM elsewhere\))?(; previous device signed out)?$`), words: func(l i18n.Lang, m []string) string {
		out := l.F("Thiết bị %s", m[1])
		if m[2] != "" {
			out += "; " + l.T("kích hoạt bằng mã gửi qua SMS (SIM ở thiết bị khác)")
		}
		if m[3] != "" {
			out += "; " + l.T("thiết bị trước đã bị đăng xuất")
		}
		return out
	}},
	{re: regexp.MustCompile(`^first app login; device (\S+) \((.*)\)$`), words: func(l i18n.Lang, m []string) string {
		return l.F("Đăng nhập ứng dụng lần đầu; thiết bị %s (%s)", m[1], browserWords(m[2]).In(l))
	}},
	{re: regexp.MustCompile(`^device (\S+) \((.*)\)$`), words: func(l i18n.Lang, m []string) string {
		return l.F("Thiết bị %s (%s)", m[1], browserWords(m[2]).In(l))
	}},
	{re: regexp.MustCompile(`^from device (\S+) to device (\S+) \((.*)\); code from (\S+)$`), words: func(l i18n.Lang, m []string) string {
		from, by := m[1], m[4]
		if from == "(none)" {
			from = l.T("(không có)")
		}
		switch by {
		case "console":
			by = l.T("trang quản trị")
		case "phone":
			by = l.T("ứng dụng trên thiết bị cũ")
		}
		return l.F("Từ thiết bị %s sang thiết bị %s (%s); mã tạo từ %s", from, m[2], browserWords(m[3]).In(l), by)
	}},
	{re: regexp.MustCompile(`^qr (\S+); (.*); ([^;]*); (\S*?)(; level 1|; \d+ pending|; web login not permitted)?(; number matching)?$`), words: func(l i18n.Lang, m []string) string {
		out := l.F("Mã QR %s; %s; %s; địa chỉ IP %s", m[1], l.T(m[2]), browserWords(m[3]).In(l), m[4])
		switch suffix := strings.TrimPrefix(m[5], "; "); {
		case suffix == "level 1":
			out += "; " + l.T("tài khoản mức 1")
		case suffix == "web login not permitted":
			out += "; " + l.T("chưa cấp quyền đăng nhập trên website")
		case suffix != "":
			out += "; " + l.F("đã có %s yêu cầu đang chờ", strings.TrimSuffix(suffix, " pending"))
		}
		if m[6] != "" {
			out += "; " + l.T("có đối chiếu số")
		}
		return out
	}},
	rule("", `^signed out after QR login$`, "Đăng xuất khỏi ứng dụng sau khi đăng nhập bằng mã QR"),
	rule("", `^demo data back to the seed; every session ended$`, "Dữ liệu demo về như lần chạy đầu tiên; mọi phiên đăng nhập kết thúc"),
	rule("", `^demo data back to the seed; other sessions ended$`, "Dữ liệu demo về như lần chạy đầu tiên; các phiên đăng nhập khác kết thúc"),
}

// describeDetail says a detail in words in l, and whether a rule knew it; an empty detail says
// nothing and needs no rule.
func describeDetail(l i18n.Lang, action, detail string) (string, bool) {
	if detail == "" {
		return "", true
	}
	for _, r := range detailRules {
		if r.action != "" && r.action != action {
			continue
		}
		if m := r.re.FindStringSubmatch(detail); m != nil {
			if out := r.words(l, m); out != "" {
				return out, true
			}
		}
	}
	return detail, false
}

// changeNames are the fields an edit's detail names ("phone: 0912… -> 0988…").
var changeNames = map[string]string{"name": "Họ tên", "birth date": "Ngày sinh", "gender": "Giới tính",
	"phone": "Số điện thoại", "level": "Mức", "web login": "Đăng nhập trên website"}

// changeWords says a citizen edit's detail (console changes) in l.
func changeWords(l i18n.Lang, m []string) string {
	var out []string
	for _, part := range strings.Split(m[0], "; ") {
		field, values, ok := strings.Cut(part, ": ")
		before, after, ok2 := strings.Cut(values, " -> ")
		if !ok || !ok2 {
			out = append(out, l.T("SIM của số cũ đã rời thiết bị đang giữ nó"))
			continue
		}
		out = append(out, l.F("%s: %s → %s", l.T(changeNames[field]), changeValue(l, before), changeValue(l, after)))
	}
	return strings.Join(out, "; ")
}

// changeValue is one value of an edit: a gender or a yes/no in words, the rest as it is.
func changeValue(l i18n.Lang, v string) string {
	switch v {
	case "true":
		return l.T("bật")
	case "false":
		return l.T("tắt")
	}
	return l.T(v) // Nam, Nữ; a name, a date or a number is not a key and stays as it is
}

// browserWords is a browser's description as the IdP stores it ("Chrome 124 trên Windows") in
// words of any language: only its own words change, names of browsers and systems do not.
func browserWords(desc string) i18n.Message {
	name, system, ok := strings.Cut(desc, " trên ") // i18n:vi (reads the stored description)
	if !ok {
		return i18n.Msg(desc) // "Trình duyệt không xác định" is a key; a name stays as it is
	}
	return i18n.Msg("%s trên %s", i18n.Msg(name), system)
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
	l := web.Lang(c)
	for _, e := range events {
		row := eventRow{At: web.TimeVN(e.At), Actor: l.T(word(actorNames, e.Actor)),
			Action: l.T(word(actionNames, e.Action)), Name: names[e.CitizenID], IP: e.IP, Detail: detailIn(l, e.Action, e.Detail)}
		p.Events = append(p.Events, row)
	}
	for _, a := range attempts {
		p.Attempts = append(p.Attempts, attemptRow{At: web.TimeVN(a.At), IP: a.IP, IDNumber: a.IDNumber,
			Name: names[a.CitizenID], Kind: l.T(word(attemptKinds, a.Kind)), Success: a.Success, Reason: l.T(word(attemptReasons, a.Reason))})
	}
	if p.shell, err = con.newShell(c, "audit"); err != nil {
		return err
	}
	return con.d.Render.Page(c, http.StatusOK, "console/audit", p)
}
