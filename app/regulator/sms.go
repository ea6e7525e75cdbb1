package regulator

import (
	"context"
	"errors"

	"dvclogin/store"
)

// SMS takes one SMS to citizen a.CitizenID, set off by client a.IP, out of the SMS budget
// before it is sent, whatever it carries (a login code, a resend, an activation code, a lock
// notice): counted and recorded in one store transaction, so parallel sends cannot together
// exceed it. Over SMSAccountMax in SMSAccountWindow or SMSAccountHourMax in an hour for the
// account it is Limited (Account), over SMSIPHourMax in an hour from the client Limited
// (Client); the refusal is logged. purpose names what the SMS carries.
func (r *Regulator) SMS(ctx context.Context, a Attempt, purpose string) (Verdict, error) {
	lim := r.limits
	err := r.store.ReserveSMS(ctx, a.CitizenID, a.IP, purpose, a.At, store.SMSBudget{
		AccountMax: lim.SMSAccountMax, AccountWindow: lim.SMSAccountWindow,
		AccountHourMax: lim.SMSAccountHourMax, IPHourMax: lim.SMSIPHourMax})
	var full *store.LimitError
	if errors.As(err, &full) {
		r.note(ctx, a.entry("sms_refused", false, purpose))
		scope := Account
		if full.Limit == store.SMSClientLimit {
			scope = Client
		}
		return limitedUntil(scope, full.FreeAt, a.At), nil
	}
	if err != nil {
		return Verdict{}, err
	}
	return Verdict{Kind: Allowed}, nil
}
