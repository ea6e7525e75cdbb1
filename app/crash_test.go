package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/web"
	"dvclogin/store"
)

// The crash test runs a real server in a child process (this test binary again, told so by
// crashChildEnv), puts it under load and kills it with SIGKILL, the way kill -9 or the OOM
// killer ends a process: no deferred code, no graceful shutdown, requests and transactions cut
// wherever they are. After each kill the database must be intact and everything a client saw
// succeed must still hold.
const (
	crashChildEnv = "DVC_CRASH_CHILD" // "1": this process is the server
	crashAddrEnv  = "DVC_CRASH_ADDR"  // the address it listens on, the same at every start
	crashDataEnv  = "DVC_CRASH_DATA"  // its data folder, the same at every start

	crashKills = 20
	// crashQRTTL is the QR login lifetime in the child: short, so that a QR login a kill left
	// open can be seen to expire within the test, and longer than a load cycle (at most
	// 800 ms × crashSlowdown), so that none expires while the load runs it.
	crashQRTTL = 4 * time.Second
)

// crashCitizens are the citizens the load logs in as, one per worker: a citizen has one phone,
// and an app login ends the app session another worker of the same citizen would be using.
var crashCitizens = []string{"001085990001", "001085990002", "001085990003", "001085990004"}

func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashChildEnv) == "1" {
		serveCrashChild(t)
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("the crash test kills its server with SIGKILL, which Windows does not have")
	}
	srv := newCrashServer(t)
	w := &crashWorld{t: t, base: "http://" + srv.addr}
	// Two workers of each kind keep direct and QR logins in flight; -short keeps one of each.
	var workers []crashWorker
	for i, id := range crashCitizens[:4] {
		workers = append(workers, crashWorker{idNumber: id, qr: i%2 == 1, phone: apptest.Remote(abortLogin{t}, w.base)})
	}
	if testing.Short() {
		workers = workers[:2]
	}
	srv.start()
	// Each phone's first app login takes its citizen's SIM and gives the phone its device key.
	// A kill that ate that answer would leave the SIM with a key no phone holds (a real phone
	// would then be asked for an SMS activation code): give every phone its key before the kills.
	for _, wk := range workers {
		wk.phone.AppLogin(wk.idNumber, app.DemoPassword)
	}
	for w.cycle = 1; w.cycle <= crashKills; w.cycle++ {
		wait := w.load(workers)
		time.Sleep(crashSlowdown * time.Duration(100+rand.IntN(701)) * time.Millisecond)
		w.stopping.Store(true) // from here on, a failed request is the kill's doing
		srv.kill()
		wait()
		checkDatabase(t, filepath.Join(srv.data, "dvclogin.db"), w.cycle)
		srv.start()
		w.verify(false)
		if t.Failed() {
			t.FailNow()
		}
	}
	w.cycle = crashKills
	w.verify(true)
	if len(w.logins) == 0 {
		t.Fatal("no login succeeded under load: the test proved nothing")
	}
	t.Logf("%d kills; %d logins seen to succeed (%d finished after a restart), all still refresh; %d QR logins cut by a kill, none stuck",
		crashKills, len(w.logins), w.resumed, w.cut)
}

// serveCrashChild is the server side: a real application on the data folder and address the
// parent chose, serving until it is killed.
func serveCrashChild(t *testing.T) {
	// If the parent test dies, its end of stdin closes: the server must not outlive it.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(2)
	}()
	addr := os.Getenv(crashAddrEnv)
	cfg := app.DefaultConfig()
	cfg.Addr, cfg.DataDir, cfg.PublicURL = addr, os.Getenv(crashDataEnv), "http://"+addr
	cfg.Argon2 = apptest.FastArgon2
	cfg.Limits.QRFrameStep, cfg.Limits.QRFrameAccept, cfg.Limits.QRLoginTTL = time.Second, crashQRTTL, crashQRTTL
	// Each QR desktop of the load is its own machine (X-Forwarded-For from the loopback): the
	// per-IP cap on QR starts is for one machine, not for a whole test.
	cfg.TrustedProxies = []string{"127.0.0.1/32"}
	// Every password check of the load comes from 127.0.0.1 and is right. A check in flight
	// holds a place under the per-IP failure limit until its outcome is known, so the limit
	// must exceed the load's parallel checks (one per worker); it is low enough that a few
	// checks a kill cut short, if they still counted after the restart, would refuse the
	// load's logins.
	cfg.Limits.IPMaxFailures = len(crashCitizens) + 2
	apptest.UnbudgetedSMS(&cfg) // each citizen logs in again and again: the SMS budget is not under test
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx := context.Background()
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := addCrashCitizens(ctx, a.Store(), cfg.Now()); err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	for try := 0; try < 100; try++ { // the killed server's port may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Fatal(a.Serve(ctx, ln)) // Serve returns only when it fails
}

// addCrashCitizens creates the load's citizens on the first start.
func addCrashCitizens(ctx context.Context, st *store.Store, now time.Time) error {
	h := web.NewHasher(apptest.FastArgon2, 1)
	for i, id := range crashCitizens {
		if _, err := st.CitizenByIDNumber(ctx, id); err == nil {
			continue
		}
		err := st.CreateCitizen(ctx, store.Citizen{ID: fmt.Sprintf("crash-citizen-%d", i+1), IDNumber: id,
			FullName: fmt.Sprintf("Công Dân Thử %d", i+1), BirthDate: "1985-01-01", Gender: "Nam",
			Phone: fmt.Sprintf("090000000%d", i+1), Level: 2, WebLogin: true, CreatedAt: now,
			PasswordHash: h.HashNow(app.DemoPassword), PasscodeHash: h.HashNow(app.DemoPasscode)})
		if err != nil {
			return err
		}
	}
	return nil
}

// crashServer starts and kills the child process, always on the same data folder and address.
type crashServer struct {
	t      *testing.T
	addr   string
	data   string
	log    *os.File // the child's output, every start appended
	proc   *child   // nil while stopped
	starts int
}

func newCrashServer(t *testing.T) *crashServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	log, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	s := &crashServer{t: t, addr: addr, data: t.TempDir(), log: log}
	t.Cleanup(func() {
		if s.proc != nil {
			s.kill()
		}
		if t.Failed() {
			t.Logf("end of the server's log:\n%s", s.tail(60))
		}
		log.Close()
	})
	return s
}

// start starts the server and waits until it answers /healthz.
func (s *crashServer) start() {
	s.t.Helper()
	s.starts++
	fmt.Fprintf(s.log, "=== start %d\n", s.starts)
	p, err := startChild("TestCrashRecovery", []string{crashChildEnv + "=1", crashAddrEnv + "=" + s.addr, crashDataEnv + "=" + s.data}, s.log, s.addr)
	if err != nil {
		s.t.Fatalf("start %d: %v", s.starts, err)
	}
	s.proc = p
}

// kill ends the server with SIGKILL and waits until it is gone.
func (s *crashServer) kill() {
	s.t.Helper()
	if err := s.proc.kill(); err != nil {
		s.t.Errorf("kill: %v", err)
	}
	s.proc = nil
}

// tail returns the last n lines of the server's log.
func (s *crashServer) tail(n int) string {
	b, err := os.ReadFile(s.log.Name())
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// checkDatabase opens the database the killed server left, as SQLite itself finds it (with
// whatever its write-ahead log holds), and checks the file and its references.
func checkDatabase(t *testing.T, path string, cycle int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var lines []string
	rows, err := db.Query(`PRAGMA integrity_check`)
	if err != nil {
		t.Fatalf("kill %d: integrity_check: %v", cycle, err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0] != "ok" {
		t.Fatalf("kill %d: integrity_check answered %q, want ok", cycle, strings.Join(lines, "\n"))
	}
	var table string
	switch err := db.QueryRow(`PRAGMA foreign_key_check`).Scan(&table, new(any), new(any), new(any)); err {
	case sql.ErrNoRows:
	case nil:
		t.Fatalf("kill %d: a row of %s refers to a row that does not exist", cycle, table)
	default:
		t.Fatalf("kill %d: foreign_key_check: %v", cycle, err)
	}
}
