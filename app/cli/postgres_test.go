package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"dvclogin/store"
	"dvclogin/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The operator's commands take -db (env DVC_DB) as the server does: an empty PostgreSQL
// database is made as the server's first start makes it, citizens and clients are managed in
// it, and it is backed up to and restored from the same file as an SQLite database.
func TestCommandsOnPostgres(t *testing.T) {
	db := pgtest.URL(t)
	dir := t.TempDir()
	_, errOut, err := runStreams(append([]string{"citizens", "add", "-data", dir, "-db", db}, mai...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "Đã tạo cơ sở dữ liệu mới trong postgres://postgres@/") {
		t.Fatalf("stderr when the database is made:\n%s", errOut)
	}
	t.Setenv("DVC_DB", db)
	if list := run(t, "citizens", "list", "-data", dir); !strings.Contains(list, "079199123456  Lê Thị Mai") ||
		!strings.Contains(list, "001085012345") {
		t.Fatalf("list from DVC_DB:\n%s", list)
	}
	run(t, "clients", "add", "-id", "ho-tich", "-name", "Hộ tịch", "-redirect-uri", hoTichRedirect, "-public")
	if out := run(t, "clients", "list"); !strings.Contains(out, "ho-tich") {
		t.Fatalf("clients list:\n%s", out)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	n, err := st.CountCitizens(context.Background())
	st.Close()
	if err != nil || n != len(store.DemoCitizens)+1 {
		t.Fatalf("%d citizens in PostgreSQL (%v), want the demo ones and Mai", n, err)
	}
	// backup and restore take DVC_DB too, through the SQLite backup file.
	file := t.TempDir() + "/x.db"
	if out := run(t, "backup", file); !strings.Contains(out, "Đã sao lưu postgres://postgres@/") {
		t.Fatalf("backup on PostgreSQL:\n%s", out)
	}
	if _, err := store.CheckDatabase(context.Background(), file); err != nil {
		t.Fatalf("the backup of PostgreSQL: %v", err)
	}
	if out := run(t, "restore", file); !strings.Contains(out, "Đã khôi phục postgres://postgres@/") {
		t.Fatalf("restore on PostgreSQL:\n%s", out)
	}
	if out := run(t, "citizens", "list"); !strings.Contains(out, "079199123456  Lê Thị Mai") {
		t.Fatalf("list after the restore:\n%s", out)
	}
	if _, err := tryRun("citizens", "list", "-db", "mysql://x"); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("-db that is not PostgreSQL: %v", err)
	}
	var errs bytes.Buffer
	if _, _, err := parseServeFlags([]string{"-db", "file:x.db"}, &errs); err == nil || !strings.Contains(err.Error(), "PostgreSQL URL") {
		t.Fatalf("serve -db that is not PostgreSQL: %v", err)
	}
}
