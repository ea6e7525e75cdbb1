package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunUnknownCommandListsTheCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"bogus"}, Streams{Out: &out, Err: &errOut})
	if err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Fatalf("Run(bogus) = %v, want an unknown-command error naming it", err)
	}
	for name := range commands {
		if !strings.Contains(errOut.String(), name) {
			t.Errorf("usage on stderr does not list %q:\n%s", name, errOut.String())
		}
	}
}

func TestParseServeFlags(t *testing.T) {
	t.Setenv("DVC_ADDR", "127.0.0.1:9999")
	t.Setenv("DVC_SECOND_FACTOR", "app")
	tests := []struct {
		name string
		args []string
		ok   bool
		addr string
	}{
		{"EnvDefault", nil, true, "127.0.0.1:9999"},
		{"FlagWins", []string{"-addr", "127.0.0.1:7000"}, true, "127.0.0.1:7000"},
		{"ServeAfterFlags", []string{"-addr", "127.0.0.1:7000", "serve"}, true, "127.0.0.1:7000"},
		{"ErrStrayArgument", []string{"-addr", "127.0.0.1:7000", "extra"}, false, ""},
		{"ErrBadFactor", []string{"-second-factor", "email"}, false, ""},
		{"ErrUnknownFlag", []string{"-nope"}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := parseServeFlags(tc.args, &bytes.Buffer{})
			if (err == nil) != tc.ok {
				t.Fatalf("parseServeFlags(%q) err = %v, want ok=%v", tc.args, err, tc.ok)
			}
			if tc.ok && (cfg.Addr != tc.addr || cfg.SecondFactor != "app") {
				t.Fatalf("addr %q factor %q, want %q app", cfg.Addr, cfg.SecondFactor, tc.addr)
			}
		})
	}
}

// syncBuffer is a buffer a command writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestServeStartsAndStops runs the default command as a user would, on a free port and a
// fresh data folder: it prints the banner once it listens, and stops when its context ends.
func TestServeStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-admin-password", "Op-secret-2026"},
			Streams{Out: &out, Err: &errOut})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "/console/") {
		select {
		case err := <-done:
			t.Fatalf("serve ended before its banner: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner after 30 s:\n%s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
}
