package idp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"dvclogin/store"
)

// Event streams the server holds itself. A login page waits for its phone for minutes, and a
// class of them waits at once: a stream that kept its request's goroutine would hold that
// goroutine's stack, the connection's read and write buffers and a reader goroutine for all
// that time, about 50 KB a waiting login. So after its first event an HTTP/1.1 stream leaves
// the request: its connection is taken over (hijacked) and kept here, in a registry that costs
// a small record per stream. One ticker looks over the registry for due frames, expiries and
// heartbeats; the hub calls in when a login changed (on this instance or, through the hub's
// relay, on another one). Work for a stream runs in a goroutine
// started for it and ends with it, one at a time per stream. A stream whose connection cannot
// be taken over (HTTP/2) stays in its request (followQR's loop).

const (
	qrStreamTick         = 200 * time.Millisecond // how often the registry is looked over
	qrStreamWriteTimeout = 10 * time.Second       // a client that takes no more is dropped
	qrStreamChangesEvery = 5                      // ticks between reads of the store's change count
)

// qrStreams is the registry of the streams held.
type qrStreams struct {
	p      *IdP
	ctx    context.Context // ends when the server closes the streams
	cancel context.CancelFunc

	mu      sync.Mutex
	all     map[*qrStream]struct{}
	changes int64 // the store's QRLoginsChangedElsewhere when last read
	ticking bool  // the ticker's goroutine runs (only while there are streams)
	closed  bool
}

func newQRStreams(p *IdP) *qrStreams {
	ctx, cancel := context.WithCancel(context.Background())
	return &qrStreams{p: p, ctx: ctx, cancel: cancel, all: map[*qrStream]struct{}{}}
}

// qrStream is one held stream: the connection, the login as last read and what its browser
// was last told.
type qrStream struct {
	reg     *qrStreams
	conn    net.Conn
	chunked bool   // each write is a chunk of the response
	ip      string // the browser's, for the audit of an expiry this stream notices

	mu      sync.Mutex
	l       store.QRLogin
	st      qrStatus  // the last status sent
	due     time.Time // by the server's clock: the next frame or the expiry
	beat    time.Time // by the wall clock: the next heartbeat, unless something is sent before
	reload  bool      // the hub said the login changed: read it again
	running bool      // a goroutine works for this stream
	again   bool      // more came in while it worked
	ended   bool
	unsub   func()
}

// hold takes over the connection of a stream that has sent its first event (st, for l). It
// reports false when the connection cannot be taken over; the caller keeps the stream then.
//
// The server answered with its headers and the first event in chunked encoding (HTTP/1.1), or
// unframed until the connection closes (HTTP/1.0); the stream goes on alike.
func (r *qrStreams) hold(w http.ResponseWriter, req *http.Request, ip string, l store.QRLogin, st qrStatus) bool {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return false
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	// What the server buffered of this response (nothing, after a flush) goes first; what it
	// read ahead is a pipelined request a stream never answers.
	if err := brw.Writer.Flush(); err != nil {
		conn.Close()
		return true
	}
	conn.SetDeadline(time.Time{})
	s := &qrStream{reg: r, conn: conn, ip: ip, l: l, st: st, chunked: req.ProtoAtLeast(1, 1)}
	s.plan()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		conn.Close()
		return true
	}
	r.all[s] = struct{}{}
	if !r.ticking {
		r.ticking = true
		go r.tick()
	}
	r.mu.Unlock()
	unsub := r.p.d.Hub.SubscribeFunc(qrTopic(l.ID), func() { s.kick(true) })
	s.mu.Lock()
	ended := s.ended
	s.unsub = unsub
	s.mu.Unlock()
	if ended {
		unsub()
		return true
	}
	s.kick(true) // a change between the first event and the subscription is not missed
	return true
}

// plan sets when the stream is next due. Call with s.mu held.
func (s *qrStream) plan() {
	p := s.reg.p
	now := p.d.Now()
	next := s.l.ExpiresAt
	if s.st.State == store.QRWaiting {
		frame := s.l.CreatedAt.Add(time.Duration(p.frameStep(s.l, now)+1) * p.d.Limits.QRFrameStep)
		if frame.Before(next) {
			next = frame
		}
	}
	s.due = next
	s.beat = time.Now().Add(qrHeartbeat)
}

// tick looks over the streams every qrStreamTick until there are none: each due one gets to
// work. The server's clock is read at each tick, so a clock set by hand (or a test's) is
// noticed within a tick.
func (r *qrStreams) tick() {
	t := time.NewTicker(qrStreamTick)
	defer t.Stop()
	var due []*qrStream
	ticks := 0
	for range t.C {
		now, wall := r.p.d.Now(), time.Now()
		ticks++
		changes := r.changes
		poll := false
		if ticks%qrStreamChangesEvery == 0 {
			if n, err := r.p.d.Store.QRLoginsChangedElsewhere(r.ctx); err == nil {
				changes = n
			}
			// Another instance's change reaches this one through the hub, unless the hub
			// cannot hear the other instances now: then every login is read again.
			poll = r.p.d.Hub.Polling()
		}
		r.mu.Lock()
		if len(r.all) == 0 || r.closed {
			r.ticking = false
			r.mu.Unlock()
			return
		}
		all := changes != r.changes || poll
		r.changes = changes
		due = due[:0]
		for s := range r.all {
			s.mu.Lock()
			if all {
				s.reload = true
			}
			if !all && !s.now(now, wall) {
				s.mu.Unlock()
				continue
			}
			s.mu.Unlock()
			due = append(due, s)
		}
		r.mu.Unlock()
		for _, s := range due {
			s.kick(false)
		}
		clear(due)
	}
}

// now reports whether the stream is due at now (server's clock) or wall. Call with s.mu held.
func (s *qrStream) now(now, wall time.Time) bool {
	return !now.Before(s.due) || !wall.Before(s.beat)
}

// kick gets the stream's goroutine working, or tells the one at work to go round again.
func (s *qrStream) kick(reload bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.reload = s.reload || reload
	if s.running {
		s.again = true
		return
	}
	s.running = true
	go s.work()
}

// work brings the browser up to date until nothing more came in: it reads the login again
// when the hub said so or its time changed its state, sends the change, a new frame or a
// heartbeat, and ends the stream with the login.
func (s *qrStream) work() {
	p := s.reg.p
	for {
		s.mu.Lock()
		reload, l, prev := s.reload, s.l, s.st
		s.reload, s.again = false, false
		s.mu.Unlock()

		ctx := s.reg.ctx
		// The login is read again when the hub or the store says it changed, or when its time
		// changed its state; a new frame is computed from what was read. A change another
		// process made (a command-line tool on the same database) reaches the browser at the
		// login's next change or its expiry; the finish reads the database, so it goes no
		// further than the page.
		if reload || l.StateAt(p.d.Now()) != prev.State {
			fresh, err := p.d.Store.QRLoginByID(ctx, l.ID)
			if err == nil {
				fresh, err = p.settleQRLoginFrom(ctx, s.ip, fresh)
			}
			if errors.Is(err, store.ErrNotFound) {
				// The login was deleted under the stream (the operator reset the demo data):
				// to the browser that follows it, it has expired.
				s.send(store.QRExpired, qrStatus{State: store.QRExpired})
				s.end()
				return
			}
			if err != nil {
				if ctx.Err() == nil {
					p.d.Log.Warn("qr events: reload", "err", err)
				}
				s.end()
				return
			}
			l = fresh
		}
		next := p.qrStatusOf(l)
		var err error
		switch {
		case next.State != prev.State:
			err = s.send(next.State, next)
		case next.QR != prev.QR:
			err = s.send("frame", next)
		default:
			s.mu.Lock()
			beat := !time.Now().Before(s.beat)
			s.mu.Unlock()
			if beat {
				err = s.write([]byte(": ping\n\n"))
			}
		}
		if err != nil || terminalQR(next.State) {
			s.end()
			return
		}
		s.mu.Lock()
		s.l, s.st = l, next
		s.plan()
		if !s.again || s.ended {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// send writes one event.
func (s *qrStream) send(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "event: %s\ndata: %s\n\n", name, b)
	return s.write(buf.Bytes())
}

func (s *qrStream) write(b []byte) error {
	if s.chunked {
		b = append(append(fmt.Appendf(nil, "%x\r\n", len(b)), b...), "\r\n"...)
	}
	s.conn.SetWriteDeadline(time.Now().Add(qrStreamWriteTimeout))
	_, err := s.conn.Write(b)
	return err
}

// end closes the stream and forgets it.
func (s *qrStream) end() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	unsub := s.unsub
	s.mu.Unlock()
	if unsub != nil {
		unsub()
	}
	if s.chunked {
		// The response's end, so the browser sees a stream that ended, not a broken one.
		s.conn.SetWriteDeadline(time.Now().Add(time.Second))
		s.conn.Write([]byte("0\r\n\r\n"))
	}
	s.conn.Close()
	s.reg.mu.Lock()
	delete(s.reg.all, s)
	s.reg.mu.Unlock()
}

// close ends every held stream and takes no more: the server stops.
func (r *qrStreams) close() {
	r.mu.Lock()
	r.closed = true
	all := make([]*qrStream, 0, len(r.all))
	for s := range r.all {
		all = append(all, s)
	}
	r.mu.Unlock()
	r.cancel()
	for _, s := range all {
		s.end()
	}
}
