package idp

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/regulator"
	"dvclogin/app/web"
	"dvclogin/store"
)

// Messages of the SMS budget.
const (
	msgSMSAccountFmt = "Số điện thoại của bạn đã nhận quá nhiều tin nhắn SMS trong thời gian ngắn. Vui lòng thử lại sau %d phút."
	msgSMSIPFmt      = "Có quá nhiều yêu cầu gửi tin nhắn SMS từ địa chỉ mạng của bạn. Vui lòng thử lại sau %d phút."
)

// sendSMS is the one way a message reaches a citizen's phone. An SMS (channel "sms", the
// default) first takes its place in the SMS budget: per account and per client IP, counted and
// recorded in one store transaction so that parallel sends cannot exceed it, whatever the SMS
// carries (a login code, a resend, a notice). Over budget it answers 429 rate_limited with
// Retry-After and sends nothing. In-app notices (channel "app") cost nothing and always go.
func (p *IdP) sendSMS(c echo.Context, cit store.Citizen, m store.Message) error {
	ctx := c.Request().Context()
	now := p.d.Now()
	if m.Channel == "" {
		m.Channel = "sms"
	}
	if m.Channel == "sms" {
		v, err := p.d.Regulator.SMS(ctx, p.attempt(c, cit), m.Purpose)
		if err != nil {
			return err
		}
		if v.Kind != regulator.Allowed {
			msg := msgSMSAccountFmt
			if v.Scope == regulator.Client {
				msg = msgSMSIPFmt
			}
			return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Msg: msg, Args: []any{minutes(v.RetryAfter)},
				RetryAfter: seconds(v.RetryAfter), Err: fmt.Errorf("sms budget of the %s full for %s from %s", v.Scope, cit.ID, c.RealIP())}
		}
	}
	if m.Sender == "" {
		m.Sender = "VNeID"
	}
	if m.Recipient == "" {
		m.Recipient = cit.Phone
	}
	if m.SentAt.IsZero() {
		m.SentAt = now
	}
	m.CitizenID = cit.ID
	return p.d.SMS.Send(ctx, m)
}
