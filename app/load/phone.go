package load

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"dvclogin/app/client"
)

// Each citizen has one phone. The app allows one device at a time and a QR confirm signs the
// app out, so a citizen's direct logins read their codes with one app session kept across
// logins (made again only when it ended), and each QR login logs in to the app for itself.
// The lease keeps one citizen's logins from overlapping, so the newest unused code on the
// phone is always the login's own.

// appLogin logs the citizen in to the app on its phone: one password hash on the server.
func (r *runner) appLogin(ctx context.Context, c *citizen) (string, error) {
	t0 := time.Now()
	s, err := c.app.Login(ctx, c.idNumber, c.password, "")
	var ae *client.APIError
	if errors.As(err, &ae) && ae.Code == "activation_required" {
		err = errors.New("activation_required: this phone does not hold the citizen's SIM (keep the -devices file of the run that first logged these citizens in, or generate new citizens)")
	}
	if err != nil {
		return "", r.fail("app_login", err)
	}
	r.stats.add("app_login", time.Since(t0))
	return s.Token, nil
}

// messages reads the citizen's phone with its kept app session, logging in again when there is
// none or it ended (a QR confirm, or a run that left it to expire).
func (r *runner) messages(ctx context.Context, c *citizen) ([]client.Message, error) {
	if c.token != "" {
		msgs, err := r.read(ctx, c)
		if !signedOut(err) {
			return msgs, r.failed(err)
		}
	}
	token, err := r.appLogin(ctx, c)
	if err != nil {
		return nil, err
	}
	c.token = token
	r.stats.readLogins.Add(1)
	msgs, err := r.read(ctx, c)
	if signedOut(err) {
		return nil, r.fail("read_code", errors.New("a fresh app session was refused"))
	}
	return msgs, r.failed(err)
}

func (r *runner) read(ctx context.Context, c *citizen) ([]client.Message, error) {
	t0 := time.Now()
	msgs, err := c.app.Messages(ctx, c.token)
	if err == nil {
		r.stats.add("read_code", time.Since(t0))
	}
	return msgs, err
}

// politely runs step, and again after the wait a 429 asks for, as a phone would (at most 10 times).
func (r *runner) politely(ctx context.Context, step func() error) error {
	for tries := 1; ; tries++ {
		err := step()
		var se *stepError
		if tries == 10 || !errors.As(err, &se) || se.status != http.StatusTooManyRequests {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(max(se.retryAfter, 1)) * time.Second):
		}
	}
}

// markOld sets aside the codes already on the citizen's phone: every code that arrives from
// now on belongs to a login of this run.
func (r *runner) markOld(ctx context.Context, c *citizen) error {
	msgs, err := r.messages(ctx, c)
	if err != nil {
		return err
	}
	c.used = map[string]bool{}
	for _, m := range msgs {
		if code := sixDigits.FindString(m.Body); code != "" {
			c.used[code] = true
		}
	}
	return nil
}

// readCode returns the newest code on the phone that no login used: this login's own, since
// nobody else logs this citizen in meanwhile. It waits a little for the SMS to arrive.
func (r *runner) readCode(ctx context.Context, c *citizen) (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := r.messages(ctx, c)
		if err != nil {
			return "", err
		}
		for _, m := range msgs {
			if code := sixDigits.FindString(m.Body); code != "" && !c.used[code] {
				c.used[code] = true
				return code, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", r.fail("read_code", errors.New("cancelled"))
		case <-time.After(20 * time.Millisecond):
		}
	}
	return "", r.fail("read_code", errors.New("no new code on the phone"))
}

// signedOut: the kept session ended (a QR login signed the app out), which is no failure.
func signedOut(err error) bool {
	var ae *client.APIError
	return errors.As(err, &ae) && ae.Status == http.StatusUnauthorized
}

func (r *runner) failed(err error) error {
	if err == nil {
		return nil
	}
	return r.fail("read_code", err)
}

// warmUp gives every citizen that does direct logins an app session to read codes with and
// sets aside the codes already on its phone, a few at a time, before the clock starts: a
// session kept from an earlier run (-devices) costs a read, a new one an app login.
func (r *runner) warmUp(ctx context.Context) error {
	var todo []*citizen
	for _, c := range r.pool.all {
		if !c.qr {
			todo = append(todo, c)
		}
	}
	work := make(chan *citizen)
	errs := make(chan error, len(todo))
	var wg sync.WaitGroup
	for range min(4, len(todo)) {
		wg.Go(func() {
			for c := range work {
				if err := r.politely(ctx, func() error { return r.markOld(ctx, c) }); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, c := range todo {
		work <- c
	}
	close(work)
	wg.Wait()
	close(errs)
	return <-errs
}
