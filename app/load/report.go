package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"dvclogin/app/web"
)

// errKind shortens a transport error for the report.
func errKind(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "transport error"
}

// stats collects latencies by step, statuses and errors from every goroutine.
type stats struct {
	mu       sync.Mutex
	steps    map[string][]time.Duration
	statuses map[int]int
	errors   map[string]int

	completed, rejected, failed, noRetryAfter, floodSent atomic.Int64
	completedDirect, completedQR                         atomic.Int64
	readLogins                                           atomic.Int64 // app logins to read codes (a kept session had ended)
}

func newLoadStats() *stats {
	return &stats{steps: map[string][]time.Duration{}, statuses: map[int]int{}, errors: map[string]int{}}
}

func (s *stats) add(step string, d time.Duration) {
	s.mu.Lock()
	s.steps[step] = append(s.steps[step], d)
	s.mu.Unlock()
}

func (s *stats) status(code int) {
	s.mu.Lock()
	s.statuses[code]++
	s.mu.Unlock()
}

func (s *stats) error(key string) {
	s.mu.Lock()
	s.errors[key]++
	s.mu.Unlock()
}

// Report is what a run measured.
type Report struct {
	cfg                   Config
	stats                 *stats
	elapsed               time.Duration
	loadBefore, loadAfter string
	memBefore, memAfter   string
	deviceKey             string // the phone's device key (given, or issued by the server in this run)
	poolSize              int
	hashRate              float64 // argon2id hashes a second on every core, measured before the run
	hashRateAfter         float64 // and after it
	hashCores             int
	warmLogins            int64 // app logins of the warm-up
	warmTook              time.Duration
	waitersOpened         int64
	waitersTook           time.Duration
	memWaiting            string
	rssBefore, rssWaiting int64 // KiB
}

// failures counts what went wrong (429s are the server's admission control, not failures,
// except a 429 without Retry-After).
func (rep *Report) failures() int {
	n := int(rep.stats.failed.Load() + rep.stats.noRetryAfter.Load())
	if rep.cfg.Scenario == "password-flood" {
		for k, v := range rep.stats.errors {
			if !strings.HasSuffix(k, "HTTP 429") {
				n += v
			}
		}
	}
	return n
}

// stepOrder lists steps in the order a login takes them.
var stepOrder = []string{"lease_wait", "waiter_open", "authorize", "password", "code_page", "read_code", "code", "qr_start",
	"app_login", "scan", "confirm", "notify", "notify_lag", "finish", "token", "login (direct)", "login (qr)",
	"qr_status (idle)", "qr_status (flood)"}

func (rep *Report) write(w io.Writer) {
	s, c := rep.stats, rep.cfg
	secs := rep.elapsed.Seconds()
	fmt.Fprintf(w, "dvclogin load: scenario %s, target %s, %d users, -d %s, -n %d, -ips %d\n",
		c.Scenario, c.Target, c.Users, c.Duration, c.MaxLogins, c.SourceIPs)
	fmt.Fprintf(w, "load average before: %s   after: %s\n", rep.loadBefore, rep.loadAfter)
	fmt.Fprintf(w, "elapsed %.1fs (logins in flight at -d may finish)\n", secs)
	hashRate := max(rep.hashRate, rep.hashRateAfter)
	if hashRate > 0 {
		p := web.DefaultArgon2
		fmt.Fprintf(w, "argon2id rate           %.1f hashes/s  (m=%d KiB, t=%d, p=%d on %d cores; %.1f before the run, %.1f after: the faster counts)\n",
			hashRate, p.Memory, p.Time, p.Threads, rep.hashCores, rep.hashRate, rep.hashRateAfter)
	}
	fmt.Fprintln(w)
	if c.Scenario == "password-flood" {
		s.mu.Lock()
		var hashed, refused int
		for k, d := range s.steps {
			switch {
			case strings.HasPrefix(k, "flood 200"), strings.HasPrefix(k, "flood 401"), strings.HasPrefix(k, "flood 403"):
				hashed += len(d)
			case strings.HasPrefix(k, "flood 429"):
				refused += len(d)
			}
		}
		s.mu.Unlock()
		sent := s.floodSent.Load()
		fmt.Fprintf(w, "password POSTs sent     %d  (%.1f/s)\n", sent, float64(sent)/secs)
		fmt.Fprintf(w, "processed (hashed)      %d  (%.1f/s)\n", hashed, float64(hashed)/secs)
		fmt.Fprintf(w, "refused 429+Retry-After %d  (%.1f%% of sent)\n", refused, 100*float64(refused)/math.Max(float64(sent), 1))
	} else if c.Scenario == "waiters" {
		fmt.Fprintf(w, "waiting QR logins       %d of %d opened in %.1fs (%d answers 429: waited Retry-After, then went on)\n", rep.waitersOpened, c.Waiters,
			rep.waitersTook.Seconds(), s.rejected.Load())
		if rep.rssWaiting > 0 && rep.waitersOpened > 0 {
			fmt.Fprintf(w, "server memory waiting   %s: %.1f KiB more per waiting login\n", rep.memWaiting,
				float64(rep.rssWaiting-rep.rssBefore)/float64(rep.waitersOpened))
		}
		fmt.Fprintf(w, "confirmed while waiting %d  (notify_lag below: confirm answered -> desktop event)\n", s.completed.Load())
		fmt.Fprintf(w, "failed confirms         %d\n", s.failed.Load())
	} else {
		fmt.Fprintf(w, "citizens                %d  (a login leases one; nobody logs in twice at once)\n", rep.poolSize)
		if rep.warmLogins > 0 {
			fmt.Fprintf(w, "warm-up (not timed)     %d app logins to read codes with, %.1fs\n", rep.warmLogins, rep.warmTook.Seconds())
		}
		direct, qr := float64(s.completedDirect.Load())/secs, float64(s.completedQR.Load())/secs
		fmt.Fprintf(w, "completed logins        %d  (%.2f logins/s: direct %.2f/s, qr %.2f/s)\n", s.completed.Load(), direct+qr, direct, qr)
		if hashRate > 0 {
			// A direct login costs one argon2id (the password), a QR login two (app login,
			// passcode): the ratio is the share of the machine's hashing the logins used.
			fmt.Fprintf(w, "ratio to hash rate      %.2f  ((direct/s + 2 × qr/s) ÷ hash/s; direct %.2f × hash/s, qr %.2f × hash/s÷2)\n",
				(direct+2*qr)/hashRate, direct/hashRate, 2*qr/hashRate)
		}
		fmt.Fprintf(w, "rejected with 429       %d  (waited Retry-After, then went on)\n", s.rejected.Load())
		fmt.Fprintf(w, "failed logins           %d\n", s.failed.Load())
		if n := s.readLogins.Load(); n > 0 {
			fmt.Fprintf(w, "app logins to read code %d  (a kept app session had ended: one more hash each)\n", n)
		}
	}
	fmt.Fprintf(w, "429 without Retry-After %d\n", s.noRetryAfter.Load())
	if rep.memBefore != "" || rep.memAfter != "" {
		fmt.Fprintf(w, "server memory before:   %s\nserver memory after:    %s\n", rep.memBefore, rep.memAfter)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(w, "\n%-30s %7s %9s %9s %9s %9s %9s\n", "step", "count", "mean", "p50", "p95", "p99", "max")
	names := slices.Clone(stepOrder)
	var rest []string
	for k := range s.steps {
		if !slices.Contains(names, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range append(names, rest...) {
		d := s.steps[k]
		if len(d) == 0 {
			continue
		}
		slices.Sort(d)
		var sum time.Duration
		for _, v := range d {
			sum += v
		}
		fmt.Fprintf(w, "%-30s %7d %9s %9s %9s %9s %9s\n", k, len(d), millis(sum/time.Duration(len(d))),
			millis(quantile(d, 0.50)), millis(quantile(d, 0.95)), millis(quantile(d, 0.99)), millis(d[len(d)-1]))
	}

	codes := make([]int, 0, len(s.statuses))
	for k := range s.statuses {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	fmt.Fprint(w, "\nHTTP statuses:")
	for _, k := range codes {
		fmt.Fprintf(w, " %d×%d", k, s.statuses[k])
	}
	fmt.Fprintln(w)
	if len(s.errors) == 0 {
		fmt.Fprintln(w, "errors: none")
		return
	}
	keys := make([]string, 0, len(s.errors))
	for k := range s.errors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprintln(w, "errors by step and status:")
	for _, k := range keys {
		fmt.Fprintf(w, "  %-40s %d\n", k, s.errors[k])
	}
}

// quantile is the nearest-rank quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func millis(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + "ms"
}

// loadAverage is /proc/loadavg's three averages: the machine is shared, so every number says
// how busy it was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// procMemory reads a process's resident and peak resident memory (Linux).
func procMemory(pid int) string {
	if pid <= 0 {
		return ""
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "n/a"
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (k == "VmRSS" || k == "VmHWM") {
			out = append(out, k+" "+strings.Join(strings.Fields(v), " "))
		}
	}
	return strings.Join(out, ", ")
}

// procRSS reads the VmRSS in KiB out of a procMemory line; 0 if there is none.
func procRSS(pid int, mem string) int64 {
	if pid <= 0 {
		return 0
	}
	for _, part := range strings.Split(mem, ", ") {
		if v, ok := strings.CutPrefix(part, "VmRSS "); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
			return n
		}
	}
	return 0
}
