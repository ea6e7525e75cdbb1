package load

import (
	"context"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"dvclogin/app/client"
)

// flood is the password-flood scenario: Users attackers post passwords to the app login as
// fast as the server answers, ignoring Retry-After as an attacker would, while one desktop
// polls its QR login's status. Before the flood the same poll runs alone for a baseline.
func (r *runner) flood(soft, hard context.Context, w *watch) {
	pctx, stopPoll := context.WithCancel(soft)
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		r.poll(pctx, w, "qr_status (flood)")
	}()
	var wg sync.WaitGroup
	for i := range r.cfg.Users {
		wg.Go(func() { r.flooder(soft, hard, i) })
	}
	wg.Wait() // the flood is over (time or -n): so is the poll under it
	stopPoll()
	<-polled
	done(w.b)
}

// watch is the desktop that watches its QR login during a flood.
type watch struct {
	b         *client.Browser
	statusURL string
}

// watchBaseline starts the QR login to watch and polls its status alone for a baseline
// (outside -d).
func (r *runner) watchBaseline(ctx context.Context) (*watch, error) {
	w := &watch{b: r.browser()}
	if err := r.watchQR(ctx, w); err != nil {
		done(w.b)
		return nil, fmt.Errorf("load: the QR login to watch during the flood: %w", err)
	}
	bctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	r.poll(bctx, w, "qr_status (idle)")
	return w, nil
}

// watchQR opens a login page and starts a QR login whose status the poll reads.
func (r *runner) watchQR(ctx context.Context, w *watch) error {
	lp, err := r.openLogin(ctx, w.b, client.NewAuthorization())
	if err != nil {
		return err
	}
	l, err := w.b.StartQR(ctx, lp)
	if err != nil {
		return r.fail("qr_start", err)
	}
	w.statusURL = l.StatusURL
	return nil
}

// poll reads the QR login's status every PollEvery and records each latency under step; a
// login that ended (it lives 120 s) is replaced by a new one.
func (r *runner) poll(ctx context.Context, w *watch, step string) {
	tick := time.NewTicker(r.cfg.PollEvery)
	defer tick.Stop()
	for ctx.Err() == nil {
		t0 := time.Now()
		st, err := w.b.QRStatus(ctx, w.statusURL)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			r.fail(step, err)
		default:
			r.stats.add(step, time.Since(t0))
			if st.State != "waiting" {
				r.watchQR(ctx, w)
			}
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// flooder posts app logins back to back: right passwords for the demo citizen, and a share
// of wrong ones for unknown IDs (same cost to the server: a dummy hash). Each flooder is a
// phone of its own.
func (r *runner) flooder(soft, hard context.Context, i int) {
	c := r.client(r.sourceIP())
	defer c.CloseIdleConnections()
	app := client.NewPhone(r.base, c, "")
	for soft.Err() == nil && r.ticket() {
		id, password := r.pool.all[0].idNumber, r.pool.all[0].password
		if mathrand.Float64() < r.cfg.WrongShare {
			// Each wrong password goes to another unknown ID: an unknown ID locks after 5 wrong
			// passwords like a real one, and a locked ID would cost the server no hash.
			id, password = fmt.Sprintf("%s%05d", unknownIDs, r.stats.floodSent.Load()%100000), "Sai@"+strconv.Itoa(i)
		}
		t0 := time.Now()
		_, err := app.Login(hard, id, password, "")
		took := time.Since(t0)
		r.stats.floodSent.Add(1)
		var ae *client.APIError
		switch {
		case err == nil:
			r.stats.add("flood 200 (hashed, right)", took)
		case !errors.As(err, &ae):
			r.fail("flood", err)
		case ae.Status == http.StatusUnauthorized && ae.Code == "invalid_credentials":
			r.stats.add("flood 401 (hashed, wrong)", took)
		case ae.Status == http.StatusForbidden && ae.Code == "activation_required":
			// Only the flooder that took the SIM signs in.
			r.stats.add("flood 403 (hashed, right; device without the SIM)", took)
		case ae.Status == http.StatusTooManyRequests && ae.RetryAfter != "":
			r.stats.add("flood 429 Retry-After="+ae.RetryAfter+"s", took)
		default:
			r.fail("flood", err)
			r.stats.add(fmt.Sprintf("flood %d", ae.Status), took)
		}
	}
}
