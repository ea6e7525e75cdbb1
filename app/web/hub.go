package web

import "sync"

// Hub wakes waiters (server-sent event streams) when something they follow changed. It carries
// no data: the database stays the truth, a woken waiter reads it again.
type Hub struct {
	mu   sync.Mutex
	subs map[string]map[*subscriber]struct{}
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

// Publish wakes every subscriber of topic. It never blocks: a subscriber that has not read the
// previous signal yet will read the database once for both.
func (h *Hub) Publish(topic string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[topic] {
		if s.fn != nil {
			s.fn()
			continue
		}
		select {
		case s.ch <- struct{}{}:
		default:
		}
	}
}
