package web

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"testing"
	"time"
)

// waitQueued spins until n hashes of priority pri wait for a core: a state to reach, not a time.
func waitQueued(h *Hasher, pri Priority, n int) {
	for {
		h.mu.Lock()
		got := len(h.waiting[pri.queue()])
		h.mu.Unlock()
		if got == n {
			return
		}
		runtime.Gosched()
	}
}

// hasMeasured sets the mean hash time as if measured just now, and keeps it for the test: the
// hasher never looks idle long enough to forget it.
func hasMeasured(h *Hasher, mean time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mean, h.lastDone = mean, time.Now().Add(time.Hour)
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

// Under saturation a core that frees goes to paid work (a QR confirm's passcode) before admitted
// work that came earlier, and admitted work is served in its order of arrival.
func TestHasherPaidWorkGoesFirst(t *testing.T) {
	h := newHasher(fast, 2, time.Hour)
	ctx := context.Background()
	var running []func()
	for range 2 {
		r, err := h.admit(ctx, HashNew)
		if err != nil {
			t.Fatal(err)
		}
		running = append(running, r)
	}
	first := admitAsync(h, HashStarted)
	waitQueued(h, HashStarted, 1)
	second := admitAsync(h, HashNew)
	waitQueued(h, HashNew, 2) // the same queue as started work
	paid := admitAsync(h, HashPaid)
	waitQueued(h, HashPaid, 1)

	running[0]() // one core frees: the paid hash gets it, though it came last
	p := <-paid
	if p.err != nil {
		t.Fatalf("paid hash: %v", p.err)
	}
	waitQueued(h, HashStarted, 2) // both admitted hashes still wait
	select {
	case a := <-first:
		t.Fatalf("an admitted hash got the core before the paid one: %v", a.err)
	default:
	}

	running[1]() // the next core goes to the hash that came first
	if a := <-first; a.err != nil {
		t.Fatal(a.err)
	} else {
		defer a.release()
	}
	waitQueued(h, HashNew, 1)
	select {
	case <-second:
		t.Fatal("the second hash overtook the first")
	default:
	}
	p.release()
	if a := <-second; a.err != nil {
		t.Fatal(a.err)
	} else {
		a.release()
	}
}

// A hash that starts a login is refused at once when it would wait beyond the bound; the
// password step of a login admitted at its start, and paid work, are never refused for want of
// a core: they wait their turn, which admission keeps short.
func TestHasherRefusesBeyondTheBoundNotAdmittedWork(t *testing.T) {
	h := newHasher(fast, 1, 250*time.Millisecond)
	hasMeasured(h, 100*time.Millisecond)
	ctx := context.Background()
	hold, err := h.admit(ctx, HashNew) // a free core: no wait
	if err != nil {
		t.Fatal(err)
	}
	queued := []chan admitted{admitAsync(h, HashNew)} // one ahead of it: 100 ms
	waitQueued(h, HashNew, 1)
	queued = append(queued, admitAsync(h, HashNew)) // two ahead: 200 ms
	waitQueued(h, HashNew, 2)
	if _, err := h.admit(ctx, HashNew); !errors.Is(err, ErrBusy) {
		t.Fatalf("new hash expected to wait 300 ms with a bound of 250: %v, want ErrBusy at once", err)
	}
	if ok, after := h.AdmitStart(); ok || after <= 0 {
		t.Fatalf("start beyond the bound: admitted %v, retry after %v; want refused with a time to come back", ok, after)
	}
	queued = append(queued, admitAsync(h, HashStarted), admitAsync(h, HashStarted))
	waitQueued(h, HashStarted, 4)
	paid := admitAsync(h, HashPaid)
	waitQueued(h, HashPaid, 1)
	hold()
	p := <-paid
	if p.err != nil {
		t.Fatalf("paid hash beyond the bound: %v", p.err)
	}
	p.release()
	cases := make([]reflect.SelectCase, len(queued))
	for i, q := range queued {
		cases[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(q)}
	}
	for range queued { // release each as it gets its core: none is refused
		i, v, _ := reflect.Select(cases)
		cases[i].Chan = reflect.Value{}
		a := v.Interface().(admitted)
		if a.err != nil {
			t.Fatalf("admitted hash refused: %v", a.err)
		}
		a.release()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.running != 0 || len(h.waiting[queueAdmitted])+len(h.waiting[queuePaid]) != 0 {
		t.Fatalf("after all released: %d running, %v waiting", h.running, h.waiting)
	}
}

// A start admitted counts as a hash to come for a moment: a burst of starts is admitted only as
// far as their hashes fit in the bound, a password step that asks takes its promise back, and a
// promise not taken lapses.
func TestHasherAdmitStartCountsPromisedHashes(t *testing.T) {
	h := newHasher(fast, 1, 250*time.Millisecond)
	hasMeasured(h, 100*time.Millisecond)
	for i := range 3 { // expected waits 0, 100 and 200 ms
		if ok, _ := h.AdmitStart(); !ok {
			t.Fatalf("start %d refused by an idle hasher", i+1)
		}
	}
	if ok, _ := h.AdmitStart(); ok {
		t.Fatal("a fourth start admitted: its hash would wait 300 ms with a bound of 250")
	}
	release, err := h.admit(context.Background(), HashStarted) // one of them asks: its promise is now a running hash
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := h.AdmitStart(); ok {
		t.Fatal("a start admitted while one hash runs and two are promised")
	}
	release()
	if ok, _ := h.AdmitStart(); !ok {
		t.Fatal("a start refused after a promised hash ran: 200 ms expected")
	}
	h.mu.Lock()
	for i := range h.promised { // the promises lapse: the logins went no further
		h.promised[i] = h.promised[i].Add(-promiseTTL)
	}
	h.mu.Unlock()
	for i := range 3 {
		if ok, _ := h.AdmitStart(); !ok {
			t.Fatalf("start %d refused after the promises lapsed", i+1)
		}
	}
}

// Promises whose hash never asks (QR logins left waiting, a page opened many times) stop
// counting as they lapse, and count again once their hashes ask.
func TestHasherPromisesCountAsFarAsTheyAsk(t *testing.T) {
	h := newHasher(fast, 1, 250*time.Millisecond)
	hasMeasured(h, 100*time.Millisecond)
	admitted := func() int {
		n := 0
		for n < 100 {
			if ok, _ := h.AdmitStart(); !ok {
				break
			}
			n++
		}
		return n
	}
	lapse := func() {
		h.mu.Lock()
		for i := range h.promised {
			h.promised[i] = h.promised[i].Add(-promiseTTL)
		}
		h.mu.Unlock()
	}
	if n := admitted(); n != 3 {
		t.Fatalf("%d starts admitted while every promise asks, want 3 (waits 0, 100 and 200 ms)", n)
	}
	for range 20 { // starts that go no further
		lapse()
		admitted()
	}
	lapse()
	if n := admitted(); n < 20 {
		t.Fatalf("%d starts admitted after hundreds of promises lapsed unasked, want them to count for little", n)
	}
	ctx := context.Background()
	for range 64 { // then their hashes ask, one after another
		r, err := h.admit(ctx, HashStarted)
		if err != nil {
			t.Fatal(err)
		}
		r()
		h.AdmitStart()
	}
	lapse()
	h.mu.Lock()
	h.promised = nil
	h.mu.Unlock()
	if n := admitted(); n > 4 {
		t.Fatalf("%d starts admitted once promises ask again, want about 3", n)
	}
}

// An app login takes a hash promised to a login started at the desktop, even beyond the bound:
// it is that login's phone. With none promised it is a start of its own, refused beyond the bound.
func TestHasherAppLoginJoinsAStartedLogin(t *testing.T) {
	h := newHasher(fast, 1, 250*time.Millisecond)
	hasMeasured(h, 100*time.Millisecond)
	ctx := context.Background()
	for range 3 { // expected waits 0, 100 and 200 ms
		if ok, _ := h.AdmitStart(); !ok {
			t.Fatal("start refused by an idle hasher")
		}
	}
	hold, err := h.admit(ctx, HashStarted) // one of them asks: two promised hashes are left
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.admit(ctx, HashNew); !errors.Is(err, ErrBusy) {
		t.Fatal("a start of its own admitted beyond the bound")
	}
	joins := []chan admitted{admitAsync(h, HashJoins)}
	waitQueued(h, HashJoins, 1)
	joins = append(joins, admitAsync(h, HashJoins))
	waitQueued(h, HashJoins, 2)
	h.mu.Lock()
	left := len(h.promised)
	h.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d promised hashes left after two app logins took them", left)
	}
	if _, err := h.admit(ctx, HashJoins); !errors.Is(err, ErrBusy) {
		t.Fatal("an app login admitted beyond the bound with no promised hash to take")
	}
	hold()
	for _, j := range joins {
		a := <-j
		if a.err != nil {
			t.Fatalf("app login that took a promised hash refused: %v", a.err)
		}
		a.release()
	}
}

// An app login brings a passcode, paid work that will overtake whoever waits: the prediction
// counts it from the app login's admission until the passcode asks.
func TestHasherCountsThePasscodeAnAppLoginBrings(t *testing.T) {
	h := newHasher(fast, 1, 150*time.Millisecond)
	hasMeasured(h, 100*time.Millisecond)
	ctx := context.Background()
	done, err := h.admit(ctx, HashJoins)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := h.AdmitStart(); ok {
		t.Fatal("a start admitted behind an app login and the passcode it brings (200 ms, bound 150)")
	}
	done() // the app login is done; its passcode is still to come
	if ok, _ := h.AdmitStart(); !ok {
		t.Fatal("a start refused with only a passcode to come ahead (100 ms)")
	}
	if ok, _ := h.AdmitStart(); ok {
		t.Fatal("a start admitted behind a promised passcode and a promised start (200 ms)")
	}
	paid, err := h.admit(ctx, HashPaid) // the passcode asks: its promise becomes a running hash
	if err != nil {
		t.Fatal(err)
	}
	paid()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.joining != 0 || len(h.paidPromised) != 0 {
		t.Fatalf("after the passcode: %d app logins joining, %d passcodes promised; want none", h.joining, len(h.paidPromised))
	}
}

// The mean a prediction uses is measured: it follows the time hashes take.
func TestHasherMeasuresTheMean(t *testing.T) {
	h := newHasher(fast, 1, time.Second)
	h.mean = time.Hour
	for range 3 {
		h.HashNow("x")
	}
	if h.mean >= time.Hour*7/8*7/8 {
		t.Fatalf("mean %v after three quick hashes, want it fallen from an hour by an eighth of the gap each", h.mean)
	}

	// A mean measured under load is forgotten once the hasher has been idle a moment.
	h.mean = 10 * time.Second
	h.mu.Lock()
	h.fitsLocked(h.lastDone.Add(promiseTTL / 2))
	if h.mean != 10*time.Second {
		t.Fatalf("mean %v right after a hash, want the measured 10s kept", h.mean)
	}
	h.fitsLocked(h.lastDone.Add(promiseTTL))
	if h.mean != h.firstMean() {
		t.Fatalf("mean %v after an idle moment, want it back to %v", h.mean, h.firstMean())
	}
	h.mu.Unlock()
}

// RefuseNew and Saturate: the states tests put a server in.
func TestHasherRefuseNewAndSaturate(t *testing.T) {
	h := newHasher(fast, 2, time.Second)
	ctx := context.Background()
	stop := h.RefuseNew()
	if _, err := h.Verify(ctx, "", "x"); !errors.Is(err, ErrBusy) {
		t.Fatalf("new work while refused: %v", err)
	}
	h.dummy = h.hash("dummy")
	for _, pri := range []Priority{HashStarted, HashPaid} {
		if _, err := h.VerifyAt(ctx, pri, "", "x"); err != nil {
			t.Fatalf("admitted work (priority %d) while new work is refused: %v", pri, err)
		}
	}
	stop()
	release := h.Saturate()
	if _, err := h.VerifyAt(ctx, HashPaid, "", "x"); !errors.Is(err, ErrBusy) {
		t.Fatalf("paid work while saturated: %v", err)
	}
	if ok, _ := h.AdmitStart(); ok {
		t.Fatal("a start admitted while saturated")
	}
	release()
	if _, err := h.Verify(ctx, "", "x"); err != nil {
		t.Fatalf("after the release: %v", err)
	}
}
