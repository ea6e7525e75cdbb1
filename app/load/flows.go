package load

import (
	"context"
	"errors"
	"net/http"
	"time"

	"dvclogin/app/client"
)

// directLogin is seed flow 2 for demo-app: authorize -> login page -> số định danh + mật
// khẩu -> the SMS code read through the phone API -> callback -> token.
func (r *runner) directLogin(ctx context.Context) error {
	t0 := time.Now()
	b, a := r.browser(), client.NewAuthorization()
	defer done(b)
	lp, err := r.openLogin(ctx, b, a)
	if err != nil {
		return err
	}
	t := time.Now()
	p, err := b.PasswordStep(ctx, lp, r.cfg.IDNumber, r.cfg.Password)
	if err != nil {
		return r.fail("password", err)
	}
	answered := time.Now()
	if p.Resp.StatusCode != http.StatusSeeOther {
		return r.fail("password", &client.UnexpectedError{Want: "303 to the code step", Page: p})
	}
	r.stats.add("password", answered.Sub(t))

	t = time.Now()
	codePage, err := b.CodeStep(ctx, p)
	if err != nil {
		return r.fail("code_page", err)
	}
	r.stats.add("code_page", time.Since(t))

	tried := map[string]bool{}
	for try := 0; ; try++ {
		code, err := r.phone.claimCode(ctx, answered, tried)
		if err != nil {
			return err
		}
		t = time.Now()
		p, err := b.SubmitCode(ctx, codePage, code)
		if err != nil {
			return r.fail("code", err)
		}
		if p.Resp.StatusCode == http.StatusUnauthorized && try+1 < maxCodeTries {
			// Another user's code: logins of one citizen overlap, so the newest code on the
			// phone is not always this browser's. Hand it back and take the next one.
			r.phone.release(code)
			tried[code] = true
			r.stats.codeRetries.Add(1)
			continue
		}
		if p.Resp.StatusCode != http.StatusSeeOther {
			r.phone.release(code)
			return r.fail("code", &client.UnexpectedError{Want: "303 on to the client", Page: p})
		}
		if p, err = b.Follow(ctx, p); err != nil {
			return r.fail("code", err)
		}
		r.stats.add("code", time.Since(t))
		if err := r.redeem(ctx, "code", p.URL, a); err != nil {
			return err
		}
		break
	}
	r.stats.add("login (direct)", time.Since(t0))
	r.stats.completed.Add(1)
	return nil
}

// qrLogin is seed flow 1 for demo-app: the desktop starts a QR login and follows its events;
// the phone logs in to the app, scans and confirms with the passcode; the desktop follows the
// redirect to the callback and redeems the code.
func (r *runner) qrLogin(ctx context.Context) error {
	t0 := time.Now()
	b, a := r.browser(), client.NewAuthorization()
	defer done(b)
	lp, err := r.openLogin(ctx, b, a)
	if err != nil {
		return err
	}
	t := time.Now()
	l, err := b.StartQR(ctx, lp)
	if err != nil {
		return r.fail("qr_start", err)
	}
	r.stats.add("qr_start", time.Since(t))

	lctx, cancel := context.WithTimeout(ctx, 2*time.Minute) // a QR login lives 120 s
	defer cancel()
	stream, err := b.Events(lctx, l.EventsURL)
	if err != nil {
		return r.fail("qr_events", err)
	}
	defer stream.Close()
	var confirmSent, confirmAnswered time.Time
	err = r.phone.exclusive(ctx, func(token string) error {
		t := time.Now()
		if _, err := r.phone.app.Scan(ctx, token, l.QR); err != nil {
			return r.fail("scan", err)
		}
		r.stats.add("scan", time.Since(t))
		confirmSent = time.Now()
		d, err := r.phone.app.Confirm(ctx, token, l.ID, r.cfg.Passcode)
		if err != nil {
			return r.fail("confirm", err)
		}
		confirmAnswered = time.Now()
		if d.State != "confirmed" || !d.SignedOut {
			return r.fail("confirm", errors.New("answer is not confirmed+signed_out"))
		}
		r.stats.add("confirm", confirmAnswered.Sub(confirmSent))
		return nil
	})
	if err != nil {
		return err
	}
	redirect, err := r.confirmed(stream, confirmSent, confirmAnswered)
	if err != nil {
		return err
	}
	stream.Close() // the stream is done with
	t = time.Now()
	p, err := b.FinishQR(ctx, redirect)
	if err != nil {
		return r.fail("finish", err)
	}
	r.stats.add("finish", time.Since(t))
	if err := r.redeem(ctx, "finish", p.URL, a); err != nil {
		return err
	}
	r.stats.add("login (qr)", time.Since(t0))
	r.stats.completed.Add(1)
	return nil
}

// confirmed waits on the stream for the login's confirmed event and returns its redirect.
func (r *runner) confirmed(stream *client.Stream, confirmSent, confirmAnswered time.Time) (string, error) {
	for ev := range stream.Events {
		switch ev.Name {
		case "confirmed":
			var st client.QRStatus
			if ev.Decode(&st) != nil || st.Redirect == "" {
				return "", r.fail("notify", errors.New("no redirect in the confirmed event"))
			}
			// notify runs from the confirm call (it includes the passcode hash) to the
			// desktop's event; notify_lag from the confirm's answer, 0 if the event came first.
			r.stats.add("notify", ev.At.Sub(confirmSent))
			r.stats.add("notify_lag", max(ev.At.Sub(confirmAnswered), 0))
			return st.Redirect, nil
		case "denied", "expired", "cancelled":
			return "", r.fail("notify", errors.New("login ended "+ev.Name))
		}
	}
	return "", r.fail("notify", errors.New("no confirmed event with a redirect"))
}
