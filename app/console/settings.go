package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
)

// settingsPage is "Cấu hình": the values this server runs with and how to change them. Most
// are read-only on purpose: they come from the command line, and a restart applies them. The
// few an operator changes here (number matching) live in the database.
type settingsPage struct {
	web.Page
	shell
	SettingHeader  string // "Thiết lập", in the page's language
	NumberMatching bool   // "Đối chiếu số" on the QR login
	Groups         []settingGroup
}

type settingGroup struct {
	Title string // a catalog key
	Rows  []settingRow
}

type settingRow struct {
	Name  string // a catalog key
	Value string // in the page's language
	Flag  string // command-line flag and environment variable, "" when fixed
}

func (con *Console) showSettings(c echo.Context) error {
	d, l := con.d, con.d.Limits
	lang := web.Lang(c)
	// in is a value in the page's language; a duration among the arguments is put into words.
	in := func(key string, args ...any) string { return i18n.Msg(key, args...).In(lang) }
	dur := func(d time.Duration) string { return duration(d).In(lang) }
	second := in("SMS OTP gửi về số điện thoại")
	if d.SecondFactor == "app" {
		second = in("Mã xác nhận đăng nhập gửi vào ứng dụng VNeID")
	}
	command, webhook := in("Không"), in("Không")
	if d.SMSCommand != "" {
		command = d.SMSCommand
	}
	if u, err := url.Parse(d.SMSWebhook); d.SMSWebhook != "" && err == nil {
		// Only the host: a webhook URL often carries a token in its path or query.
		webhook = u.Scheme + "://" + u.Host + "/…"
	}
	p := &settingsPage{Page: web.NewPage(c, "Cấu hình"), Groups: []settingGroup{
		{Title: "Máy chủ", Rows: []settingRow{
			{"Địa chỉ công khai (trong mã QR và OIDC issuer)", d.PublicURL.String(), "-public-url, DVC_PUBLIC_URL"},
			{"Yếu tố xác thực thứ hai mặc định (đăng nhập trực tiếp)", second, "-second-factor, DVC_SECOND_FACTOR"},
			{"Gửi SMS thật bằng lệnh", command, "-sms-command, DVC_SMS_COMMAND"},
			{"Gửi SMS thật qua webhook", webhook, "-sms-webhook, DVC_SMS_WEBHOOK"},
			{"Mật khẩu quản trị", in("Đã đặt (chỉ lưu bản băm argon2id)"), "-admin-password, DVC_ADMIN_PASSWORD"},
		}},
		{Title: "Mật khẩu (website và ứng dụng)", Rows: []settingRow{
			{"Số lần sai liên tiếp trước khi khóa tài khoản", strconv.Itoa(l.PasswordMaxFailures), ""},
			{"Thời gian khóa", dur(l.PasswordLock), "-lock"},
			{"Số lần sai tối đa từ một địa chỉ IP", in("%d lần trong %s", l.IPMaxFailures, dur(l.IPWindow)), ""},
		}},
		{Title: "Mã OTP / mã xác nhận trong ứng dụng", Rows: []settingRow{
			{"Hiệu lực của mã", dur(l.OTPTTL), "-otp-ttl"},
			{"Số lần nhập sai thì hủy mã", strconv.Itoa(l.OTPMaxFailures), ""},
			{"Mã sai trong một giờ (mọi lần đăng nhập của một tài khoản) thì khóa tài khoản", strconv.Itoa(l.OTPAccountMax), ""},
			{"\"Gửi lại mã\"", in("mỗi %s một lần, tối đa %d lần một giờ", dur(l.OTPResendEvery), l.OTPResendPerHour), ""},
			{"Tin nhắn SMS gửi đến một tài khoản (mã, gửi lại mã, thông báo)", in("tối đa %d trong %s và %d trong một giờ",
				l.SMSAccountMax, dur(l.SMSAccountWindow), l.SMSAccountHourMax), ""},
			{"Tin nhắn SMS do một địa chỉ IP yêu cầu (mọi tài khoản)", in("tối đa %d trong một giờ", l.SMSIPHourMax), ""},
		}},
		{Title: "Passcode", Rows: []settingRow{
			{"Tạm chờ sau mỗi", in("%d lần sai: chờ %s", l.PasscodeCooldownEvery, dur(l.PasscodeCooldown)), ""},
			{"Khóa passcode (quản trị viên đặt lại)", in("sau %d lần sai", l.PasscodeLockAt), ""},
		}},
		{Title: "Đăng nhập bằng mã QR", Rows: []settingRow{
			{"Mã QR đổi sau mỗi", dur(l.QRFrameStep), "-qr-frame"},
			{"Một mã còn được chấp nhận trong", dur(l.QRFrameAccept), "-qr-accept"},
			{"Một yêu cầu đăng nhập QR tồn tại", dur(l.QRLoginTTL), "-qr-ttl"},
		}},
		{Title: "Phiên làm việc", Rows: []settingRow{
			{"Kết thúc sau khi không hoạt động", dur(l.SessionIdle), ""},
			{"Thời gian tối đa của một phiên", dur(l.SessionAbsolute), ""},
			{"Phiên đăng nhập ứng dụng VNeID", dur(l.AppSessionTTL), ""},
			{"Đăng nhập quản trị sai tối đa", in("%d lần trong %s từ một địa chỉ IP; %d lần trong %s từ mọi địa chỉ thì tạm khóa",
				l.ConsoleIPMaxFailures, dur(l.ConsoleIPWindow), l.ConsoleMaxFailures, dur(l.ConsoleWindow)), ""},
		}},
	}}
	p.SettingHeader = upperFirst(in("thiết lập"))
	var err error
	if p.NumberMatching, err = d.Store.QRNumberMatching(c.Request().Context()); err != nil {
		return err
	}
	if p.shell, err = con.newShell(c, "settings"); err != nil {
		return err
	}
	return con.d.Render.Page(c, http.StatusOK, "console/settings", p)
}

// submitNumberMatching turns "Đối chiếu số" on or off for QR logins scanned from now on. The
// form says the wanted state rather than "toggle", so a double submit cannot undo itself.
func (con *Console) submitNumberMatching(c echo.Context) error {
	on := c.FormValue("enabled") == "1"
	if err := con.d.Store.SetQRNumberMatching(c.Request().Context(), on, con.d.Now()); err != nil {
		return err
	}
	action, msg := "qr_number_matching_disabled", i18n.Msg("Đã tắt đối chiếu số khi đăng nhập bằng mã QR.")
	if on {
		action, msg = "qr_number_matching_enabled", i18n.Msg("Đã bật đối chiếu số khi đăng nhập bằng mã QR.")
	}
	con.audit(c, action, "", "")
	if err := con.flash(c, "ok", msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/console/settings")
}
