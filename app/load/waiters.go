package load

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"dvclogin/app/client"
)

// waiter is a desktop showing a QR and listening on its event stream, as a login page left
// open does: the cost of waiting logins, and how fast the one that is confirmed hears of it.
type waiter struct {
	b         *client.Browser
	login     client.QRLogin
	stream    *client.Stream
	qr        atomic.Value // the current frame's text (frames rotate)
	confirmed chan time.Time
}

// waiters is the waiters scenario: -waiters desktops start a QR login and open its event stream
// (-c at a time); then, while they all wait, -confirms of them are confirmed one after another,
// spread over -d (counted from when all were open), each by a citizen of the pool (app login, scan, confirm with the passcode),
// and the time from the confirm to the desktop's event is measured.
func (r *runner) waiters(hard context.Context, rep *Report) error {
	cfg := r.cfg
	all := make([]*waiter, cfg.Waiters)
	var next atomic.Int64
	var opened atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range cfg.Users {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(cfg.Waiters) || hard.Err() != nil {
					return
				}
				// Refused (429), the waiter comes back after Retry-After, as a browser would.
				var w *waiter
				err := r.politely(hard, func() (err error) {
					w, err = r.openWaiter(hard)
					return err
				})
				if err == nil {
					all[i] = w
					opened.Add(1)
				}
			}
		})
	}
	wg.Wait()
	rep.waitersOpened, rep.waitersTook = opened.Load(), time.Since(t0)
	defer func() {
		for _, w := range all {
			if w != nil {
				w.stream.Close()
				done(w.b)
			}
		}
	}()
	if opened.Load() == 0 {
		return errors.New("load: no waiting QR login could be started (see the errors above)")
	}
	if cfg.ServerPID > 0 {
		time.Sleep(time.Second) // let the server settle before its memory is read
	}
	// -d counts from here: the confirms are spread over it while the others keep waiting.
	soft, stop := context.WithTimeout(hard, cfg.Duration)
	defer stop()
	rep.memWaiting = procMemory(cfg.ServerPID)
	rep.rssBefore, rep.rssWaiting = procRSS(cfg.ServerPID, rep.memBefore), procRSS(cfg.ServerPID, rep.memWaiting)

	// Confirm the newest waiters first: the oldest are closest to their 120 s end.
	every := cfg.Duration / time.Duration(max(cfg.Confirms, 1))
	tick := time.NewTicker(every)
	defer tick.Stop()
	confirmed := 0
	for i := len(all) - 1; i >= 0 && confirmed < cfg.Confirms && soft.Err() == nil; i-- {
		w := all[i]
		if w == nil {
			continue
		}
		c, err := r.lease(soft, true)
		if err != nil {
			break
		}
		err = r.confirmWaiter(hard, c, w)
		r.handBack(c)
		confirmed++
		if err != nil {
			r.stats.failed.Add(1)
		}
		select {
		case <-soft.Done():
		case <-tick.C:
		}
	}
	return nil
}

// openWaiter opens a login page, starts a QR login and listens on its stream.
func (r *runner) openWaiter(ctx context.Context) (*waiter, error) {
	t0 := time.Now()
	w := &waiter{b: r.browser(), confirmed: make(chan time.Time, 1)}
	lp, err := r.openLogin(ctx, w.b, client.NewAuthorization())
	if err == nil {
		if w.login, err = w.b.StartQR(ctx, lp); err != nil {
			err = r.fail("qr_start", err)
		}
	}
	if err == nil {
		if w.stream, err = w.b.Events(ctx, w.login.EventsURL); err != nil {
			err = r.fail("qr_events", err)
		}
	}
	if err != nil {
		var se *stepError
		if errors.As(err, &se) && se.status == http.StatusTooManyRequests {
			r.stats.rejected.Add(1)
		} else {
			r.stats.failed.Add(1)
		}
		done(w.b)
		return nil, err
	}
	w.qr.Store(w.login.QR)
	go func() {
		for ev := range w.stream.Events {
			switch ev.Name {
			case "frame":
				var st client.QRStatus
				if ev.Decode(&st) == nil && st.QR != "" {
					w.qr.Store(st.QR)
				}
			case "confirmed":
				w.confirmed <- ev.At
				return
			}
		}
	}()
	r.stats.add("waiter_open", time.Since(t0))
	return w, nil
}

// confirmWaiter confirms one waiting login with citizen c's phone and times the desktop's event.
func (r *runner) confirmWaiter(ctx context.Context, c *citizen, w *waiter) error {
	c.token = ""
	token, err := r.appLogin(ctx, c)
	if err != nil {
		return err
	}
	sent, answered, err := r.scanConfirm(ctx, c, token, w.qr.Load().(string), w.login.ID)
	if err != nil {
		return err
	}
	select {
	case at := <-w.confirmed:
		r.stats.add("notify", at.Sub(sent))
		r.stats.add("notify_lag", max(at.Sub(answered), 0))
		r.stats.completed.Add(1)
		return nil
	case <-time.After(10 * time.Second):
		return r.fail("notify", errors.New("no confirmed event within 10 s"))
	case <-ctx.Done():
		return r.fail("notify", ctx.Err())
	}
}
