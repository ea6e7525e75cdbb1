package load

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// phone is the citizen's one phone. The app allows one device at a time: an app login
// ends the previous app session, and a QR confirm signs the app out. So the direct logins
// share one app session to read their codes, and each QR login takes the phone for itself
// (app login, scan, confirm) while nobody else may log in to the app.
type phone struct {
	run    *runner
	client *http.Client
	mu     sync.RWMutex // readers: code reads with the shared token; writer: an app login and its use
	token  string       // the shared app session for reading codes; "" when it ended

	codes   sync.Mutex
	claimed map[string]bool // codes a login holds or used (and those older than the run)

	keyMu     sync.Mutex
	deviceKey string // sent as X-Device-Key: this phone is the one that holds the citizen's SIM
}

func (p *phone) key() string {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	return p.deviceKey
}

type message struct {
	Body   string    `json:"body"`
	SentAt time.Time `json:"sent_at"`
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
			return "", p.run.fail("read_code", nil, "cancelled")
		case <-time.After(20 * time.Millisecond):
		}
	}
	return "", p.run.fail("read_code", nil, "no unclaimed code on the phone")
}

func (p *phone) release(code string) {
	p.codes.Lock()
	delete(p.claimed, code)
	p.codes.Unlock()
}

// messages reads the phone's messages with the shared app session. When a QR login ended that
// session, it logs in again and reads while holding the phone, so a stream of QR logins
// cannot end the new session before it was used.
func (p *phone) messages(ctx context.Context) ([]message, error) {
	p.mu.RLock()
	token := p.token
	if token != "" {
		msgs, err := p.read(ctx, token)
		p.mu.RUnlock()
		var se *stepError
		if !errors.As(err, &se) || se.status != http.StatusUnauthorized {
			return msgs, err
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
	var se *stepError
	if errors.As(err, &se) && se.status == http.StatusUnauthorized {
		return nil, p.run.fail("read_code", nil, "a fresh app session was refused")
	}
	return msgs, err
}

func (p *phone) read(ctx context.Context, token string) ([]message, error) {
	var out struct {
		Messages []message `json:"messages"`
	}
	err := p.call(ctx, "read_code", token, "/messages", nil, &out)
	return out.Messages, err
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
	var out struct {
		Token     string `json:"token"`
		DeviceKey string `json:"device_key"`
	}
	err := p.call(ctx, "app_login", "", "/login", map[string]string{"id_number": p.run.cfg.IDNumber, "password": p.run.cfg.Password}, &out)
	if err != nil {
		return "", err
	}
	if out.DeviceKey != "" {
		p.keyMu.Lock()
		p.deviceKey = out.DeviceKey
		p.keyMu.Unlock()
	}
	if out.Token == "" {
		return "", p.run.fail("app_login", nil, "no token")
	}
	p.run.stats.add("app_login", time.Since(t0))
	return out.Token, nil
}

// call sends one phone API call (step names its latency and errors) and decodes a 200 answer.
func (p *phone) call(ctx context.Context, step, token, path string, in, out any) error {
	t0 := time.Now()
	method := http.MethodGet
	var body io.Reader
	if in != nil {
		raw, _ := json.Marshal(in)
		method, body = http.MethodPost, strings.NewReader(string(raw))
	}
	req, err := http.NewRequestWithContext(ctx, method, p.run.base+"/api/mobile/v1"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if k := p.key(); k != "" {
		req.Header.Set("X-Device-Key", k)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return p.run.fail(step, nil, errKind(err))
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	p.run.stats.status(resp.StatusCode)
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode == http.StatusUnauthorized && step == "read_code" {
			return &stepError{step: step, status: resp.StatusCode} // the shared session ended: not a failure
		}
		if resp.StatusCode == http.StatusForbidden && step == "app_login" {
			return p.run.fail(step, resp, "activation_required: this phone does not hold the citizen's SIM (pass -device-key of the phone that does, or start on fresh data)")
		}
		return p.run.fail(step, resp, "")
	}
	if out != nil && json.Unmarshal(raw, out) != nil {
		return p.run.fail(step, nil, "answer does not parse")
	}
	if step != "app_login" { // login adds it once it has the token
		p.run.stats.add(step, time.Since(t0))
	}
	return nil
}
