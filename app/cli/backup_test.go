package cli

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/store"
)

// integrity opens the database file at path as a plain SQLite user would and runs the full
// integrity check.
func integrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check of %s: %q %v", path, check, err)
	}
}

// TestBackupWhileLoginsRun copies the database of a server in the middle of app logins: the
// copy is a whole database, and a second backup to the same file is refused.
func TestBackupWhileLoginsRun(t *testing.T) {
	env := apptest.New(t, apptest.UnbudgetedSMS)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var logins atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if code, _, _ := env.Phone().TryLogin(an.IDNumber, app.DemoPassword, ""); code == http.StatusOK {
					logins.Add(1)
				}
			}
		}()
	}
	// The backup runs while logins write.
	for deadline := time.Now().Add(30 * time.Second); logins.Load() < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no app login succeeded")
		}
	}
	file := filepath.Join(t.TempDir(), "sao-luu.db")
	out, _, err := runWith(t, nil, "backup", file, "-data", env.Config.DataDir)
	close(stop)
	wg.Wait()
	if err != nil || !strings.Contains(out, "Đã sao lưu") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	integrity(t, file)
	if v, err := store.CheckDatabase(context.Background(), file); err != nil || v == 0 {
		t.Fatalf("the copy is not a dvclogin database: %d %v", v, err)
	}
	if _, _, err := runWith(t, nil, "backup", "-data", env.Config.DataDir, file); err == nil || !strings.Contains(err.Error(), "đã tồn tại") {
		t.Fatalf("a backup over an existing file: %v", err)
	}
}

// dataWith makes a stopped server's data folder whose audit trail holds one marker event.
func dataWith(t *testing.T, marker string) string {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), app.DatabaseFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Audit(context.Background(), store.Event{Actor: "test", Action: marker}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// markers are the actions of the audit trail of the database at path.
func markers(t *testing.T, path string) string {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	events, err := st.ListAudit(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range events {
		names = append(names, e.Action)
	}
	return strings.Join(names, ",")
}

func TestRestore(t *testing.T) {
	backup := filepath.Join(t.TempDir(), "lop-sang.db")
	dir := dataWith(t, "morning")
	if _, _, err := runWith(t, nil, "backup", backup, "-data", dir); err != nil {
		t.Fatal(err)
	}
	afternoon := dataWith(t, "afternoon")
	out, _, err := runWith(t, nil, "restore", backup, "-data", afternoon)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	db := app.DatabaseFile(afternoon)
	integrity(t, db)
	if got := markers(t, db); got != "morning" {
		t.Fatalf("restored database holds %q, want the backup's morning", got)
	}
	kept, _ := filepath.Glob(db + ".truoc-khoi-phuc-*")
	if len(kept) != 1 || markers(t, kept[0]) != "afternoon" || !strings.Contains(out, kept[0]) {
		t.Fatalf("the replaced database was not kept (found %q):\n%s", kept, out)
	}

	// Into a new folder: nothing to keep.
	fresh := filepath.Join(t.TempDir(), "data")
	if _, _, err := runWith(t, nil, "restore", "-data", fresh, backup); err != nil {
		t.Fatal(err)
	}
	if got := markers(t, app.DatabaseFile(fresh)); got != "morning" {
		t.Fatalf("restore into a new folder holds %q", got)
	}
}

func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	good := filepath.Join(tmp, "good.db")
	if _, _, err := runWith(t, nil, "backup", good, "-data", dataWith(t, "x")); err != nil {
		t.Fatal(err)
	}
	sqliteFile := func(name string, stmts ...string) string {
		path := filepath.Join(tmp, name)
		db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	text := filepath.Join(tmp, "notes.txt")
	os.WriteFile(text, []byte("không phải cơ sở dữ liệu\n"), 0o600)
	empty := filepath.Join(tmp, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	newest, _ := store.LatestSchema()
	newer := filepath.Join(tmp, "newer.db")
	data, _ := os.ReadFile(good)
	os.WriteFile(newer, data, 0o600)
	sqliteFile("newer.db", fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, 'x.sql', 0)`, newest+1))
	running := apptest.New(t)

	tests := []struct {
		name, file, data, want string
	}{
		{"ErrMissing", filepath.Join(tmp, "none.db"), t.TempDir(), "không tìm thấy"},
		{"ErrNotADatabase", text, t.TempDir(), "không phải cơ sở dữ liệu SQLite"},
		{"ErrEmptyFile", empty, t.TempDir(), "không phải cơ sở dữ liệu SQLite"},
		{"ErrOtherProgram", sqliteFile("other.db", `CREATE TABLE notes (body TEXT)`), t.TempDir(), "không phải của dvclogin"},
		{"ErrOtherApplicationID", sqliteFile("other-id.db", `PRAGMA application_id = 42`,
			`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)`,
			`INSERT INTO schema_migrations VALUES (1, '001_core.sql', 0)`), t.TempDir(), "không phải của dvclogin"},
		{"ErrEmptyDatabase", sqliteFile("blank.db", `PRAGMA user_version = 1`), t.TempDir(), "không phải của dvclogin"},
		{"ErrNewerSchema", newer, t.TempDir(), "phiên bản dvclogin mới hơn"},
		{"ErrServerRunning", good, running.Config.DataDir, "đang được mở"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadDir(tc.data)
			_, _, err := runWith(t, nil, "restore", tc.file, "-data", tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore %s: %v, want an error saying %q", filepath.Base(tc.file), err, tc.want)
			}
			if after, _ := os.ReadDir(tc.data); len(after) != len(before) {
				t.Fatalf("a refused restore changed the data folder: %d files, then %d", len(before), len(after))
			}
		})
	}
	if n, err := running.App.Store().CountCitizens(ctx); err != nil || n != len(app.DemoCitizens) {
		t.Fatalf("the running server's data after a refused restore: %d citizens, %v", n, err)
	}
}

// TestBackupIsOneFile: the backup is a single SQLite file, with nothing beside it (no -wal,
// no -shm), and restore takes it.
func TestBackupIsOneFile(t *testing.T) {
	env := apptest.New(t)
	env.AppLogin(an.IDNumber, app.DemoPassword) // the server has written: its WAL is not empty
	dir := t.TempDir()
	file := filepath.Join(dir, "sao-luu.db")
	if _, errOut, err := runWith(t, nil, "backup", file, "-data", env.Config.DataDir); err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("the backup folder holds %v (%v), want only %s", entries, err, filepath.Base(file))
	}
	header := make([]byte, 20)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadFull(f, header)
	f.Close()
	// Bytes 18 and 19 are 1 for a rollback-journal database, 2 for WAL: a WAL file copied
	// alone would need its -wal beside it on some readers.
	if err != nil || string(header[:16]) != "SQLite format 3\x00" || header[18] != 1 || header[19] != 1 {
		t.Fatalf("not a single-file SQLite database: %q %v", header, err)
	}
	fresh := t.TempDir()
	if _, errOut, err := runWith(t, nil, "restore", file, "-data", fresh); err != nil {
		t.Fatalf("restore of the backup: %v\n%s", err, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("restore left files beside the backup: %v", entries)
	}
}
