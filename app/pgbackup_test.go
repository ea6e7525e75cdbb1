package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/cli"
	"dvclogin/app/client"
	"dvclogin/store"
	"dvclogin/store/pgtest"
)

// dvc runs a dvclogin command as typed.
func dvc(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := cli.Run(context.Background(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return out.String() + errOut.String(), err
}

// The data of a server on PostgreSQL goes into the same backup file an SQLite server's backup
// is, and that file restores on either: SQLite → PostgreSQL (copy) → backup file → a fresh
// PostgreSQL and a new SQLite folder. On each, the portal session and the refresh token issued
// before still work, and new rows are numbered after the restored ones. A restore while a
// server runs on the database is refused and changes nothing; a restore over data keeps that
// data in a file first.
func TestBackupRestorePostgres(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	portal := env.Client()
	portalLogin(t, env, portal, "001085012345")

	desktop := env.Client()
	p := client.NewPKCE()
	lp := env.OpenLogin(desktop, p, url.Values{"scope": {"openid profile offline_access"}})
	start, err := client.NewBrowser(env.URL, desktop).StartQR(ctx, lp)
	if err != nil {
		t.Fatal(err)
	}
	phone := env.AppLogin("001085012345", app.DemoPassword)
	if _, err := env.Phone().App.Scan(ctx, phone, start.QR); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Phone().App.Confirm(ctx, phone, start.ID, app.DemoPasscode); err != nil {
		t.Fatal(err)
	}
	_, st := apptest.QRStatus(t, client.NewBrowser(env.URL, desktop), start.StatusURL)
	resp, body := env.Get(desktop, st.Redirect)
	_, _, to := env.Follow(desktop, resp, body)
	u, _ := url.Parse(to)
	tok, err := crashRP(env.URL).Exchange(ctx, client.Authorization{PKCE: p}, u.Query().Get("code"))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("code exchange: %v", err)
	}

	// SQLite → PostgreSQL, and the server on it.
	first := pgtest.URL(t)
	if out, err := dvc("copy", "-from", env.Config.DataDir, "-to", first); err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	env.Config.DB = first
	env.Restart()
	portalLogin(t, env, env.Client(), "001085012345") // a write on PostgreSQL that must be in the backup

	// The backup, while the server runs.
	file := filepath.Join(t.TempDir(), "pg.db")
	out, err := dvc("backup", "-db", first, file)
	if err != nil || !strings.Contains(out, "Đã sao lưu") {
		t.Fatalf("backup -db: %v\n%s", err, out)
	}
	if v, err := store.CheckDatabase(ctx, file); err != nil || v == 0 {
		t.Fatalf("the backup of PostgreSQL is not a dvclogin SQLite file: %d %v", v, err)
	}
	if _, err := os.Stat(file + "-wal"); err == nil {
		t.Fatal("the backup left a -wal file beside it")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".dvclogin-backup-*")); len(left) > 0 {
		t.Fatalf("the backup left its work files: %v", left)
	}
	pgCounts := tableCounts(t, "pgx", first)
	fileCounts := tableCounts(t, "sqlite", "file:"+file+"?mode=ro")
	for table, n := range pgCounts {
		if table != "schema_migrations" && fileCounts[table] != n {
			t.Errorf("table %s: %d rows in PostgreSQL, %d in the backup", table, n, fileCounts[table])
		}
	}
	for _, table := range []string{"citizens", "secrets", "oidc_signing_keys", "sessions", "qr_logins", "oidc_refresh_tokens", "login_attempts", "audit_events"} {
		if fileCounts[table] == 0 {
			t.Errorf("the backup has no %s: that table's round trip is not tested", table)
		}
	}
	if out, err := dvc("backup", "-db", first, file); err == nil || !strings.Contains(err.Error(), "đã tồn tại") {
		t.Fatalf("a backup over an existing file: %v\n%s", err, out)
	}

	// Refused while a server runs on the target; nothing changes.
	before := tableCounts(t, "pgx", first)
	out, err = dvc("restore", "-db", first, file)
	if err == nil || !strings.Contains(err.Error(), "1 máy chủ dvclogin đang chạy") {
		t.Fatalf("restore under a running server: %v\n%s", err, out)
	}
	if again := tableCounts(t, "pgx", first); again["audit_events"] != before["audit_events"] || again["sessions"] != before["sessions"] {
		t.Fatalf("a refused restore changed the database: %v, was %v", again, before)
	}

	// Into a fresh PostgreSQL.
	second := pgtest.URL(t)
	env.Config.DB = second
	env.Stop()
	if out, err := dvc("restore", "-db", second, file); err != nil || !strings.Contains(out, "Đã khôi phục") {
		t.Fatalf("restore -db into an empty database: %v\n%s", err, out)
	}
	env.Start()
	checkRestored(t, env, portal, tok.RefreshToken, func(q string) *sql.Row {
		db, _ := sql.Open("pgx", second)
		t.Cleanup(func() { db.Close() })
		return db.QueryRow(q)
	})

	// Over data: the first database, its server stopped. What it held is kept in a file.
	env.Stop()
	out, err = dvc("restore", "-db", first, file)
	if err != nil || !strings.Contains(out, "Dữ liệu cũ được giữ ở") {
		t.Fatalf("restore -db over data: %v\n%s", err, out)
	}
	kept, _ := filepath.Glob(filepath.Join(filepath.Dir(file), "postgres.truoc-khoi-phuc-*.db"))
	if len(kept) != 1 {
		t.Fatalf("kept copies: %v", kept)
	}
	if c := tableCounts(t, "sqlite", "file:"+kept[0]+"?mode=ro"); c["audit_events"] != before["audit_events"] {
		t.Fatalf("the kept copy has %d audit events, the replaced data %d", c["audit_events"], before["audit_events"])
	}
	if after := tableCounts(t, "pgx", first); after["audit_events"] != fileCounts["audit_events"] {
		t.Fatalf("after the restore: %d audit events, the backup %d", after["audit_events"], fileCounts["audit_events"])
	}

	// Into a new SQLite folder.
	dir := t.TempDir()
	if out, err := dvc("restore", "-data", dir, file); err != nil {
		t.Fatalf("restore of the PostgreSQL backup into SQLite: %v\n%s", err, out)
	}
	env.Config.DB, env.Config.DataDir = "", dir
	env.Start()
	checkRestored(t, env, portal, tok.RefreshToken, func(q string) *sql.Row {
		db, _ := sql.Open("sqlite", "file:"+app.DatabaseFile(dir)+"?mode=ro")
		t.Cleanup(func() { db.Close() })
		return db.QueryRow(q)
	})

	if out, err := dvc("restore", "-db", pgtest.URL(t), filepath.Join(dir, "none.db")); err == nil || !strings.Contains(err.Error(), "không tìm thấy") {
		t.Fatalf("restore -db of a missing file: %v\n%s", err, out)
	}
}

// checkRestored checks a server started on restored data: the portal session and the refresh
// token from before the backup work, and a new login's attempt is numbered after the restored
// ones.
func checkRestored(t *testing.T, env *apptest.Env, portal *http.Client, refresh string, query func(string) *sql.Row) {
	t.Helper()
	if resp, _ := env.Get(portal, "/tai-khoan"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the portal session after the restore: %d", resp.StatusCode)
	}
	if _, err := crashRP(env.URL).Refresh(context.Background(), refresh); err != nil {
		t.Fatalf("refresh after the restore: %v", err)
	}
	var restored int64
	if err := query(`SELECT max(id) FROM login_attempts`).Scan(&restored); err != nil {
		t.Fatal(err)
	}
	portalLogin(t, env, env.Client(), "001085012345")
	var newest int64
	if err := query(`SELECT max(id) FROM login_attempts`).Scan(&newest); err != nil || newest <= restored {
		t.Fatalf("a new attempt got id %d after the restored %d (%v)", newest, restored, err)
	}
}
