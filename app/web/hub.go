package web

import (
	"sync"
	"sync/atomic"
)

// Hub wakes waiters (server-sent event streams) when something they follow changed. It carries
// no data: the database stays the truth, a woken waiter reads it again. With a Relay, what is
// published on one instance wakes the waiters of every instance on the database.
type Hub struct {
	mu   sync.Mutex
	subs map[string]map[*subscriber]struct{}

	relay   func(topic string) // set before use by StartRelay: tells the other instances
	polling atomic.Bool        // other instances' publications may not arrive (see Polling)
}

// subscriber is one subscription: a channel signalled, or a function called.
type subscriber struct {
	ch chan struct{}
	fn func()
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: map[string]map[*subscriber]struct{}{}}
}

// Subscribe returns a channel that receives a signal after each Publish on topic, and a
// function that ends the subscription.
func (h *Hub) Subscribe(topic string) (<-chan struct{}, func()) {
	s := &subscriber{ch: make(chan struct{}, 1)}
	return s.ch, h.add(topic, s)
}

// SubscribeFunc calls fn after each Publish on topic until the returned function ends the
// subscription. fn runs in the publisher's goroutine with the hub locked: it must return at
// once, and not call the hub.
func (h *Hub) SubscribeFunc(topic string, fn func()) func() {
	return h.add(topic, &subscriber{fn: fn})
}

func (h *Hub) add(topic string, s *subscriber) func() {
	h.mu.Lock()
	if h.subs[topic] == nil {
		h.subs[topic] = map[*subscriber]struct{}{}
	}
	h.subs[topic][s] = struct{}{}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.subs[topic], s)
		if len(h.subs[topic]) == 0 {
			delete(h.subs, topic)
		}
		h.mu.Unlock()
	}
}

// Publish wakes every subscriber of topic, on this instance and, through the relay, on the
// others. It never blocks: a subscriber that has not read the previous signal yet will read
// the database once for both.
func (h *Hub) Publish(topic string) {
	h.Deliver(topic)
	if h.relay != nil {
		h.relay(topic)
	}
}

// Deliver wakes the subscribers of topic on this instance only: a publication that came from
// another instance.
func (h *Hub) Deliver(topic string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[topic] {
		s.wake()
	}
}

// DeliverAll wakes every subscriber of this instance: publications may have been missed.
func (h *Hub) DeliverAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.subs {
		for s := range subs {
			s.wake()
		}
	}
}

func (s *subscriber) wake() {
	if s.fn != nil {
		s.fn()
		return
	}
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

// Polling reports whether publications of other instances may fail to arrive: the hub has a
// relay whose listening connection is down. Waiters then read the database on their own
// every second or so, as they would with no hub at all.
func (h *Hub) Polling() bool { return h.polling.Load() }
