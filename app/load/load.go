// Package load is the load driver behind `dvclogin load`: it logs a pool of citizens in
// through the real HTTP surface, many times over, and reports latencies and rates, each rate
// also as a share of the argon2id hash rate measured in the same run. It only ever talks to a server
// on this machine: a load test against someone else's server is an attack, so any target that is not
// a loopback address is refused, and so is any connection that would leave loopback.
package load

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"dvclogin/store"
)

const (
	unknownIDs   = "0010999"        // wrong passwords go to unknown IDs (this prefix + 5 digits) so the demo account never locks
	maxDuration  = 30 * time.Minute // a load run always ends by itself
	drainGrace   = 30 * time.Second // logins in flight when the time is up may finish
	maxCodeTries = 4                // an OTP challenge dies at the 5th wrong code
	userAgent    = "Mozilla/5.0 (X11; Linux x86_64) dvclogin-load"
)

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// Config is one load run.
type Config struct {
	Target     *url.URL
	Scenario   string // direct | qr | mixed | password-flood | waiters
	Users      int
	Duration   time.Duration
	MaxLogins  int // 0: bounded by Duration only
	IDNumber   string
	Password   string
	Passcode   string
	SourceIPs  int     // spread connections over 127.0.0.1..127.0.0.N
	WrongShare float64 // password-flood: share of wrong passwords
	ServerPID  int     // read the server's memory from /proc before and after
	PollEvery  time.Duration
	DeviceKey  string        // the phone's device key from an earlier run: the phone that holds the SIM
	Citizens   []string      // CSV files of citizens with their secrets (`dvclogin citizens generate`)
	Devices    string        // file keeping each citizen's phone between runs
	HashFor    time.Duration // how long to measure the argon2id rate; 0: not measured
	Waiters    int           // waiters: QR logins left waiting with open event streams
	Confirms   int           // waiters: how many of them are confirmed
}

// Main is the `load` subcommand.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	// Ctrl-C ends the run early and still prints what was measured.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stderr, "load: %s against %s, %d users, %s (load average %s)\n",
		cfg.Scenario, cfg.Target, cfg.Users, cfg.Duration, loadAverage())
	rep, err := drive(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	rep.write(stdout)
	if cfg.DeviceKey == "" && cfg.Devices == "" && rep.deviceKey != "" {
		fmt.Fprintf(stderr, "load: this run's phone has the device key %s; pass -device-key %s to run again as the phone that holds the SIM\n",
			rep.deviceKey, rep.deviceKey)
	}
	if n := rep.failures(); n > 0 {
		return fmt.Errorf("load: %d failed requests or logins (see the report)", n)
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet("dvclogin load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "http://127.0.0.1:8080", "server to load: loopback only (127.0.0.0/8, ::1, localhost)")
	cfg := Config{}
	fs.StringVar(&cfg.Scenario, "scenario", "direct", "direct | qr | mixed | password-flood | waiters")
	fs.IntVar(&cfg.Users, "c", 8, "concurrent virtual users (waiters: how many open their QR login at a time)")
	fs.DurationVar(&cfg.Duration, "d", 20*time.Second, "how long to start new logins (at most 30m)")
	fs.IntVar(&cfg.MaxLogins, "n", 0, "stop after this many logins (password POSTs for password-flood); 0 = until -d")
	fs.Func("citizens", "CSV of citizens with their secrets, as `dvclogin citizens generate` writes it (repeat for more files); default: the one citizen of -id", func(v string) error {
		cfg.Citizens = append(cfg.Citizens, v)
		return nil
	})
	fs.StringVar(&cfg.Devices, "devices", "", "file that keeps each citizen's phone (device key, app session) between runs; default: the first -citizens file + \".devices\"")
	fs.DurationVar(&cfg.HashFor, "hash-for", 3*time.Second, "measure argon2id at the server's parameters on every core this long before the run (0: do not)")
	fs.IntVar(&cfg.Waiters, "waiters", 1000, "waiters: QR logins to leave waiting with their event streams open")
	fs.IntVar(&cfg.Confirms, "confirms", 20, "waiters: how many of them to confirm, spread over -d")
	fs.StringVar(&cfg.IDNumber, "id", store.DemoCitizens[0].IDNumber, "without -citizens: số định danh of a level-2 citizen with web login enabled")
	fs.StringVar(&cfg.Password, "password", store.DemoPassword, "the citizen's password")
	fs.StringVar(&cfg.Passcode, "passcode", store.DemoPasscode, "the citizen's app passcode (QR confirm)")
	fs.IntVar(&cfg.SourceIPs, "ips", 1, "spread connections over 127.0.0.1..127.0.0.N, as N browsers (Linux; IPv4 target)")
	fs.Float64Var(&cfg.WrongShare, "wrong", 0, "password-flood: share of attempts with a wrong password (0..1)")
	fs.IntVar(&cfg.ServerPID, "pid", 0, "server process id: report its VmRSS/VmHWM before and after (Linux)")
	fs.DurationVar(&cfg.PollEvery, "poll", 100*time.Millisecond, "password-flood: QR status poll interval")
	fs.StringVar(&cfg.DeviceKey, "device-key", os.Getenv("DVC_LOAD_DEVICE_KEY"),
		"device key of the phone that holds the citizen's SIM (printed by an earlier run); empty: a new phone, which takes the SIM only if it is free")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("load: unexpected argument %q", fs.Arg(0))
	}
	u, err := loopbackTarget(*target)
	if err != nil {
		return cfg, err
	}
	cfg.Target = u
	if cfg.Devices == "" && len(cfg.Citizens) > 0 {
		cfg.Devices = cfg.Citizens[0] + ".devices"
	}
	return cfg, cfg.validate()
}

func (c Config) validate() error {
	var errs []error
	if !slices.Contains([]string{"direct", "qr", "mixed", "password-flood", "waiters"}, c.Scenario) {
		errs = append(errs, fmt.Errorf("load: unknown scenario %q (direct, qr, mixed, password-flood, waiters)", c.Scenario))
	}
	if c.Waiters < 1 || c.Waiters > 20000 || c.Confirms < 0 || c.Confirms > c.Waiters {
		errs = append(errs, errors.New("load: -waiters must be 1..20000 and -confirms 0..-waiters"))
	}
	if c.HashFor < 0 || c.HashFor > time.Minute {
		errs = append(errs, errors.New("load: -hash-for must be 0..1m"))
	}
	if c.Users < 1 || c.Users > 512 {
		errs = append(errs, errors.New("load: -c must be 1..512"))
	}
	if c.Duration <= 0 || c.Duration > maxDuration {
		errs = append(errs, fmt.Errorf("load: -d must be positive and at most %s", maxDuration))
	}
	if c.MaxLogins < 0 {
		errs = append(errs, errors.New("load: -n must not be negative"))
	}
	if c.WrongShare < 0 || c.WrongShare > 1 {
		errs = append(errs, errors.New("load: -wrong must be between 0 and 1"))
	}
	if c.SourceIPs < 1 || c.SourceIPs > 250 {
		errs = append(errs, errors.New("load: -ips must be 1..250"))
	}
	if ip := net.ParseIP(c.Target.Hostname()); c.SourceIPs > 1 && (ip == nil || ip.To4() == nil) {
		errs = append(errs, errors.New("load: -ips needs an IPv4 loopback target such as http://127.0.0.1:8080"))
	}
	if c.PollEvery <= 0 {
		errs = append(errs, errors.New("load: -poll must be positive"))
	}
	return errors.Join(errs...)
}

// loopbackTarget parses the target and refuses anything but a server on this machine.
func loopbackTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("load: -url %q must look like http://127.0.0.1:8080", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("load: refusing %s: load may only target this machine (127.0.0.0/8, ::1, localhost)", u.Host)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOnly is the dialer's last word: whatever a name resolved to or a redirect pointed
// at, no connection leaves this machine.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("load: refusing to connect to %s: not a loopback address", address)
	}
	return nil
}
