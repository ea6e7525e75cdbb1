package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dvclogin/app/i18n"
	"dvclogin/store"
)

// The rules for an OpenID Connect client an operator registers: the command line and the
// console both build it with NewOIDCClient, so a client is refused the same way wherever it
// comes from. Each refusal is a *Error whose Msg says why in Vietnamese, as the command line
// prints it, and whose Err says it in English for the log and carries the message itself
// (an i18n.Message), for a page to show in its own language (i18n.Lang.Any finds it).

// The built-in clients live in the provider's code; no registered client may take their ids.
const (
	PortalClientID = "dvc-portal"
	DemoClientID   = "demo-app"
	KioskClientID  = "dvc-kiosk"
)

// Bounds of a registration: enough for any real service, small enough to show on one screen.
const (
	maxClientNameLen   = 120  // characters
	maxClientURIs      = 10   // redirect URIs, and post-logout redirect URIs
	maxClientURILength = 2000 // bytes
)

var clientIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// IsBuiltinClient reports whether id is one of the clients defined in code.
func IsBuiltinClient(id string) bool {
	return id == PortalClientID || id == DemoClientID || id == KioskClientID
}

// NewClientSecret returns a fresh client secret (32 random bytes, URL-safe) and the digest
// the store keeps. The secret is shown once and never stored.
func NewClientSecret() (secret, digest string) {
	secret = RandomToken(32)
	return secret, store.Digest(secret)
}

// NewOIDCClient checks a registration and returns the client to store and, for a
// confidential client, its secret (for a public one, ""). Spaces around the values are
// dropped and a URI given twice counts once.
func NewOIDCClient(id, name string, redirects, logouts []string, public bool, now time.Time) (store.OIDCClient, string, error) {
	c := store.OIDCClient{ID: strings.TrimSpace(id), Name: strings.TrimSpace(name), Public: public, CreatedAt: now}
	if err := checkClientID(c.ID); err != nil {
		return c, "", err
	}
	if err := checkClientName(c.Name); err != nil {
		return c, "", err
	}
	var err error
	if c.RedirectURIs, err = clientURIs(redirects, i18n.Msg("Địa chỉ chuyển hướng (redirect URI)"), "redirect URI"); err != nil {
		return c, "", err
	}
	if len(c.RedirectURIs) == 0 {
		return c, "", clientRefusal(i18n.Msg("Vui lòng nhập ít nhất một địa chỉ chuyển hướng (redirect URI)."), "at least one redirect URI is required")
	}
	if c.PostLogoutRedirectURIs, err = clientURIs(logouts, i18n.Msg("Địa chỉ sau khi đăng xuất (post-logout redirect URI)"), "post-logout redirect URI"); err != nil {
		return c, "", err
	}
	var secret string
	if !public {
		secret, c.SecretHash = NewClientSecret()
	}
	return c, secret, nil
}

func clientRefusal(msg i18n.Message, why string) *Error {
	return clientError(http.StatusBadRequest, "invalid_client_registration", msg, why)
}

// clientError is a refusal of the client rules: msg in Vietnamese in Msg, and in the cause.
func clientError(status int, code string, msg i18n.Message, why string) *Error {
	return &Error{Status: status, Code: code, Msg: msg.String(), Err: clientCause{why: why, msg: msg}}
}

// clientCause is why a client rule refused, in English for the log; it wraps the message the
// operator reads, so a page finds it in its own language.
type clientCause struct {
	why string
	msg i18n.Message
}

func (e clientCause) Error() string { return e.why }
func (e clientCause) Unwrap() error { return e.msg }

func checkClientID(id string) error {
	switch {
	case id == "":
		return clientRefusal(i18n.Msg("Vui lòng nhập mã ứng dụng (client_id)."), "client id is required")
	case !clientIDPattern.MatchString(id):
		return clientRefusal(i18n.Msg("Mã ứng dụng (client_id) dài 3–64 ký tự, chỉ gồm chữ thường không dấu (a–z), chữ số và các dấu . _ -, bắt đầu bằng chữ hoặc số."),
			fmt.Sprintf("client id %q must match %s", id, clientIDPattern))
	case IsBuiltinClient(id):
		return clientRefusal(i18n.Msg("Mã ứng dụng %q là của một ứng dụng có sẵn. Vui lòng chọn mã khác.", id),
			fmt.Sprintf("client id %q is built in", id))
	}
	return nil
}

func checkClientName(name string) error {
	switch {
	case name == "":
		return clientRefusal(i18n.Msg("Vui lòng nhập tên dịch vụ: công dân sẽ thấy tên này khi đăng nhập."), "name is required")
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return clientRefusal(i18n.Msg("Tên dịch vụ chứa ký tự không hợp lệ."), "name is not UTF-8 or contains control characters")
	case utf8.RuneCountInString(name) > maxClientNameLen:
		return clientRefusal(i18n.Msg("Tên dịch vụ dài tối đa %d ký tự.", maxClientNameLen),
			fmt.Sprintf("name longer than %d characters", maxClientNameLen))
	}
	return nil
}

// clientURIs checks a list of redirect URIs (what names them in messages: name, and en for
// the log), dropping empty entries and repeats.
func clientURIs(raw []string, name i18n.Message, en string) ([]string, error) {
	var out []string
	for _, u := range raw {
		if u = strings.TrimSpace(u); u == "" || slices.Contains(out, u) {
			continue
		}
		if why, reason := checkClientURI(u); why != "" {
			return nil, clientRefusal(i18n.Msg("%s %q không hợp lệ: %s.", name, u, reason), fmt.Sprintf("%s %q %s", en, u, why))
		}
		out = append(out, u)
	}
	if len(out) > maxClientURIs {
		return nil, clientRefusal(i18n.Msg("%s: tối đa %d địa chỉ.", name, maxClientURIs), fmt.Sprintf("more than %d %ss", maxClientURIs, en))
	}
	return out, nil
}

// checkClientURI says why u cannot be registered (in English for the log, and as the message's
// reason), or "" when it can. The provider compares redirect URIs exactly, so what is registered is what the client
// must send: an absolute URI (http on any host, for this offline appliance; https; a native
// app's own scheme such as com.example.app:/cb) without fragment (RFC 6749 §3.1.2), without
// wildcard, and with nothing a browser would execute or that hides the real host.
func checkClientURI(u string) (why string, reason i18n.Message) {
	if len(u) > maxClientURILength {
		return fmt.Sprintf("is longer than %d bytes", maxClientURILength), i18n.Msg("dài quá %d ký tự", maxClientURILength)
	}
	if !utf8.ValidString(u) || strings.ContainsFunc(u, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return "contains spaces or control characters", i18n.Msg("không được chứa khoảng trắng hay ký tự điều khiển")
	}
	if strings.Contains(u, "#") {
		return "has a fragment", i18n.Msg("không được chứa phần # (fragment)")
	}
	if strings.Contains(u, "*") {
		return "contains a wildcard", i18n.Msg("không được chứa ký tự đại diện *: địa chỉ phải khớp chính xác")
	}
	p, err := url.Parse(u)
	if err != nil || !p.IsAbs() || !strings.HasPrefix(u, p.Scheme+":") {
		return "is not an absolute URI with a lower-case scheme",
			i18n.Msg("phải là địa chỉ đầy đủ bắt đầu bằng http://, https:// hoặc scheme riêng của ứng dụng (chữ thường, như com.example.app:/cb)")
	}
	switch p.Scheme {
	case "javascript", "data", "vbscript", "file", "blob", "about":
		return "has a scheme browsers execute or read locally", i18n.Msg("không được dùng scheme %s:", p.Scheme)
	case "http", "https":
		if p.Host == "" || p.Hostname() == "" {
			return "has no host", i18n.Msg("thiếu tên máy chủ (host)")
		}
	}
	if p.User != nil {
		return "carries user information", i18n.Msg("không được chứa tên người dùng hay mật khẩu (phần user@)")
	}
	return "", i18n.Message{}
}

// RegisterOIDCClient stores a client NewOIDCClient built; a *Error when its id is taken.
func RegisterOIDCClient(ctx context.Context, st *store.Store, c store.OIDCClient) error {
	err := st.CreateOIDCClient(ctx, c)
	if errors.Is(err, store.ErrConflict) {
		return clientError(http.StatusConflict, "client_id_taken",
			i18n.Msg("Mã ứng dụng %q đã được dùng cho một ứng dụng khác. Vui lòng chọn mã khác.", c.ID),
			fmt.Sprintf("client id %q is taken", c.ID))
	}
	return err
}

// RotateOIDCClientSecret gives a registered confidential client a new secret and returns it;
// the old one stops working at once. A *Error for a built-in, unknown or public client.
func RotateOIDCClientSecret(ctx context.Context, st *store.Store, id string, now time.Time) (string, error) {
	if IsBuiltinClient(id) {
		return "", builtinClient(id)
	}
	secret, digest := NewClientSecret()
	err := st.RotateOIDCClientSecret(ctx, id, digest, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", unknownClient(id)
	case errors.Is(err, store.ErrConflict):
		return "", clientError(http.StatusBadRequest, "public_client",
			i18n.Msg("Ứng dụng %q là ứng dụng công khai (public): không có khóa bí mật để đổi.", id),
			fmt.Sprintf("client %q is public: it has no secret", id))
	case err != nil:
		return "", err
	}
	return secret, nil
}

// RemoveOIDCClient removes a registered client with its tokens and grants. A *Error for a
// built-in or unknown client.
func RemoveOIDCClient(ctx context.Context, st *store.Store, id string, now time.Time) (store.OIDCClientRemoval, error) {
	if IsBuiltinClient(id) {
		return store.OIDCClientRemoval{}, builtinClient(id)
	}
	r, err := st.DeleteOIDCClient(ctx, id, now)
	if errors.Is(err, store.ErrNotFound) {
		return r, unknownClient(id)
	}
	return r, err
}

func builtinClient(id string) *Error {
	return clientError(http.StatusBadRequest, "builtin_client",
		i18n.Msg("Ứng dụng %q có sẵn trong hệ thống: không thể xóa hay đổi khóa bí mật.", id),
		fmt.Sprintf("client %q is built in", id))
}

func unknownClient(id string) *Error {
	return clientError(http.StatusNotFound, "not_found",
		i18n.Msg("Không có ứng dụng tích hợp nào với mã %q.", id), fmt.Sprintf("no registered client %q", id))
}
