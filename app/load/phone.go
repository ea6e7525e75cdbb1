package load

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"dvclogin/app/client"
)

// phone is the citizen's one phone. The app allows one device at a time: an app login
// ends the previous app session, and a QR confirm signs the app out. So the direct logins
// share one app session to read their codes, and each QR login takes the phone for itself
// (app login, scan, confirm) while nobody else may log in to the app.
type phone struct {
	run   *runner
	app   *client.Phone // its device key is the phone's that holds the citizen's SIM
	mu    sync.RWMutex  // readers: code reads with the shared token; writer: an app login and its use
	token string        // the shared app session for reading codes; "" when it ended

	codes   sync.Mutex
	claimed map[string]bool // codes a login holds or used (and those older than the run)
}

// markOld logs in to the app and claims the codes already on the phone.
func (p *phone) markOld(ctx context.Context) error {
	msgs, err := p.messages(ctx)
	if err != nil {
		return err
	}
	p.codes.Lock()
	defer p.codes.Unlock()
	for _, m := range msgs {
		if code := sixDigits.FindString(m.Body); code != "" {
			p.claimed[code] = true
		}
	}
	return nil
}

// claimCode returns the newest unclaimed code on the phone that was sent before this
// browser's password step answered (its own code was sent before that answer; server and
// driver share this machine's clock). tried are codes that proved to be another login's. When
// every such code is held by another login for now, it waits: a held code is soon used or
// handed back. If the server's clock is not this machine's (a test's fake clock), the send
// times say nothing and the newest unclaimed code is taken.
func (p *phone) claimCode(ctx context.Context, answered time.Time, tried map[string]bool) (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := p.messages(ctx)
		if err != nil {
			return "", err
		}
		sameClock := len(msgs) > 0 && time.Since(msgs[0].SentAt).Abs() < time.Minute
		p.codes.Lock()
		pick := ""
		for _, m := range msgs {
			code := sixDigits.FindString(m.Body)
			if code == "" || p.claimed[code] || tried[code] || (sameClock && m.SentAt.After(answered)) {
				continue
			}
			pick = code
			break
		}
		if pick != "" {
			p.claimed[pick] = true
		}
		p.codes.Unlock()
		if pick != "" {
			return pick, nil
		}
		select {
		case <-ctx.Done():
			return "", p.run.fail("read_code", errors.New("cancelled"))
		case <-time.After(20 * time.Millisecond):
		}
	}
	return "", p.run.fail("read_code", errors.New("no unclaimed code on the phone"))
}

func (p *phone) release(code string) {
	p.codes.Lock()
	delete(p.claimed, code)
	p.codes.Unlock()
}

// messages reads the phone's messages with the shared app session. When a QR login ended that
// session, it logs in again and reads while holding the phone, so a stream of QR logins
// cannot end the new session before it was used.
func (p *phone) messages(ctx context.Context) ([]client.Message, error) {
	p.mu.RLock()
	token := p.token
	if token != "" {
		msgs, err := p.read(ctx, token)
		p.mu.RUnlock()
		if !signedOut(err) {
			return msgs, p.failed(err)
		}
	} else {
		p.mu.RUnlock()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.token == "" || p.token == token {
		t, err := p.login(ctx)
		if err != nil {
			return nil, err
		}
		p.token = t
	}
	msgs, err := p.read(ctx, p.token)
	if signedOut(err) {
		return nil, p.run.fail("read_code", errors.New("a fresh app session was refused"))
	}
	return msgs, p.failed(err)
}

// read reads the messages, timed as a step.
func (p *phone) read(ctx context.Context, token string) ([]client.Message, error) {
	t0 := time.Now()
	msgs, err := p.app.Messages(ctx, token)
	if err == nil {
		p.run.stats.add("read_code", time.Since(t0))
	}
	return msgs, err
}

// signedOut: the shared session ended (a QR login signed the app out), which is no failure.
func signedOut(err error) bool {
	var ae *client.APIError
	return errors.As(err, &ae) && ae.Status == http.StatusUnauthorized
}

func (p *phone) failed(err error) error {
	if err == nil {
		return nil
	}
	return p.run.fail("read_code", err)
}

// exclusive logs in to the app for one QR login and runs fn with that session while no other
// app login may happen; the shared session ended with this login.
func (p *phone) exclusive(ctx context.Context, fn func(token string) error) error {
	t0 := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.run.stats.add("phone_wait", time.Since(t0))
	token, err := p.login(ctx)
	p.token = ""
	if err != nil {
		return err
	}
	return fn(token)
}

func (p *phone) login(ctx context.Context) (string, error) {
	t0 := time.Now()
	s, err := p.app.Login(ctx, p.run.cfg.IDNumber, p.run.cfg.Password, "")
	var ae *client.APIError
	if errors.As(err, &ae) && ae.Code == "activation_required" {
		err = errors.New("activation_required: this phone does not hold the citizen's SIM (pass -device-key of the phone that does, or start on fresh data)")
	}
	if err != nil {
		return "", p.run.fail("app_login", err)
	}
	p.run.stats.add("app_login", time.Since(t0))
	return s.Token, nil
}
