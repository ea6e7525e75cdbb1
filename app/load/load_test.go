package load

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"dvclogin/app/apptest"
)

// TestLoadDriverCompletesLogins runs each scenario for a few logins against the real app and
// checks that every login went through end to end (ID token verified) with no error.
func TestLoadDriverCompletesLogins(t *testing.T) {
	env := apptest.New(t, apptest.UnbudgetedSMS)
	deviceKey := "" // the runs are one phone, the one that took the citizen's SIM in the first
	for _, tc := range []struct {
		name string
		args []string
		want int64
	}{
		{"Direct", []string{"-scenario", "direct", "-c", "3", "-n", "6"}, 6},
		{"QR", []string{"-scenario", "qr", "-c", "2", "-n", "3"}, 3},
		{"Mixed", []string{"-scenario", "mixed", "-c", "2", "-n", "4"}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseFlags(append([]string{"-url", env.URL, "-d", "2m", "-device-key", deviceKey}, tc.args...), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := drive(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			deviceKey = rep.deviceKey
			var out bytes.Buffer
			rep.write(&out)
			if got := rep.stats.completed.Load(); got != tc.want || rep.failures() != 0 || rep.stats.rejected.Load() != 0 {
				t.Fatalf("completed %d of %d logins, %d failures, %d rejected:\n%s", got, tc.want, rep.failures(), rep.stats.rejected.Load(), out.String())
			}
			t.Log("\n" + out.String())
			if !strings.Contains(out.String(), "errors: none") {
				t.Fatalf("report lists errors:\n%s", out.String())
			}
		})
	}
}

// TestLoadDriverFlood runs a short password flood: every POST is accounted for as hashed or
// refused with Retry-After, and the QR status poll answered during the flood.
func TestLoadDriverFlood(t *testing.T) {
	env := apptest.New(t, apptest.UnbudgetedSMS)
	cfg, err := parseFlags([]string{"-url", env.URL, "-scenario", "password-flood", "-c", "6", "-n", "60",
		"-d", "1m", "-wrong", "0.2", "-poll", "5ms"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := drive(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.write(&out)
	t.Log("\n" + out.String())
	s := rep.stats
	var accounted int
	for step, d := range s.steps {
		if strings.HasPrefix(step, "flood ") {
			accounted += len(d)
		}
	}
	if s.floodSent.Load() != 60 || accounted != 60 || rep.failures() != 0 || len(s.steps["qr_status (idle)"]) == 0 {
		t.Fatalf("sent %d, accounted %d, failures %d:\n%s", s.floodSent.Load(), accounted, rep.failures(), out.String())
	}
	if len(s.steps["flood 200 (hashed, right)"]) == 0 {
		t.Fatalf("no right password went through:\n%s", out.String())
	}
}

// TestLoadRefusesOtherMachines: load may only ever target this machine.
func TestLoadRefusesOtherMachines(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		ok        bool
	}{
		{"OKIPv4", "http://127.0.0.1:8080", true},
		{"OKOtherLoopback", "http://127.3.2.1:8080/", true},
		{"OKIPv6", "http://[::1]:8080", true},
		{"OKLocalhost", "http://localhost:8080", true},
		{"ErrLAN", "http://192.168.1.5:8080", false},
		{"ErrPrivate", "http://10.0.0.1", false},
		{"ErrPublicName", "https://dichvucong.gov.vn", false},
		{"ErrLookalikeName", "http://localhost.example.com:8080", false},
		{"ErrLoopbackAsSubdomain", "http://127.0.0.1.nip.io:8080", false},
		{"ErrUnspecified", "http://0.0.0.0:8080", false},
		{"ErrUserinfoTrick", "http://127.0.0.1@10.0.0.1:8080", false},
		{"ErrNoScheme", "127.0.0.1:8080", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags([]string{"-url", tc.url}, &bytes.Buffer{})
			if (err == nil) != tc.ok {
				t.Fatalf("parseFlags(-url %s): err = %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
	// The dialer refuses a non-loopback peer whatever a name resolved to or a redirect said.
	for _, addr := range []string{"10.0.0.1:80", "192.168.1.5:8080", "[2001:db8::1]:443"} {
		if loopbackOnly("tcp", addr, nil) == nil {
			t.Errorf("dialer allowed %s", addr)
		}
	}
	if err := loopbackOnly("tcp", "127.0.0.1:8080", nil); err != nil {
		t.Errorf("dialer refused loopback: %v", err)
	}
}

// TestLoadIsBounded: a run without a time bound or beyond 30 minutes is refused.
func TestLoadIsBounded(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second, 31 * time.Minute} {
		if _, err := parseFlags([]string{"-url", "http://127.0.0.1:8080", "-d", d.String()}, &bytes.Buffer{}); err == nil {
			t.Errorf("-d %s accepted", d)
		}
	}
}
