package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/cli"
	"dvclogin/app/client"
	"dvclogin/store/pgtest"
)

// copyCmd runs "dvclogin copy" as typed.
func copyCmd(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := cli.Run(context.Background(), append([]string{"copy"}, args...), cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return out.String() + errOut.String(), err
}

// An office that ran on SQLite moves to PostgreSQL with "dvclogin copy": every table comes
// over, row for row, and the server started on the copy knows its citizens, keeps the browser
// sessions and the refresh tokens it issued, and goes on numbering after the copied rows. A
// second copy into the now full database is refused and changes nothing.
func TestCopySQLiteToPostgres(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	portal := env.Client()
	portalLogin(t, env, portal, "001085012345")

	// A QR login with a refresh token, whose grant must survive the move.
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

	dir := env.Config.DataDir
	sqliteCounts := tableCounts(t, "sqlite", "file:"+app.DatabaseFile(dir)+"?mode=ro")
	dbURL := pgtest.URL(t)
	out, err := copyCmd("-from", dir, "-to", dbURL)
	if err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Đã chép") {
		t.Fatalf("copy said:\n%s", out)
	}
	pgCounts := tableCounts(t, "pgx", dbURL)
	for table, n := range sqliteCounts {
		if table == "schema_migrations" {
			continue
		}
		if pgCounts[table] != n {
			t.Errorf("table %s: %d rows in SQLite, %d in PostgreSQL", table, n, pgCounts[table])
		}
	}
	for _, table := range []string{"citizens", "secrets", "oidc_signing_keys", "sessions", "qr_logins", "oidc_refresh_tokens", "login_attempts", "audit_events"} {
		if sqliteCounts[table] == 0 {
			t.Errorf("the SQLite database has no %s: the copy of that table is not tested", table)
		}
	}

	// Refused into a database with data; nothing changes.
	out, err = copyCmd("-from", dir, "-to", dbURL)
	if err == nil || !strings.Contains(err.Error(), "đã có dữ liệu") {
		t.Fatalf("a second copy: %v\n%s", err, out)
	}
	if again := tableCounts(t, "pgx", dbURL); again["citizens"] != pgCounts["citizens"] || again["audit_events"] != pgCounts["audit_events"] {
		t.Fatalf("a refused copy changed the target: %v, was %v", again, pgCounts)
	}

	// The same server, now on PostgreSQL.
	env.Config.DB = dbURL
	env.Restart()
	if resp, _ := env.Get(portal, "/tai-khoan"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the portal session after the move: %d", resp.StatusCode)
	}
	if _, err := crashRP(env.URL).Refresh(ctx, tok.RefreshToken); err != nil {
		t.Fatalf("refresh after the move: %v", err)
	}
	var maxCopied int64
	pg, _ := sql.Open("pgx", dbURL)
	defer pg.Close()
	pg.QueryRow(`SELECT max(id) FROM login_attempts`).Scan(&maxCopied)
	// A new login's attempts are numbered after the copied ones.
	portalLogin(t, env, env.Client(), "001085012345")
	var newest int64
	if err := pg.QueryRow(`SELECT max(id) FROM login_attempts`).Scan(&newest); err != nil || newest <= maxCopied {
		t.Fatalf("a new attempt got id %d after the copied %d (%v)", newest, maxCopied, err)
	}
	if out, err := copyCmd("-from", t.TempDir(), "-to", pgtest.URL(t)); err == nil || !strings.Contains(err.Error(), "không có cơ sở dữ liệu dvclogin") {
		t.Fatalf("a copy from a folder without a database: %v\n%s", err, out)
	}
	if _, err := copyCmd("-from", dir, "-to", "mysql://x"); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("a copy to something else than PostgreSQL: %v", err)
	}
}

// tableCounts counts the rows of every table of a database.
func tableCounts(t *testing.T, driver, dsn string) map[string]int {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if driver == "pgx" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ` + tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}
