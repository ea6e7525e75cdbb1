// Package pgtest gives tests a throwaway PostgreSQL server: started on first use in a temporary
// folder (initdb, listening only on a unix socket there), one per test binary, with a new empty
// database for every test. Where PostgreSQL is not installed the tests that ask for it skip,
// saying so. The server runs as the current user, or as "nobody" when that is root (PostgreSQL
// refuses to run as root).
//
// A test binary that uses it calls Main from its TestMain, which stops the server at the end.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// server is the one server of this test binary.
var server struct {
	once    sync.Once
	dir     string // data folder and socket folder
	bin     string
	runAs   string // "" for the current user
	skip    string // why there is no server
	admin   *sql.DB
	started bool
	dbs     atomic.Int64
}

// Main runs the tests and stops the server if one was started.
func Main(m *testing.M) {
	code := m.Run()
	stop()
	os.Exit(code)
}

// Available reports whether a server runs (starting it if needed), or why not.
func Available() (bool, string) {
	server.once.Do(start)
	return server.skip == "", server.skip
}

// URL returns the postgres:// URL of a new empty database for t, dropped when t ends. It skips
// t when there is no PostgreSQL.
func URL(t testing.TB) string {
	t.Helper()
	if ok, why := Available(); !ok {
		t.Skip("PostgreSQL: " + why)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), server.dbs.Add(1))
	ctx := context.Background()
	if _, err := server.admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0`); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		server.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return dbURL(name)
}

func dbURL(name string) string {
	q := url.Values{"host": {server.dir}, "sslmode": {"disable"}}
	return "postgres://postgres@/" + name + "?" + q.Encode()
}

// binDir finds PostgreSQL's programs: $DVC_PG_BIN, the newest /usr/lib/postgresql/N/bin
// (Debian), or the PATH.
func binDir() (string, error) {
	if d := os.Getenv("DVC_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("not installed (no initdb in /usr/lib/postgresql/*/bin, $DVC_PG_BIN or the PATH; Debian: apt-get install postgresql)")
}

// command runs a PostgreSQL program as the server's user.
func command(name string, args ...string) *exec.Cmd {
	prog := filepath.Join(server.bin, name)
	if server.runAs != "" {
		return exec.Command("runuser", append([]string{"-u", server.runAs, "--", prog}, args...)...)
	}
	return exec.Command(prog, args...)
}

func start() {
	if err := startServer(); err != nil {
		server.skip = err.Error()
	}
}

func startServer() error {
	bin, err := binDir()
	if err != nil {
		return err
	}
	server.bin = bin
	dir, err := os.MkdirTemp("", "dvclogin-pg-")
	if err != nil {
		return err
	}
	server.dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return errors.New("running as root and there is no user nobody to run the server as")
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			return errors.New("running as root and there is no runuser to start the server as nobody")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
		server.runAs = "nobody"
	}
	data := filepath.Join(dir, "data")
	if out, err := command("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync").CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, lastLines(out))
	}
	// Only a unix socket in the temporary folder; durability is not needed by a test.
	opts := "-c listen_addresses= -k " + dir + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
	if out, err := command("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-o", opts, "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		return fmt.Errorf("pg_ctl start: %v: %s %s", err, lastLines(out), lastLines(log))
	}
	server.started = true
	admin, err := sql.Open("pgx", dbURL("postgres"))
	if err != nil {
		return err
	}
	if err := admin.Ping(); err != nil {
		return fmt.Errorf("connect: %v", err)
	}
	server.admin = admin
	return nil
}

func stop() {
	if server.admin != nil {
		server.admin.Close()
	}
	if server.started {
		command("pg_ctl", "-D", filepath.Join(server.dir, "data"), "-m", "immediate", "stop").Run()
	}
	if server.dir != "" {
		os.RemoveAll(server.dir)
	}
}

func lastLines(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], " / ")
}
