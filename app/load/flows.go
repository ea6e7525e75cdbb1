package load

import (
	"context"
	"errors"
	"net/http"
	"time"

	"dvclogin/app/client"
)

// directLogin is seed flow 2 for demo-app: authorize -> login page -> số định danh + mật
// khẩu -> the SMS code read on the citizen's phone -> callback -> token.
func (r *runner) directLogin(ctx context.Context, c *citizen) error {
	t0 := time.Now()
	b, a := r.browser(), client.NewAuthorization()
	defer done(b)
	lp, err := r.openLogin(ctx, b, a)
	if err != nil {
		return err
	}
	t := time.Now()
	p, err := b.PasswordStep(ctx, lp, c.idNumber, c.password)
	if err != nil {
		return r.fail("password", err)
	}
	if p.Resp.StatusCode != http.StatusSeeOther {
		return r.fail("password", &client.UnexpectedError{Want: "303 to the code step", Page: p})
	}
	r.stats.add("password", time.Since(t))

	t = time.Now()
	codePage, err := b.CodeStep(ctx, p)
	if err != nil {
		return r.fail("code_page", err)
	}
	r.stats.add("code_page", time.Since(t))

	code, err := r.readCode(ctx, c)
	if err != nil {
		return err
	}
	t = time.Now()
	if p, err = b.SubmitCode(ctx, codePage, code); err != nil {
		return r.fail("code", err)
	}
	if p.Resp.StatusCode != http.StatusSeeOther {
		return r.fail("code", &client.UnexpectedError{Want: "303 on to the client", Page: p})
	}
	if p, err = b.Follow(ctx, p); err != nil {
		return r.fail("code", err)
	}
	r.stats.add("code", time.Since(t))
	if err := r.redeem(ctx, "code", p.URL, a, c); err != nil {
		return err
	}
	r.stats.add("login (direct)", time.Since(t0))
	r.stats.completed.Add(1)
	r.stats.completedDirect.Add(1)
	return nil
}

// qrLogin is seed flow 1 for demo-app: the desktop starts a QR login and follows its events;
// the citizen's phone logs in to the app, scans and confirms with the passcode; the desktop
// follows the redirect to the callback and redeems the code.
func (r *runner) qrLogin(ctx context.Context, c *citizen) error {
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
	c.token = "" // the app login below ends the kept session, and the confirm signs the app out
	token, err := r.appLogin(ctx, c)
	if err != nil {
		return err
	}
	sent, answered, err := r.scanConfirm(ctx, c, token, l.QR, l.ID)
	if err != nil {
		return err
	}
	redirect, err := r.confirmed(stream, sent, answered)
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
	if err := r.redeem(ctx, "finish", p.URL, a, c); err != nil {
		return err
	}
	r.stats.add("login (qr)", time.Since(t0))
	r.stats.completed.Add(1)
	r.stats.completedQR.Add(1)
	return nil
}

// scanConfirm scans the QR with the citizen's app session and confirms with the passcode (the
// second hash of a QR login); it returns when the confirm was sent and when it was answered.
// wantID, if set, is the login the QR must name.
func (r *runner) scanConfirm(ctx context.Context, c *citizen, token, qr, wantID string) (sent, answered time.Time, err error) {
	t := time.Now()
	req, err := c.app.Scan(ctx, token, qr)
	if err != nil {
		return sent, answered, r.fail("scan", err)
	}
	if wantID != "" && req.ID != wantID {
		return sent, answered, r.fail("scan", errors.New("the QR names another login"))
	}
	r.stats.add("scan", time.Since(t))
	sent = time.Now()
	d, err := c.app.Confirm(ctx, token, req.ID, c.passcode)
	if err != nil {
		return sent, answered, r.fail("confirm", err)
	}
	answered = time.Now()
	if d.State != "confirmed" || !d.SignedOut {
		return sent, answered, r.fail("confirm", errors.New("answer is not confirmed+signed_out"))
	}
	r.stats.add("confirm", answered.Sub(sent))
	return sent, answered, nil
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
