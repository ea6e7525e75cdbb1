package web

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dvclogin/store"
)

// Relay joins the hubs of the instances that share one PostgreSQL database: each Publish is
// sent as a NOTIFY whose payload names the topic (and the sending instance, which ignores its
// own), and one connection per instance LISTENs and wakes the local subscribers. The payload
// carries no data: a woken waiter reads the database, which stays the truth. While the
// listening connection is down the hub says Polling, and waiters read the database on their
// own; when it listens again every local waiter is woken once, for what was missed.
type Relay struct {
	hub      *Hub
	st       *store.Store
	log      *slog.Logger
	id       string      // this instance, in each payload it sends
	out      chan string // topics to send
	kick     chan struct{}
	overflow atomic.Bool // out was full: a topic was lost, so the next payload wakes everything
	down     atomic.Bool // the listening connection was lost (for the log: once per loss)

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// relayQueue is how many topics may wait to be sent; beyond, one "wake everything" replaces
// them.
const relayQueue = 4096

// relayPing is how long the listening connection may stay silent before it is checked.
const relayPing = 10 * time.Second

// allTopics in a payload wakes every waiter.
const allTopics = "*"

// StartRelay connects hub to the other instances on st's database. Call it before the hub is
// used; Close stops it.
func StartRelay(hub *Hub, st *store.Store, log *slog.Logger) *Relay {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Relay{hub: hub, st: st, log: log, id: RandomToken(6), out: make(chan string, relayQueue),
		kick: make(chan struct{}, 1), cancel: cancel}
	hub.polling.Store(true) // until the connection listens
	hub.relay = r.send
	r.wg.Go(func() { r.sender(ctx) })
	r.wg.Go(func() { st.Listen(ctx, relayPing, r.receive, r.listening) })
	return r
}

// Close stops sending and listening. The hub no longer hears the other instances: its waiters
// poll.
func (r *Relay) Close() {
	r.cancel()
	r.wg.Wait()
	r.hub.polling.Store(true)
}

// send queues topic for the other instances; it never blocks.
func (r *Relay) send(topic string) {
	select {
	case r.out <- topic:
	default:
		r.overflow.Store(true)
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// sender sends what is queued, as few payloads as fit.
func (r *Relay) sender(ctx context.Context) {
	var batch []string
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case t := <-r.out:
			batch = append(batch, t)
		case <-r.kick:
		}
	drain:
		for {
			select {
			case t := <-r.out:
				batch = append(batch, t)
			default:
				break drain
			}
		}
		if r.overflow.Swap(false) {
			batch = append(batch[:0], allTopics)
		}
		for _, p := range payloads(r.id, batch) {
			if err := r.st.Notify(ctx, p); err != nil && ctx.Err() == nil {
				r.log.Warn("notify other instances", "err", err)
			}
		}
	}
}

// payloads packs topics behind the sender's id into payloads that fit a NOTIFY.
func payloads(id string, topics []string) []string {
	var out []string
	var b strings.Builder
	seen := make(map[string]bool, len(topics))
	for _, t := range topics {
		if seen[t] || t == "" || strings.ContainsAny(t, " \x00") {
			continue
		}
		seen[t] = true
		if b.Len() > 0 && b.Len()+1+len(t) > store.MaxNotifyPayload {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(id)
		}
		b.WriteString(" " + t)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// receive wakes the local waiters of the topics another instance published.
func (r *Relay) receive(payload string) {
	fields := strings.Fields(payload)
	if len(fields) < 2 || fields[0] == r.id {
		return
	}
	for _, t := range fields[1:] {
		if t == allTopics {
			r.hub.DeliverAll()
			return
		}
		r.hub.Deliver(t)
	}
}

// listening follows the state of the listening connection.
func (r *Relay) listening(up bool, err error) {
	if up {
		r.hub.polling.Store(false)
		r.hub.DeliverAll() // what was published while nobody listened
		if r.down.Swap(false) {
			r.log.Info("listening to the other instances again")
		}
		return
	}
	r.hub.polling.Store(true)
	if !r.down.Swap(true) {
		r.log.Warn("lost the connection that listens to the other instances: waiters poll the database until it is back", "err", err)
	}
}
