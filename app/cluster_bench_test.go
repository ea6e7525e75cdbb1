package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"dvclogin/app/cli"
	"dvclogin/app/load"
	"dvclogin/store/pgtest"
)

// BenchmarkInstancesOnPostgres drives logins through the cluster test's round-robin proxy in
// front of one, two and three instances (child processes) on one PostgreSQL database: the load
// driver (`dvclogin load`) with 100 generated citizens (production argon2id), a direct run and
// a QR run of DVC_BENCH_DURATION each (default 15s) at DVC_BENCH_USERS concurrent users
// (default 8). It prints each run's report and reports logins/s, and for QR the lag from the
// confirm's answer (on one instance) to the desktop's `confirmed` event (on another),
// p50/p99. Run it with -benchtime 1x.
func BenchmarkInstancesOnPostgres(b *testing.B) {
	dur := envOr("DVC_BENCH_DURATION", "15s")
	users := envOr("DVC_BENCH_USERS", "8")
	for _, n := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			dbURL := pgtest.URL(b)
			lb := newRoundRobin(b)
			var nodes []*clusterNode
			for i := range n {
				nodes = append(nodes, newClusterNode(b, i, dbURL, lb.URL))
			}
			var wg sync.WaitGroup
			for _, node := range nodes {
				wg.Go(node.start)
			}
			wg.Wait()
			if b.Failed() {
				b.FailNow()
			}
			for _, node := range nodes {
				lb.add(node.addr)
			}
			dir := b.TempDir()
			csv := filepath.Join(dir, "lop.csv")
			var out, errOut bytes.Buffer
			err := cli.Run(context.Background(), []string{"citizens", "generate", "100", "-db", dbURL, "-data", dir, "-csv", csv},
				cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if err != nil {
				b.Fatalf("citizens generate: %v\n%s", err, errOut.String())
			}
			b.ResetTimer()
			for range b.N {
				for _, scenario := range []string{"direct", "qr"} {
					var rep bytes.Buffer
					err := load.Main(context.Background(), []string{"-url", lb.URL, "-scenario", scenario, "-c", users, "-d", dur,
						"-ips", "250", "-citizens", csv, "-hash-for", "2s"}, &rep, io.Discard)
					fmt.Fprintf(os.Stdout, "--- %d instance(s), %s\n%s\n", n, scenario, rep.String())
					if err != nil {
						b.Fatalf("load %s: %v", scenario, err)
					}
					if m := completedRe.FindStringSubmatch(rep.String()); m != nil {
						v, _ := strconv.ParseFloat(m[1], 64)
						b.ReportMetric(v, scenario+"-logins/s")
					}
					if m := notifyLagRe.FindStringSubmatch(rep.String()); scenario == "qr" && m != nil {
						p50, _ := strconv.ParseFloat(m[1], 64)
						p99, _ := strconv.ParseFloat(m[2], 64)
						b.ReportMetric(p50, "notify-lag-p50-ms")
						b.ReportMetric(p99, "notify-lag-p99-ms")
					}
				}
			}
			b.StopTimer()
			served := lb.counts()
			fmt.Fprintf(os.Stdout, "requests served per instance: %v\n", served)
		})
	}
}

var (
	completedRe = regexp.MustCompile(`completed logins\s+\d+\s+\(([\d.]+) logins/s`)
	// step, count, mean, p50, p95, p99, max
	notifyLagRe = regexp.MustCompile(`(?m)^notify_lag\s+\d+\s+\S+\s+([\d.]+)ms\s+\S+\s+([\d.]+)ms`)
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
