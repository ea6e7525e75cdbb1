package load

import (
	"context"
	"encoding/json"
	"fmt"
	mathrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// flood is the password-flood scenario: Users attackers post passwords to the app login as
// fast as the server answers, ignoring Retry-After as an attacker would, while one desktop
// polls its QR login's status. Before the flood the same poll runs alone for a baseline.
func (r *runner) flood(soft, hard context.Context, w *watch) {
	pctx, stopPoll := context.WithCancel(soft)
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		r.poll(pctx, w.b, &w.statusURL, "qr_status (flood)")
	}()
	var wg sync.WaitGroup
	for i := range r.cfg.Users {
		wg.Go(func() { r.flooder(soft, hard, i) })
	}
	wg.Wait() // the flood is over (time or -n): so is the poll under it
	stopPoll()
	<-polled
	w.b.close()
}

// watch is the desktop that watches its QR login during a flood.
type watch struct {
	b         *browser
	statusURL string
}

// watchBaseline starts the QR login to watch and polls its status alone for a baseline
// (outside -d).
func (r *runner) watchBaseline(ctx context.Context) (*watch, error) {
	w := &watch{b: r.browser()}
	var err error
	if w.statusURL, err = r.watchQR(ctx, w.b); err != nil {
		w.b.close()
		return nil, fmt.Errorf("load: the QR login to watch during the flood: %w", err)
	}
	bctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	r.poll(bctx, w.b, &w.statusURL, "qr_status (idle)")
	return w, nil
}

// watchQR opens a login page and starts a QR login whose status the poll reads.
func (r *runner) watchQR(ctx context.Context, b *browser) (string, error) {
	page, _, err := b.openLogin(ctx, newAuthorization())
	if err != nil {
		return "", err
	}
	csrf, arID := csrfMeta.FindStringSubmatch(page), authReqAttr.FindStringSubmatch(page)
	if csrf == nil || arID == nil {
		return "", r.fail("qr_start", nil, "login page lacks the csrf meta or data-auth-request")
	}
	resp, body, err := b.do(ctx, http.MethodPost, r.base+"/idp/qr/start", strings.NewReader(`{"auth_request":"`+arID[1]+`"}`),
		map[string]string{"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf[1]})
	if err != nil {
		return "", r.fail("qr_start", nil, errKind(err))
	}
	var start struct {
		StatusURL string `json:"status_url"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &start) != nil || start.StatusURL == "" {
		return "", r.fail("qr_start", resp, "")
	}
	return start.StatusURL, nil
}

// poll reads the QR login's status every PollEvery and records each latency under step; a
// login that ended (it lives 120 s) is replaced by a new one.
func (r *runner) poll(ctx context.Context, b *browser, statusURL *string, step string) {
	tick := time.NewTicker(r.cfg.PollEvery)
	defer tick.Stop()
	for ctx.Err() == nil {
		t0 := time.Now()
		resp, body, err := b.do(ctx, http.MethodGet, *statusURL, nil, map[string]string{"Accept": "application/json"})
		if ctx.Err() != nil {
			return
		}
		var st struct {
			State string `json:"state"`
		}
		switch {
		case err != nil:
			r.fail(step, nil, errKind(err))
		case resp.StatusCode != http.StatusOK || json.Unmarshal(body, &st) != nil:
			r.fail(step, resp, "")
		default:
			r.stats.add(step, time.Since(t0))
			if st.State != "waiting" {
				if u, err := r.watchQR(ctx, b); err == nil {
					*statusURL = u
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// flooder posts app logins back to back: right passwords for the demo citizen, and a share
// of wrong ones for unknown IDs (same cost to the server: a dummy hash).
func (r *runner) flooder(soft, hard context.Context, i int) {
	b := r.browser()
	defer b.close()
	for soft.Err() == nil && r.ticket() {
		in := map[string]string{"id_number": r.cfg.IDNumber, "password": r.cfg.Password}
		if mathrand.Float64() < r.cfg.WrongShare {
			// Each wrong password goes to another unknown ID: an unknown ID locks after 5 wrong
			// passwords like a real one, and a locked ID would cost the server no hash.
			id := fmt.Sprintf("%s%05d", unknownIDs, r.stats.floodSent.Load()%100000)
			in = map[string]string{"id_number": id, "password": "Sai@" + strconv.Itoa(i)}
		}
		raw, _ := json.Marshal(in)
		t0 := time.Now()
		resp, body, err := b.do(hard, http.MethodPost, r.base+"/api/mobile/v1/login", strings.NewReader(string(raw)),
			map[string]string{"Content-Type": "application/json"})
		took := time.Since(t0)
		r.stats.floodSent.Add(1)
		if err != nil {
			r.fail("flood", nil, errKind(err))
			continue
		}
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		json.Unmarshal(body, &e)
		outcome := fmt.Sprintf("flood %d", resp.StatusCode)
		switch {
		case resp.StatusCode == http.StatusOK:
			outcome = "flood 200 (hashed, right)"
		case resp.StatusCode == http.StatusUnauthorized && e.Error.Code == "invalid_credentials":
			outcome = "flood 401 (hashed, wrong)"
		case resp.StatusCode == http.StatusForbidden && e.Error.Code == "activation_required":
			// Each flooder is its own device; only the one that took the SIM signs in.
			outcome = "flood 403 (hashed, right; device without the SIM)"
		case resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "":
			outcome = "flood 429 Retry-After=" + resp.Header.Get("Retry-After") + "s"
		default:
			r.fail("flood", resp, "")
		}
		r.stats.add(outcome, took)
	}
}
