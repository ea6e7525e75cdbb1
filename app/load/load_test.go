package load

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/citizens"
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
			cfg, err := parseFlags(append([]string{"-url", env.URL, "-d", "2m", "-hash-for", "0", "-device-key", deviceKey}, tc.args...), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := drive(context.Background(), cfg, io.Discard)
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
		"-d", "1m", "-wrong", "0.2", "-poll", "5ms", "-hash-for", "0"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := drive(context.Background(), cfg, io.Discard)
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

// TestLoadDriverPool logs a class of generated citizens in (the CSV `dvclogin citizens
// generate` writes), each login with a citizen of its own, in every scenario; a second run
// finds the citizens' phones in the -devices file and needs no new app login to read codes.
func TestLoadDriverPool(t *testing.T) {
	env := apptest.New(t, apptest.UnbudgetedSMS, func(c *app.Config) { c.TrustedProxies = nil })
	ctx := context.Background()
	drafts, err := citizens.Visitors(ctx, env.App.Store(), 6, citizens.VisitorOptions{RandomSecrets: true, WebLogin: true}, env.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := citizens.Create(ctx, env.App.Store(), env.App.Hasher(), drafts, env.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(t.TempDir(), "lop.csv")
	var buf bytes.Buffer
	if err := citizens.WriteCSV(&buf, accounts); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csvPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		args       []string
		want       int64
		warmLogins int64 // app logins of the warm-up: the first run logs every direct citizen in, the next none
	}{
		{"Direct", []string{"-scenario", "direct", "-c", "4", "-n", "12"}, 12, 6},
		{"DirectAgain", []string{"-scenario", "direct", "-c", "6", "-n", "6"}, 6, 0},
		{"QR", []string{"-scenario", "qr", "-c", "3", "-n", "6"}, 6, 0},
		{"Mixed", []string{"-scenario", "mixed", "-c", "4", "-n", "8"}, 8, 3}, // the QR run signed the direct half out
		{"Waiters", []string{"-scenario", "waiters", "-c", "4", "-waiters", "12", "-confirms", "3", "-d", "300ms"}, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-url", env.URL, "-d", "2m", "-hash-for", "0", "-citizens", csvPath}, tc.args...)
			cfg, err := parseFlags(args, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := drive(ctx, cfg, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			rep.write(&out)
			t.Log("\n" + out.String())
			if got := rep.stats.completed.Load(); got != tc.want || rep.failures() != 0 || rep.stats.rejected.Load() != 0 ||
				!strings.Contains(out.String(), "errors: none") {
				t.Fatalf("completed %d of %d, %d failures, %d rejected:\n%s", got, tc.want, rep.failures(), rep.stats.rejected.Load(), out.String())
			}
			if rep.poolSize != 6 || rep.warmLogins != tc.warmLogins {
				t.Fatalf("pool of %d citizens, %d warm-up app logins; want 6 and %d", rep.poolSize, rep.warmLogins, tc.warmLogins)
			}
			if tc.name == "Waiters" && (rep.waitersOpened != 12 || len(rep.stats.steps["notify_lag"]) != 3) {
				t.Fatalf("%d waiters opened, %d lags measured:\n%s", rep.waitersOpened, len(rep.stats.steps["notify_lag"]), out.String())
			}
		})
	}
}

// TestPoolLeasesEachCitizenOnce: a citizen out on lease is not handed to another login until it
// comes back.
func TestPoolLeasesEachCitizenOnce(t *testing.T) {
	r := &runner{stats: newLoadStats()}
	a, b := &citizen{idNumber: "a"}, &citizen{idNumber: "b"}
	r.pool = newPool([]*citizen{a, b}, false)
	first, _ := r.lease(context.Background(), false)
	second, _ := r.lease(context.Background(), false)
	if first == second {
		t.Fatal("one citizen leased twice")
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if c, err := r.lease(gone, false); err == nil {
		t.Fatalf("leased %s while every citizen was out", c.idNumber)
	}
	r.handBack(first)
	if c, err := r.lease(context.Background(), false); err != nil || c != first {
		t.Fatalf("after the hand back: %v, %v", c, err)
	}
	// Mixed splits the pool: the QR half never serves a direct login.
	m := &runner{stats: newLoadStats()}
	m.pool = newPool([]*citizen{{idNumber: "d"}, {idNumber: "q"}}, true)
	if c, _ := m.lease(context.Background(), true); c.idNumber != "q" || !c.qr {
		t.Fatalf("mixed QR lease gave %s", c.idNumber)
	}
}
