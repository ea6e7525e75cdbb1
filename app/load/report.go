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

	completed, rejected, failed, codeRetries, noRetryAfter, floodSent atomic.Int64
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
var stepOrder = []string{"authorize", "password", "code_page", "read_code", "code", "qr_start", "phone_wait",
	"app_login", "scan", "confirm", "notify", "notify_lag", "finish", "token", "login (direct)", "login (qr)",
	"qr_status (idle)", "qr_status (flood)"}

func (rep *Report) write(w io.Writer) {
	s, c := rep.stats, rep.cfg
	secs := rep.elapsed.Seconds()
	fmt.Fprintf(w, "dvclogin load: scenario %s, target %s, %d users, -d %s, -n %d, -ips %d\n",
		c.Scenario, c.Target, c.Users, c.Duration, c.MaxLogins, c.SourceIPs)
	fmt.Fprintf(w, "load average before: %s   after: %s\n", rep.loadBefore, rep.loadAfter)
	fmt.Fprintf(w, "elapsed %.1fs (logins in flight at -d may finish)\n\n", secs)
	if c.Scenario == "password-flood" {
		s.mu.Lock()
		var hashed, refused int
		for k, d := range s.steps {
			switch {
			case strings.HasPrefix(k, "flood 200"), strings.HasPrefix(k, "flood 401"):
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
	} else {
		fmt.Fprintf(w, "completed logins        %d  (%.2f logins/s)\n", s.completed.Load(), float64(s.completed.Load())/secs)
		fmt.Fprintf(w, "rejected with 429       %d  (waited Retry-After, then went on)\n", s.rejected.Load())
		fmt.Fprintf(w, "failed logins           %d\n", s.failed.Load())
		if n := s.codeRetries.Load(); n > 0 {
			fmt.Fprintf(w, "code retries            %d  (another concurrent login's SMS code tried first)\n", n)
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
