package app_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/store"
	"dvclogin/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// With -db the server keeps everything in PostgreSQL: both seed flows complete, a restart
// keeps the portal session, and the data folder holds no SQLite database.
func TestBothSeedFlowsOnPostgres(t *testing.T) {
	dbURL := pgtest.URL(t)
	env := apptest.New(t, func(c *app.Config) { c.DB = dbURL })
	ctx := context.Background()

	// Seed flow 2: number, password, the SMS code.
	c := env.Client()
	account := portalLogin(t, env, c, "001085012345")
	if !strings.Contains(account, "Nguyễn Văn An") {
		t.Fatal("the account page does not name the citizen")
	}

	// Seed flow 1: the desktop shows a QR, the phone scans and confirms with the passcode.
	desktop := env.Client()
	p := client.NewPKCE()
	lp := env.OpenLogin(desktop, p, url.Values{"scope": {"openid profile offline_access"}})
	start, err := client.NewBrowser(env.URL, desktop).StartQR(ctx, lp)
	if err != nil {
		t.Fatalf("QR start: %v", err)
	}
	phone := env.AppLogin("001085012345", app.DemoPassword)
	if _, err := env.Phone().App.Scan(ctx, phone, start.QR); err != nil {
		t.Fatalf("scan: %v", err)
	}
	if _, err := env.Phone().App.Confirm(ctx, phone, start.ID, app.DemoPasscode); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	code, st := apptest.QRStatus(t, client.NewBrowser(env.URL, desktop), start.StatusURL)
	if code != http.StatusOK || st.State != store.QRConfirmed || st.Redirect == "" {
		t.Fatalf("status after confirm: %d %+v", code, st)
	}
	resp, body := env.Get(desktop, st.Redirect)
	_, _, to := env.Follow(desktop, resp, body)
	u, err := url.Parse(to)
	if err != nil || !strings.HasPrefix(to, client.DemoRedirect) || u.Query().Get("code") == "" {
		t.Fatalf("the QR login ended at %s, not at the client's callback with a code", to)
	}
	tok, err := crashRP(env.URL).Exchange(ctx, client.Authorization{PKCE: p}, u.Query().Get("code"))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("code exchange after the QR login: %v", err)
	}

	// A restart on the same database keeps the portal session.
	env.Restart()
	resp, _ = env.Get(c, "/tai-khoan")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/tai-khoan after a restart: %d", resp.StatusCode)
	}

	if _, err := os.Stat(app.DatabaseFile(env.Config.DataDir)); !os.IsNotExist(err) {
		t.Fatalf("an SQLite database in the data folder: %v", err)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var citizens, qr int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM citizens), (SELECT count(*) FROM qr_logins WHERE state = 'confirmed')`).Scan(&citizens, &qr); err != nil || citizens == 0 || qr != 1 {
		t.Fatalf("in PostgreSQL: %d citizens, %d confirmed QR logins (%v)", citizens, qr, err)
	}
}
