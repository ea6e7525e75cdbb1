package idp

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

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
	now, lim := p.d.Now(), p.d.Limits
	if m.Channel == "" {
		m.Channel = "sms"
	}
	if m.Channel == "sms" {
		err := p.d.Store.ReserveSMS(ctx, cit.ID, c.RealIP(), m.Purpose, now, store.SMSBudget{
			AccountMax: lim.SMSAccountMax, AccountWindow: lim.SMSAccountWindow,
			AccountHourMax: lim.SMSAccountHourMax, IPHourMax: lim.SMSIPHourMax})
		var le *store.LimitError
		if errors.As(err, &le) {
			wait := le.FreeAt.Sub(now)
			msg := fmt.Sprintf(msgSMSAccountFmt, minutes(wait))
			if le.Limit == 2 {
				msg = fmt.Sprintf(msgSMSIPFmt, minutes(wait))
			}
			p.record(ctx, store.Attempt{IP: c.RealIP(), IDNumber: cit.IDNumber, CitizenID: cit.ID, Kind: "sms_refused",
				Reason: m.Purpose})
			return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Msg: msg,
				RetryAfter: seconds(wait), Err: fmt.Errorf("sms budget %d full for %s from %s", le.Limit, cit.ID, c.RealIP())}
		}
		if err != nil {
			return err
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
