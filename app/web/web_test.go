package web

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var fast = Argon2Params{Memory: 1024, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h := NewHasher(fast, 4)
	ctx := context.Background()
	long := strings.Repeat("đ", 100) // 100 characters, 200 bytes: no truncation allowed
	tests := []struct {
		name, secret, try string
		want              bool
	}{
		{"OK", "Demo@1234", "Demo@1234", true},
		{"ErrWrong", "Demo@1234", "demo@1234", false},
		{"OKVietnamese", long, long, true},
		{"ErrTruncated", long, strings.Repeat("đ", 36), false}, // the first 72 bytes
		{"ErrEmpty", "Demo@1234", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			phc, err := h.Hash(ctx, tc.secret)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(phc, "$argon2id$v=19$m=1024,t=1,p=1$") {
				t.Fatalf("PHC string %q", phc)
			}
			if got, _ := h.Verify(ctx, phc, tc.try); got != tc.want {
				t.Fatalf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
}

// Hashes made with other parameters stay valid after the parameters change.
func TestVerifyOldParameters(t *testing.T) {
	old := NewHasher(Argon2Params{Memory: 2048, Time: 2, Threads: 1}, 1)
	phc := old.HashNow("Demo@1234")
	if ok, _ := NewHasher(fast, 1).Verify(context.Background(), phc, "Demo@1234"); !ok {
		t.Fatal("a hash with older parameters no longer verifies")
	}
}

func TestUnknownAccountCostsAHash(t *testing.T) {
	h := NewHasher(fast, 1)
	if ok, err := h.Verify(context.Background(), "", "anything"); ok || err != nil {
		t.Fatalf("empty hash verified: %v %v", ok, err)
	}
}

// Beyond the running slots and the queue, hashing answers ErrBusy at once instead of queueing
// without limit.
func TestHasherAdmission(t *testing.T) {
	// A bound of a nanosecond: a hash that would wait at all is refused.
	h := newHasher(Argon2Params{Memory: 8 * 1024, Time: 3, Threads: 1}, runtime.GOMAXPROCS(0), time.Nanosecond)
	slots := h.slots
	release := make([]func(), 0, slots)
	for i := 0; i < slots; i++ {
		r, err := h.admit(context.Background(), HashNew)
		if err != nil {
			t.Fatalf("slot %d: %v", i, err)
		}
		release = append(release, r)
	}
	if _, err := h.Verify(context.Background(), "", "x"); !errors.Is(err, ErrBusy) {
		t.Fatalf("with every slot taken and no wait allowed: %v, want ErrBusy at once", err)
	}
	for _, r := range release {
		r()
	}
	var wg sync.WaitGroup
	for i := 0; i < slots; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.Verify(context.Background(), "", "x"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestMasks(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"Phone", MaskPhone("0912345678"), "091****678"},
		{"IDNumber", MaskIDNumber("001085012345"), "00********45"},
		{"Name", MaskName("Nguyễn Văn An"), "N***** V** A*"},
		{"IDNumberOddLength", MaskIDNumber("123"), "***"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	for _, s := range []string{"00108501234", "0010850123456", "00108501234a", "００１０８５０１２３４"} {
		if IsIDNumber(s) {
			t.Errorf("IsIDNumber(%q) = true", s)
		}
	}
	if !IsIDNumber("001085012345") || !IsPasscode("135790") || IsPasscode("13579") {
		t.Error("format checks")
	}
}

func TestQRDrawings(t *testing.T) {
	bm, err := QRBitmap("http://192.168.1.23:8080/app/scan#abc.1.def")
	if err != nil {
		t.Fatal(err)
	}
	png, err := QRPNG(bm, 4)
	if err != nil || len(png) < 100 || string(png[1:4]) != "PNG" {
		t.Fatalf("PNG: %v, %d bytes", err, len(png))
	}
	svg := string(QRSVG(bm))
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "<path") {
		t.Fatalf("SVG: %.80s", svg)
	}
}

// keyCall is one argon2id derivation: the parameters and key length that set its cost.
type keyCall struct {
	Params Argon2Params
	KeyLen uint32
}

// countKeys records the argon2id derivations until the test ends.
func countKeys(t *testing.T) *[]keyCall {
	t.Helper()
	var mu sync.Mutex
	calls := &[]keyCall{}
	orig := idKey
	idKey = func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		mu.Lock()
		*calls = append(*calls, keyCall{Argon2Params{Memory: memory, Time: time, Threads: threads}, keyLen})
		mu.Unlock()
		return orig(password, salt, time, memory, threads, keyLen)
	}
	t.Cleanup(func() { idKey = orig })
	return calls
}

// Making a Hasher costs no argon2id (a start does not wait for one); an unknown account's
// secret is then checked with exactly the derivation a wrong password of a known account
// costs: the same parameters and key length, one derivation each. The unknown ID number and
// the wrong password therefore take the same time, from the first unknown one on.
func TestUnknownAccountCostsTheSameHash(t *testing.T) {
	calls := countKeys(t)
	p := Argon2Params{Memory: 2048, Time: 2, Threads: 1}
	h := NewHasher(p, 1)
	if len(*calls) != 0 {
		t.Fatalf("NewHasher derived %d argon2id keys, want none", len(*calls))
	}
	phc := h.HashNow("Demo@1234")
	*calls = nil
	ctx := context.Background()
	if ok, err := h.Verify(ctx, phc, "Sai@12345"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	known := *calls
	for i := range 2 { // the first unknown account, when the dummy is made, and a later one
		*calls = nil
		if ok, err := h.Verify(ctx, "", "Sai@12345"); ok || err != nil {
			t.Fatalf("unknown account %d: %v %v", i, ok, err)
		}
		if len(*calls) != 1 || len(known) != 1 || (*calls)[0] != known[0] {
			t.Fatalf("unknown account %d derived %+v, a wrong password %+v: want one and the same", i, *calls, known)
		}
	}
	if want := (keyCall{p, 32}); known[0] != want {
		t.Fatalf("a wrong password derived %+v, want %+v", known[0], want)
	}
}
