package web

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

// waitQueued spins until n hashes of priority pri wait for a core: a state to reach, not a time.
func waitQueued(h *Hasher, pri Priority, n int) {
	for {
		h.mu.Lock()
		got := len(h.waiting[pri])
		h.mu.Unlock()
		if got == n {
			return
		}
		runtime.Gosched()
	}
}

type admitted struct {
	release func()
	err     error
}

func admitAsync(h *Hasher, pri Priority) chan admitted {
	ch := make(chan admitted, 1)
	go func() {
		r, err := h.admit(context.Background(), pri)
		ch <- admitted{r, err}
	}()
	return ch
}

// Under saturation a core that frees goes to paid work (a QR confirm's passcode) before new work
// that came earlier, and new work is served in its order of arrival.
func TestHasherPaidWorkGoesFirst(t *testing.T) {
	h := newHasher(fast, 2, 4)
	ctx := context.Background()
	var running []func()
	for range 2 {
		r, err := h.admit(ctx, HashNew)
		if err != nil {
			t.Fatal(err)
		}
		running = append(running, r)
	}
	first := admitAsync(h, HashNew)
	waitQueued(h, HashNew, 1)
	second := admitAsync(h, HashNew)
	waitQueued(h, HashNew, 2)
	paid := admitAsync(h, HashPaid)
	waitQueued(h, HashPaid, 1)

	running[0]() // one core frees: the paid hash gets it, though it came last
	p := <-paid
	if p.err != nil {
		t.Fatalf("paid hash: %v", p.err)
	}
	waitQueued(h, HashNew, 2) // both new hashes still wait
	select {
	case a := <-first:
		t.Fatalf("a new hash got the core before the paid one: %v", a.err)
	default:
	}

	running[1]() // the next core goes to the new hash that came first
	if a := <-first; a.err != nil {
		t.Fatal(a.err)
	} else {
		defer a.release()
	}
	waitQueued(h, HashNew, 1)
	select {
	case <-second:
		t.Fatal("the second new hash overtook the first")
	default:
	}
	p.release()
	if a := <-second; a.err != nil {
		t.Fatal(a.err)
	} else {
		a.release()
	}
}

// Excess new work is refused at once when its queue is full, while paid work, with a queue of
// its own, still waits for a core.
func TestHasherFullQueueRefusesNewWorkNotPaid(t *testing.T) {
	h := newHasher(fast, 1, 2)
	ctx := context.Background()
	hold, err := h.admit(ctx, HashNew)
	if err != nil {
		t.Fatal(err)
	}
	queued := []chan admitted{admitAsync(h, HashNew), admitAsync(h, HashNew)}
	waitQueued(h, HashNew, 2)
	if _, err := h.admit(ctx, HashNew); !errors.Is(err, ErrBusy) {
		t.Fatalf("new hash beyond the queue: %v, want ErrBusy at once", err)
	}
	paid := admitAsync(h, HashPaid)
	waitQueued(h, HashPaid, 1)
	hold()
	p := <-paid
	if p.err != nil {
		t.Fatalf("paid hash refused while new work filled the queue: %v", p.err)
	}
	p.release()
	for range queued { // either may have come first: release each as it gets its core
		var a admitted
		select {
		case a = <-queued[0]:
		case a = <-queued[1]:
		}
		if a.err != nil {
			t.Fatal(a.err)
		}
		a.release()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.running != 0 || len(h.waiting[HashNew])+len(h.waiting[HashPaid]) != 0 {
		t.Fatalf("after all released: %d running, %v waiting", h.running, h.waiting)
	}
}

// RefuseNew and Saturate: the states tests put a server in.
func TestHasherRefuseNewAndSaturate(t *testing.T) {
	h := newHasher(fast, 2, 2)
	ctx := context.Background()
	stop := h.RefuseNew()
	if _, err := h.Verify(ctx, "", "x"); !errors.Is(err, ErrBusy) {
		t.Fatalf("new work while refused: %v", err)
	}
	h.dummy = h.hash("dummy")
	if _, err := h.VerifyAt(ctx, HashPaid, "", "x"); err != nil {
		t.Fatalf("paid work while new work is refused: %v", err)
	}
	stop()
	release := h.Saturate()
	if _, err := h.VerifyAt(ctx, HashPaid, "", "x"); !errors.Is(err, ErrBusy) {
		t.Fatalf("paid work while saturated: %v", err)
	}
	release()
	if _, err := h.Verify(ctx, "", "x"); err != nil {
		t.Fatalf("after the release: %v", err)
	}
}

// New logins are refused at their start once every core hashes and the queue of new logins is
// half full, and admitted again as it drains; paid work waiting does not count against them.
func TestHasherRefusesStartsWhenTheNewQueueFills(t *testing.T) {
	h := newHasher(fast, 1, 4)
	ctx := context.Background()
	if h.RefusesStarts() {
		t.Fatal("an idle hasher refuses new logins")
	}
	hold, err := h.admit(ctx, HashNew)
	if err != nil {
		t.Fatal(err)
	}
	paid := admitAsync(h, HashPaid)
	waitQueued(h, HashPaid, 1)
	first := admitAsync(h, HashNew)
	waitQueued(h, HashNew, 1)
	if h.RefusesStarts() {
		t.Fatal("new logins refused with one of four waiting")
	}
	second := admitAsync(h, HashNew)
	waitQueued(h, HashNew, 2)
	if !h.RefusesStarts() {
		t.Fatal("new logins still started with every core busy and half the queue waiting")
	}
	hold() // the core goes to the paid hash; two new ones still wait
	p := <-paid
	if !h.RefusesStarts() {
		t.Fatal("new logins started while two new hashes still wait for the busy core")
	}
	p.release() // the first new hash runs, one waits: below half the queue
	a := <-first
	if h.RefusesStarts() {
		t.Fatal("new logins refused with one of four waiting")
	}
	a.release()
	b := <-second
	b.release()
	if h.RefusesStarts() {
		t.Fatal("an idle hasher refuses new logins")
	}
}
