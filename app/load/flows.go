package load

import (
	"bufio"
	"context"
	"dvclogin/app/web"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// directLogin is seed flow 2 for demo-app: authorize -> login page -> số định danh + mật
// khẩu -> the SMS code read through the phone API -> callback -> token.
func (r *runner) directLogin(ctx context.Context) error {
	t0 := time.Now()
	b := r.browser()
	defer b.close()
	a := newAuthorization()
	page, at, err := b.openLogin(ctx, a)
	if err != nil {
		return err
	}
	form, ok := findForm(page, at, "password")
	if !ok {
		return r.fail("password", nil, "no password form")
	}
	form.Fields.Set("id_number", r.cfg.IDNumber)
	form.Fields.Set("password", r.cfg.Password)
	t := time.Now()
	resp, body, err := b.submit(ctx, form)
	if err != nil {
		return r.fail("password", nil, errKind(err))
	}
	answered := time.Now()
	if resp.StatusCode != http.StatusSeeOther {
		return r.fail("password", resp, "")
	}
	r.stats.add("password", answered.Sub(t))

	t = time.Now()
	resp, body, at, err = b.follow(ctx, resp, body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return r.fail("code_page", resp, "no code page")
	}
	codeForm, ok := findForm(string(body), at, "otp")
	if !ok {
		return r.fail("code_page", nil, "no otp form")
	}
	r.stats.add("code_page", time.Since(t))

	tried := map[string]bool{}
	for try := 0; ; try++ {
		code, err := r.phone.claimCode(ctx, answered, tried)
		if err != nil {
			return err
		}
		t = time.Now()
		codeForm.Fields.Set("otp", code)
		resp, body, err := b.submit(ctx, codeForm)
		if err != nil {
			return r.fail("code", nil, errKind(err))
		}
		if resp.StatusCode == http.StatusUnauthorized && try+1 < maxCodeTries {
			// Another user's code: logins of one citizen overlap, so the newest code on the
			// phone is not always this browser's. Hand it back and take the next one.
			r.phone.release(code)
			tried[code] = true
			r.stats.codeRetries.Add(1)
			continue
		}
		if resp.StatusCode != http.StatusSeeOther {
			r.phone.release(code)
			return r.fail("code", resp, "")
		}
		_, _, at, err = b.follow(ctx, resp, body)
		if err != nil {
			return r.fail("code", nil, err.Error())
		}
		r.stats.add("code", time.Since(t))
		break
	}
	code, err := r.callback("code", at, a)
	if err != nil {
		return err
	}
	if err := r.exchange(ctx, b, code, a); err != nil {
		return err
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
	b := r.browser()
	defer b.close()
	a := newAuthorization()
	page, _, err := b.openLogin(ctx, a)
	if err != nil {
		return err
	}
	csrf, arID := csrfMeta.FindStringSubmatch(page), authReqAttr.FindStringSubmatch(page)
	if csrf == nil || arID == nil {
		return r.fail("qr_start", nil, "login page lacks the csrf meta or data-auth-request")
	}
	t := time.Now()
	var start struct {
		ID        string `json:"id"`
		QR        string `json:"qr"`
		StatusURL string `json:"status_url"`
		EventsURL string `json:"events_url"`
	}
	resp, body, err := b.do(ctx, http.MethodPost, r.base+"/idp/qr/start", strings.NewReader(`{"auth_request":"`+arID[1]+`"}`),
		map[string]string{"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf[1]})
	if err != nil {
		return r.fail("qr_start", nil, errKind(err))
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &start) != nil || start.QR == "" {
		return r.fail("qr_start", resp, "")
	}
	r.stats.add("qr_start", time.Since(t))

	lctx, cancel := context.WithTimeout(ctx, 2*time.Minute) // a QR login lives 120 s
	defer cancel()
	events, err := b.events(lctx, start.EventsURL)
	if err != nil {
		return r.fail("qr_events", nil, err.Error())
	}
	var confirmSent, confirmAnswered time.Time
	err = r.phone.exclusive(ctx, func(token string) error {
		if err := r.phone.call(ctx, "scan", token, "/qr/scan", map[string]string{"qr": start.QR}, nil); err != nil {
			return err
		}
		var out struct {
			State     string `json:"state"`
			SignedOut bool   `json:"signed_out"`
		}
		confirmSent = time.Now()
		if err := r.phone.call(ctx, "confirm", token, "/qr/"+start.ID+"/confirm", map[string]string{"passcode": r.cfg.Passcode}, &out); err != nil {
			return err
		}
		confirmAnswered = time.Now()
		if out.State != "confirmed" || !out.SignedOut {
			return r.fail("confirm", nil, "answer is not confirmed+signed_out")
		}
		return nil
	})
	if err != nil {
		return err
	}
	var redirect string
	for ev := range events {
		if ev.name == "confirmed" {
			// notify runs from the confirm call (it includes the passcode hash) to the
			// desktop's event; notify_lag from the confirm's answer, 0 if the event came first.
			r.stats.add("notify", ev.at.Sub(confirmSent))
			r.stats.add("notify_lag", max(ev.at.Sub(confirmAnswered), 0))
			redirect = ev.status.Redirect
			break
		}
		if ev.name == "denied" || ev.name == "expired" || ev.name == "cancelled" {
			return r.fail("notify", nil, "login ended "+ev.name)
		}
	}
	cancel() // the stream is done with
	if redirect == "" {
		return r.fail("notify", nil, "no confirmed event with a redirect")
	}
	t = time.Now()
	ru, err := url.Parse(redirect)
	if err != nil {
		return r.fail("finish", nil, "bad redirect")
	}
	resp, body, err = b.do(ctx, http.MethodGet, b.run.cfg.Target.ResolveReference(ru).String(), nil, nil)
	if err != nil {
		return r.fail("finish", nil, errKind(err))
	}
	resp, _, at, err := b.follow(ctx, resp, body)
	if err != nil {
		return r.fail("finish", resp, err.Error())
	}
	code, err := r.callback("finish", at, a)
	if err != nil {
		return err
	}
	r.stats.add("finish", time.Since(t))
	if err := r.exchange(ctx, b, code, a); err != nil {
		return err
	}
	r.stats.add("login (qr)", time.Since(t0))
	r.stats.completed.Add(1)
	return nil
}

// qrEvent is one server-sent event of a QR login, with the time it arrived.
type qrEvent struct {
	name   string
	at     time.Time
	status struct {
		State    string `json:"state"`
		Redirect string `json:"redirect"`
	}
}

// events opens the login's event stream; the channel closes when the stream ends.
func (b *browser) events(ctx context.Context, u string) (<-chan qrEvent, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	stream := *b.c
	stream.Timeout = 0 // a stream lives as long as its login; ctx bounds it
	resp, err := stream.Do(req)
	if err != nil {
		return nil, errors.New(errKind(err))
	}
	b.run.stats.status(resp.StatusCode)
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	out := make(chan qrEvent, 16)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev qrEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name, ev.at = strings.TrimPrefix(line, "event: "), time.Now()
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.status)
			case line == "" && ev.name != "":
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
				ev = qrEvent{}
			}
		}
	}()
	return out, nil
}

// findForm returns the first POST form of page that has an input named field.
func findForm(page string, at *url.URL, field string) (web.Form, bool) {
	for _, f := range web.ParseForms(at.String(), page) {
		if _, ok := f.Fields[field]; ok && f.Method == http.MethodPost {
			return f, true
		}
	}
	return web.Form{}, false
}

func (b *browser) submit(ctx context.Context, f web.Form) (*http.Response, []byte, error) {
	return b.do(ctx, http.MethodPost, f.Action, strings.NewReader(f.Fields.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}
