// Command startbench measures how fast a dvclogin binary answers its first healthy /healthz
// and how much memory it holds once idle: it starts the binary on a data folder (a fresh one,
// then the same one again for each start on an existing folder), polls /healthz every
// millisecond, asks a few pages, waits, and reads VmRSS and VmHWM from /proc (Linux only).
//
//	go build -o dvclogin . && go run ./scripts/startbench -bin ./dvclogin
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "./dvclogin", "the dvclogin binary")
	runs := flag.Int("runs", 10, "starts on the existing folder")
	freshRuns := flag.Int("fresh", 5, "starts on a fresh folder")
	idle := flag.Duration("idle", 3*time.Second, "wait after the pages before reading the memory")
	flag.Parse()
	var fresh []time.Duration
	var dir string
	for i := range max(*freshRuns, 1) {
		os.RemoveAll(dir)
		var err error
		if dir, err = os.MkdirTemp("", "startbench"); err != nil {
			fail(err)
		}
		r := start(*bin, dir, i == 0, *idle)
		fresh = append(fresh, r.healthy)
		if r.rss != "" {
			fmt.Printf("idle memory after a first start and %d pages (%v later): %s, %s\n", len(pages), *idle, r.rss, r.hwm)
		}
	}
	defer os.RemoveAll(dir)
	report("fresh folder:   ", fresh)
	var times []time.Duration
	for i := range *runs {
		r := start(*bin, dir, i == *runs-1, *idle)
		times = append(times, r.healthy)
		if r.rss != "" {
			fmt.Printf("idle memory after a start on it and %d pages (%v later): %s, %s\n", len(pages), *idle, r.rss, r.hwm)
		}
	}
	report("existing folder:", times)
}

func report(what string, times []time.Duration) {
	slices.Sort(times)
	fmt.Printf("%s healthy after min %v, median %v, max %v (%d starts)\n", what,
		times[0].Round(time.Millisecond), times[len(times)/2].Round(time.Millisecond),
		times[len(times)-1].Round(time.Millisecond), len(times))
}

// pages are asked once the server is healthy, as a first visitor would.
var pages = []string{"/", "/idp/login", "/app/", "/console/login", "/static/css/app.css"}

type result struct {
	healthy  time.Duration
	rss, hwm string
}

func start(bin, dir string, measure bool, idle time.Duration) result {
	port := freePort()
	cmd := exec.Command(bin, "serve", "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-data", dir,
		"-public-url", fmt.Sprintf("http://127.0.0.1:%d", port), "-open=false")
	cmd.Env = append(os.Environ(), "DVC_ADMIN_PASSWORD=Quantri@2026-startbench")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	var r result
	for {
		if time.Since(t0) > 30*time.Second {
			fail(fmt.Errorf("no healthy /healthz after 30 s"))
		}
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				r.healthy = time.Since(t0)
				break
			}
		}
		time.Sleep(time.Millisecond)
	}
	if !measure {
		return r
	}
	for _, p := range pages {
		resp, err := client.Get(base + p)
		if err != nil {
			fail(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	time.Sleep(idle)
	r.rss, r.hwm = status(cmd.Process.Pid, "VmRSS"), status(cmd.Process.Pid, "VmHWM")
	return r
}

func status(pid int, key string) string {
	f, err := os.Open(filepath.Join("/proc", fmt.Sprint(pid), "status"))
	if err != nil {
		return key + " unknown (" + err.Error() + ")"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			return key + " " + strings.Join(strings.Fields(v), " ")
		}
	}
	return key + " unknown"
}

func freePort() int {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "startbench:", err)
	os.Exit(1)
}
