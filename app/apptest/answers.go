package apptest

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"dvclogin/app"
)

// Quiet is an option for New that discards the server's log even under -v. A fuzz target
// needs it: its server outlives the outer *testing.F, which may not log while inputs run.
func Quiet(cfg *app.Config) { cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) }

// UnbudgetedSMS is an option for New that lifts the SMS budget (5 SMS per account in 15
// minutes), for tests and load runs that log one citizen in many times and measure something
// else; `dvclogin -sms-account-max` does the same for a server.
func UnbudgetedSMS(c *app.Config) {
	c.Limits.SMSAccountMax, c.Limits.SMSAccountHourMax, c.Limits.SMSIPHourMax = 1_000_000, 1_000_000, 1_000_000
}

// PhoneErrorCodes are the error codes the phone app must handle (the README's phone API).
// Any other code reaching the app is a contract break.
var PhoneErrorCodes = map[string]bool{
	"invalid_credentials": true, "account_locked": true, "unauthorized": true,
	"web_login_not_permitted": true, "account_level_insufficient": true, "qr_expired": true,
	"qr_already_used": true, "invalid_passcode": true, "passcode_locked": true, "rate_limited": true,
	"invalid_qr": true, "invalid_id_number": true, "invalid_code": true, "not_found": true,
	"bad_request": true, "totp_setup_expired": true, "totp_not_enabled": true,
	"activation_required": true, "activation_expired": true, "invalid_sim_transfer": true, "sim_not_held": true,
}

// internalDetail matches text that belongs in the log, never on a page or in an answer: Go
// and library error strings, stack traces, echo's own error format.
var internalDetail = regexp.MustCompile(`(?i)sql:|sqlite|runtime error|goroutine \d|panic|code=\d|<nil>|%!|json: |strconv\.|invalid character|unexpected EOF|context canceled|deadline exceeded`)

// IsVietnamese reports whether s is a non-empty text with at least one Vietnamese letter
// (a letter with a diacritic, or đ): a message written for the citizen, not a code or an
// English error.
func IsVietnamese(s string) bool {
	for _, r := range s {
		if r == 'đ' || r == 'Đ' || (r > unicode.MaxASCII && unicode.IsLetter(r) && unicode.In(r, unicode.Latin)) {
			return true
		}
	}
	return false
}

// CheckJSONAnswer fails t unless an answer of the phone API keeps its promises for any input:
// no 5xx; a 2xx body is JSON; a 4xx is {"error":{"code","message"}} with a code from codes and
// a Vietnamese message and no internal detail; every 429 carries Retry-After.
func CheckJSONAnswer(t testing.TB, resp *http.Response, body string, codes map[string]bool) {
	t.Helper()
	where := resp.Request.Method + " " + resp.Request.URL.Path
	switch {
	case resp.StatusCode >= 500:
		t.Fatalf("%s: status %d: %s", where, resp.StatusCode, body)
	case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "":
		t.Fatalf("%s: 429 without Retry-After", where)
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if body != "" && !json.Valid([]byte(body)) {
			t.Fatalf("%s: status %d with a body that is not JSON: %q", where, resp.StatusCode, body)
		}
		return
	case resp.StatusCode < 400:
		t.Fatalf("%s: status %d from a JSON API", where, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: status %d answered as %q: %q", where, resp.StatusCode, ct, body)
	}
	var e struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == nil {
		t.Fatalf("%s: status %d without the error object: %q", where, resp.StatusCode, body)
	}
	if !codes[e.Error.Code] {
		t.Fatalf("%s: status %d with code %q, which the app does not know: %q", where, resp.StatusCode, e.Error.Code, body)
	}
	if !IsVietnamese(e.Error.Message) || internalDetail.MatchString(e.Error.Message) {
		t.Fatalf("%s: status %d with message %q", where, resp.StatusCode, e.Error.Message)
	}
}

var (
	alertText     = regexp.MustCompile(`role="alert"[^>]*>([^<]*)<`)
	errorPageText = regexp.MustCompile(`(?s)class="error-page".*?<p>([^<]*)</p>`)
)

// PageError returns the error a page shows the user: its alert, or an error page's message.
func PageError(body string) string {
	if m := alertText.FindStringSubmatch(body); m != nil {
		return strings.TrimSpace(m[1])
	}
	if m := errorPageText.FindStringSubmatch(body); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

// CheckHTMLAnswer fails t unless an answer to a browser form keeps its promises for any
// input: no 5xx; every 429 carries Retry-After; a page is HTML without internal detail, and a
// 4xx page shows the user a Vietnamese error.
func CheckHTMLAnswer(t testing.TB, resp *http.Response, body string) {
	t.Helper()
	where := resp.Request.Method + " " + resp.Request.URL.Path
	switch {
	case resp.StatusCode >= 500:
		t.Fatalf("%s: status %d: %s", where, resp.StatusCode, body)
	case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "":
		t.Fatalf("%s: 429 without Retry-After (error %q)", where, PageError(body))
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("%s: status %d answered as %q: %.300q", where, resp.StatusCode, ct, body)
	}
	if m := internalDetail.FindString(body); m != "" {
		t.Fatalf("%s: status %d page shows %q", where, resp.StatusCode, m)
	}
	if resp.StatusCode >= 400 {
		if msg := PageError(body); !IsVietnamese(msg) {
			t.Fatalf("%s: status %d page without a Vietnamese error (found %q)", where, resp.StatusCode, msg)
		}
	}
}
