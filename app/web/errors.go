package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
)

// Error is what handlers return when a request fails. Only Msg (and Code, for JSON) reaches
// the user; Err is logged and never shown.
type Error struct {
	Status     int
	Code       string // machine code for JSON clients, e.g. "invalid_credentials"
	Msg        string // Vietnamese text the user sees: a catalog key, shown in the request's language
	Args       []any  // for Msg's verbs, if it has any
	Err        error  // cause, for the log only
	RetryAfter int    // seconds, for 429 and 503
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Text is the message the user sees, in l. A refusal whose cause carries its message (a rule
// of a package without a request: Msg is that message already in Vietnamese) reads it in l.
func (e *Error) Text(l i18n.Lang) string {
	var m i18n.Message
	if len(e.Args) == 0 && errors.As(e.Err, &m) && m.In(i18n.Vi) == e.Msg {
		return m.In(l)
	}
	return i18n.Msg(e.Msg, e.Args...).In(l)
}

// Generic user-facing messages.
const (
	MsgInternal   = "Hệ thống đang bận hoặc gặp sự cố. Vui lòng thử lại sau."
	MsgNotFound   = "Không tìm thấy trang hoặc dữ liệu yêu cầu."
	MsgForbidden  = "Yêu cầu không hợp lệ hoặc đã hết hạn. Vui lòng tải lại trang và thử lại."
	MsgBusy       = "Hệ thống đang xử lý nhiều yêu cầu. Vui lòng thử lại sau ít giây."
	MsgBadRequest = "Dữ liệu gửi lên không hợp lệ."
)

// ErrorPage is the page shown for a failed HTML request.
type ErrorPage struct {
	Page
	Status  int
	Message string
}

// ErrorHandler is the one place that turns a returned error into a response. The errors of
// the routes in oauthRoutes are OAuth error JSON (RFC 6749 §5.2) even when the request is
// refused before its handler runs (a body over the size limit); the map is filled while routes
// are registered and only read afterwards.
func ErrorHandler(log *slog.Logger, render *Renderer, oauthRoutes map[string]bool) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
			// The client went away (a closed tab, an aborted poll): nobody to answer, nothing
			// went wrong on our side.
			return
		}
		we := toWebError(err)
		req := c.Request()
		if we.Status >= 500 {
			log.Error("request failed", "method", req.Method, "path", req.URL.Path,
				"status", we.Status, "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		} else if we.Err != nil {
			log.Info("request refused", "method", req.Method, "path", req.URL.Path,
				"status", we.Status, "code", we.Code, "err", we.Err)
		}
		setRetryAfter(c, we)
		if oauthRoutes[c.Path()] {
			c.JSON(we.Status, map[string]string{"error": oauthCode(we)})
			return
		}
		if wantsJSON(c) {
			code := we.Code
			if code == "" {
				code = strings.ToLower(strings.ReplaceAll(http.StatusText(we.Status), " ", "_"))
			}
			c.JSON(we.Status, map[string]any{"error": map[string]string{"code": code, "message": we.Text(Lang(c))}})
			return
		}
		NoStore(c)
		if rerr := render.Page(c, we.Status, "error", &ErrorPage{Page: NewPage(c, "Lỗi"), Status: we.Status, Message: we.Text(Lang(c))}); rerr != nil {
			c.String(we.Status, we.Text(Lang(c)))
		}
	}
}

// DefaultRetryAfter is the Retry-After, in seconds, of a 429 or 423 whose handler named no
// wait of its own.
const DefaultRetryAfter = 60

// Refusal finds the *Error in err and copies its Retry-After onto the response. Handlers that
// show a refusal inside their own page (the login form with its message) rather than the error
// page use it, so the header is not lost on the way.
func Refusal(c echo.Context, err error) (*Error, bool) {
	var we *Error
	if !errors.As(err, &we) {
		return nil, false
	}
	setRetryAfter(c, we)
	return we, true
}

func setRetryAfter(c echo.Context, we *Error) {
	if we.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(we.RetryAfter))
	}
}

// SetRetryAfter sets Retry-After to d in whole seconds, rounded up, at least one.
func SetRetryAfter(c echo.Context, d time.Duration) {
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int((d+time.Second-1)/time.Second))))
}

// RetryAfterMiddleware makes sure every 429 (too many requests) and 423 (locked) carries
// Retry-After, however the response is written (error page, JSON, a form re-rendered with its
// message): a handler that named no wait gets DefaultRetryAfter, so a client always learns
// when to come back instead of retrying at once.
func RetryAfterMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		res.Before(func() {
			if (res.Status == http.StatusTooManyRequests || res.Status == http.StatusLocked) && res.Header().Get("Retry-After") == "" {
				res.Header().Set("Retry-After", strconv.Itoa(DefaultRetryAfter))
			}
		})
		return next(c)
	}
}

// oauthCode is the OAuth error code for a refusal at an OAuth endpoint; the Vietnamese
// message is left out, since error_description is ASCII (RFC 6749 §5.2).
func oauthCode(we *Error) string {
	switch {
	case we.Status >= 500:
		return "server_error"
	case we.Code == "invalid_client" || we.Code == "invalid_grant" || we.Code == "unsupported_grant_type":
		return we.Code
	}
	return "invalid_request"
}

func toWebError(err error) *Error {
	var we *Error
	if errors.As(err, &we) {
		if we.Msg == "" {
			we.Msg = MsgInternal
		}
		return we
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			return &Error{Status: he.Code, Code: "not_found", Msg: MsgNotFound, Err: err}
		case http.StatusRequestEntityTooLarge:
			// bad_request, not a code of its own: the phone app knows only the documented
			// codes (CONTRACT.md "Phone API"), and to it an oversized body is a bad one.
			return &Error{Status: he.Code, Code: "bad_request", Msg: MsgBadRequest, Err: err}
		case http.StatusForbidden:
			return &Error{Status: he.Code, Code: "forbidden", Msg: MsgForbidden, Err: err}
		}
		if he.Code < 500 {
			return &Error{Status: he.Code, Code: "bad_request", Msg: MsgBadRequest, Err: err}
		}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Msg: MsgInternal, Err: err}
}

func wantsJSON(c echo.Context) bool {
	r := c.Request()
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	if strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		return true
	}
	accept := r.Header.Get(echo.HeaderAccept)
	return strings.Contains(accept, "application/json") || strings.Contains(accept, "text/event-stream")
}

// Bind decodes the request body into v; a body that does not decode is the client's mistake
// and answers 400 bad_request.
func Bind(c echo.Context, v any) error {
	if err := c.Bind(v); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: MsgBadRequest, Err: err}
	}
	return nil
}
