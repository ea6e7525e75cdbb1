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
// it, and the SQLite file tools refuse it, saying what to use instead.
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
	for _, cmd := range []string{"backup", "restore"} {
		_, err := tryRun(cmd, t.TempDir()+"/x.db")
		if err == nil || !strings.Contains(err.Error(), "chỉ dùng được với SQLite; với PostgreSQL hãy dùng pg_dump") {
			t.Fatalf("%s on PostgreSQL: %v", cmd, err)
		}
	}
	if _, err := tryRun("citizens", "list", "-db", "mysql://x"); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("-db that is not PostgreSQL: %v", err)
	}
	var errs bytes.Buffer
	if _, _, err := parseServeFlags([]string{"-db", "file:x.db"}, &errs); err == nil || !strings.Contains(err.Error(), "PostgreSQL URL") {
		t.Fatalf("serve -db that is not PostgreSQL: %v", err)
	}
}
