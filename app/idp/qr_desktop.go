package idp

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// The desktop side of the QR login: the login page's script starts a login, shows its image,
// follows its state and, once the phone confirmed, goes to finish.

type qrStartRequest struct {
	AuthRequest string `json:"auth_request"`
}

type qrStartResponse struct {
	ID        string    `json:"id"`
	QR        string    `json:"qr"`
	ImageURL  string    `json:"image_url"`
	StatusURL string    `json:"status_url"`
	EventsURL string    `json:"events_url"`
	ExpiresAt time.Time `json:"expires_at"`
	ExpiresIn int       `json:"expires_in"`
}

// startQR starts a QR login for a pending authorization request and binds it to this browser.
func (p *IdP) startQR(c echo.Context) error {
	var req qrStartRequest
	if err := c.Bind(&req); err != nil || req.AuthRequest == "" {
		return &web.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: web.MsgBadRequest, Err: err}
	}
	ctx := c.Request().Context()
	now, ip := p.d.Now(), c.RealIP()
	n, err := p.d.Store.CountQRLoginsFromIP(ctx, ip, now.Add(-time.Minute))
	if err != nil {
		return err
	}
	if n >= qrStartsPerMinute {
		p.d.Log.Warn("qr start refused", "ip", ip, "starts_last_minute", n)
		return &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Msg: msgQRStartLimited,
			RetryAfter: 60, Err: fmt.Errorf("ip %s: %d QR logins in a minute", ip, n)}
	}
	// Someone else's login page is refused (403): a QR started there would log this browser's
	// scanner in to a login the other browser collects.
	info, err := p.oidc.AuthRequest(c, req.AuthRequest)
	if errors.Is(err, store.ErrNotFound) {
		return &web.Error{Status: http.StatusNotFound, Code: "auth_request_not_found", Msg: msgAuthRequestGone, Err: err}
	}
	if err != nil {
		return err
	}
	if info.Done {
		return &web.Error{Status: http.StatusBadRequest, Code: "auth_request_done", Msg: msgAuthRequestGone,
			Err: errors.New("auth request already completed")}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	binding := web.RandomToken(32)
	l := store.QRLogin{
		ID: web.RandomToken(qrIDBytes), AuthRequestID: req.AuthRequest, ClientName: info.ClientName,
		FrameSecret: secret, BindingHash: store.Digest(binding), State: store.QRWaiting,
		Browser: describeBrowser(c.Request().UserAgent()), IP: ip,
		CreatedAt: now, ExpiresAt: now.Add(p.d.Limits.QRLoginTTL),
	}
	if err := p.d.Store.CreateQRLogin(ctx, l); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: qrBindingCookie + l.ID, Value: binding, Path: qrCookiePath,
		MaxAge: int((p.d.Limits.QRLoginTTL + qrFinishGrace) / time.Second), HttpOnly: true,
		Secure: p.d.Secure(), SameSite: http.SameSiteStrictMode})
	p.audit(c, "idp", "qr_started", "", qrDetail(l))
	base := p.d.URL("/idp/qr/" + l.ID)
	st := p.qrStatusOf(l)
	return c.JSON(http.StatusOK, qrStartResponse{ID: l.ID, QR: st.QR, ImageURL: base + "/image",
		StatusURL: base + "/status", EventsURL: base + "/events", ExpiresAt: l.ExpiresAt, ExpiresIn: st.ExpiresIn})
}

// boundQRLogin returns the login named in the path if this browser started it. Any other
// browser (no cookie, another login's cookie, a copied QR) gets the same 404 as an unknown id
// (T19: whoever holds the QR still cannot watch or redeem the login).
func (p *IdP) boundQRLogin(c echo.Context) (store.QRLogin, error) {
	id := c.Param("id")
	if !isQRID(id) {
		return store.QRLogin{}, errQRNotFound("malformed id")
	}
	ck, err := c.Cookie(qrBindingCookie + id)
	if err != nil || ck.Value == "" {
		return store.QRLogin{}, errQRNotFound("no binding cookie")
	}
	l, err := p.d.Store.QRLoginByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return l, errQRNotFound("unknown login")
	}
	if err != nil {
		return l, err
	}
	if !hmac.Equal([]byte(store.Digest(ck.Value)), []byte(l.BindingHash)) {
		return store.QRLogin{}, errQRNotFound("binding mismatch")
	}
	return p.settleQRLogin(c, l)
}

// showQRStatus is the polling fallback of followQR.
func (p *IdP) showQRStatus(c echo.Context) error {
	l, err := p.boundQRLogin(c)
	if err != nil {
		return err
	}
	st := p.qrStatusOf(l)
	return c.JSON(http.StatusOK, st)
}

// followQR streams the login's state as server-sent events: the current state first, then
// each change as an event named after the new state, and each new frame as "frame". The hub
// only wakes the stream; the database says what changed. The stream ends with the login.
func (p *IdP) followQR(c echo.Context) error {
	l, err := p.boundQRLogin(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	wake, unsubscribe := p.d.Hub.Subscribe(qrTopic(l.ID))
	defer unsubscribe()
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no") // a buffering reverse proxy would hold events back
	if c.Request().ProtoMajor == 1 {
		// The stream is held apart from the server (qrStreams) and its connection closed at
		// its end: the browser must not keep it for another request.
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(http.StatusOK)

	st := p.qrStatusOf(l)
	if err := writeEvent(w, st.State, st); err != nil {
		return nil // the browser went away
	}
	if !terminalQR(st.State) && p.streams.hold(w, c.Request(), c.RealIP(), l, st) {
		return nil
	}
	heartbeat := time.NewTicker(qrHeartbeat)
	defer heartbeat.Stop()
	for !terminalQR(st.State) {
		timer := time.NewTimer(p.untilNextFrame(l))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-heartbeat.C:
			timer.Stop()
			if _, err := w.Write([]byte(": ping\n\n")); err != nil {
				return nil
			}
			w.Flush()
			continue
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
		if l, err = p.loadQRLogin(c, l.ID); errors.Is(err, store.ErrNotFound) {
			// The login was deleted under the stream (the operator reset the demo data): to
			// the browser that follows it, it has expired.
			writeEvent(w, store.QRExpired, qrStatus{State: store.QRExpired})
			return nil
		}
		if err != nil {
			p.d.Log.Warn("qr events: reload", "err", err)
			return nil
		}
		next := p.qrStatusOf(l)
		name := ""
		switch {
		case next.State != st.State:
			name = next.State
		case next.QR != st.QR:
			name = "frame"
		}
		st = next
		if name != "" {
			if err := writeEvent(w, name, st); err != nil {
				return nil
			}
		}
	}
	return nil
}

// untilNextFrame is how long a stream may sleep before its login shows a new frame or
// expires, by the injected clock; just past the boundary, so the new frame is current. It
// never sleeps more than a second: a clock that jumps (a system clock set by hand, a test's
// fake clock) is noticed within a second, for the price of one small read per stream.
func (p *IdP) untilNextFrame(l store.QRLogin) time.Duration {
	now := p.d.Now()
	next := l.CreatedAt.Add(time.Duration(p.frameStep(l, now)+1) * p.d.Limits.QRFrameStep)
	if l.ExpiresAt.Before(next) {
		next = l.ExpiresAt
	}
	return min(max(next.Sub(now)+20*time.Millisecond, 50*time.Millisecond), time.Second)
}

func writeEvent(w *echo.Response, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b); err != nil {
		return err
	}
	w.Flush()
	return nil
}

// cancelQR ends a waiting or scanned login from the desktop and answers its status.
func (p *IdP) cancelQR(c echo.Context) error {
	l, err := p.boundQRLogin(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	switch err := p.d.Store.CancelQRLogin(ctx, l.ID, p.d.Now()); {
	case err == nil:
		p.audit(c, "idp", "qr_cancelled", l.CitizenID, qrDetail(l))
		p.d.Hub.Publish(qrTopic(l.ID))
	case !errors.Is(err, store.ErrConflict):
		return err
	}
	if l, err = p.loadQRLogin(c, l.ID); err != nil {
		return err
	}
	st := p.qrStatusOf(l)
	return c.JSON(http.StatusOK, st)
}

// finishQR redeems a confirmed login in the browser that started it, once: the login is
// marked finished by a conditional UPDATE, then the shared login ending signs the browser in
// and sends it back to the client.
func (p *IdP) finishQR(c echo.Context) error {
	l, err := p.boundQRLogin(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := p.d.Now()
	refused := &web.Error{Status: http.StatusConflict, Code: "qr_already_used", Msg: msgQRFinished}
	if l.State != store.QRConfirmed || !l.FinishedAt.IsZero() {
		refused.Err = fmt.Errorf("finish in state %s (finished %v)", l.State, !l.FinishedAt.IsZero())
		return refused
	}
	if err := p.d.Store.FinishQRLogin(ctx, l.ID, now, now.Add(-qrFinishGrace)); err != nil {
		if errors.Is(err, store.ErrConflict) {
			refused.Err = errors.New("finish lost the race or came too late")
			return refused
		}
		return err
	}
	cit, err := p.d.Store.CitizenByID(ctx, l.CitizenID)
	if err != nil {
		return err
	}
	// The permission or the level may have changed since the phone confirmed.
	if werr := checkWebLogin(cit); werr != nil {
		return werr
	}
	c.SetCookie(&http.Cookie{Name: qrBindingCookie + l.ID, Value: "", Path: qrCookiePath, MaxAge: -1,
		HttpOnly: true, Secure: p.d.Secure(), SameSite: http.SameSiteStrictMode})
	p.audit(c, "idp", "qr_finished", cit.ID, qrDetail(l))
	// The app session (a software key on the phone, "swk") confirmed with the passcode
	// ("pin"): two factors (RFC 8176).
	return p.finishLogin(c, nil, l.AuthRequestID, cit, []string{"swk", "pin", "mfa"})
}
