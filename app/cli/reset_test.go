package cli

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/app/tlscert"
	"dvclogin/store"
)

var an = app.DemoCitizens[0] // level 2, web login on

// runWith runs a command as typed, with input in, and returns its output and error output.
func runWith(t *testing.T, in io.Reader, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, Streams{In: in, Out: &out, Err: &errOut})
	return out.String(), errOut.String(), err
}

// terminal is input typed on a terminal: a character device, as a console's stdin is.
type terminal struct{ *strings.Reader }

func (terminal) Stat() (fs.FileInfo, error) { return charDevice{}, nil }

type charDevice struct{ fs.FileInfo }

func (charDevice) Mode() fs.FileMode { return fs.ModeDevice | fs.ModeCharDevice }

// tokenLogin logs An in to demo-app in browser c by password and SMS code and returns the
// token answer: what an integrated application holds.
func tokenLogin(t *testing.T, env *apptest.Env, c *http.Client) *oauth2.Token {
	t.Helper()
	pk := client.NewPKCE()
	lp := env.OpenLogin(c, pk, url.Values{"scope": {"openid profile offline_access"}})
	phone := env.AppLogin(an.IDNumber, app.DemoPassword)
	resp, body := env.PasswordStep(c, lp, an.IDNumber, app.DemoPassword)
	at, page := env.CodeStep(c, resp, body)
	resp, body = env.SubmitCode(c, at, page, env.LatestCode(phone))
	_, _, to := env.Follow(c, resp, body)
	u, err := url.Parse(to)
	if err != nil || !strings.HasPrefix(to, client.DemoRedirect) {
		t.Fatalf("login ended at %s, not at demo-app's callback", to)
	}
	tok, err := demoRP(env).Exchange(context.Background(), client.Authorization{PKCE: pk}, u.Query().Get("code"))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("code exchange: %v (refresh token %q)", err, tok.RefreshToken)
	}
	return tok
}

// demoRP is demo-app at the token endpoint.
func demoRP(env *apptest.Env) *client.RP {
	return &client.RP{HTTP: &http.Client{Timeout: 10 * time.Second}, OAuth: oauth2.Config{ClientID: client.DemoApp,
		RedirectURL: client.DemoRedirect,
		Endpoint:    oauth2.Endpoint{TokenURL: env.URL + "/idp/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}}
}

// TestResetWhileServing resets the data folder of a running server from the command line:
// a QR login the desktop waits on ends as expired on its stream and is gone from its status
// poll, the app session, the SSO session and the OIDC tokens of the old data stop working,
// and the server goes on with the demo citizens, its keys and its console password.
func TestResetWhileServing(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	st := env.App.Store()
	master, _ := st.Secret(ctx, "master", nil)

	c := env.Client()
	tok := tokenLogin(t, env, c)
	appToken := env.AppLogin(an.IDNumber, app.DemoPassword)

	desktop := env.Client()
	b := client.NewBrowser(env.URL, desktop)
	lp := env.OpenLogin(desktop, client.NewPKCE(), nil)
	qr, err := b.StartQR(ctx, lp)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := b.Events(ctx, qr.EventsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if ev := <-stream.Events; ev.Name != store.QRWaiting {
		t.Fatalf("first event %q, want waiting", ev.Name)
	}

	out, errOut, err := runWith(t, nil, "reset", "-data", env.Config.DataDir, "-yes")
	if err != nil {
		t.Fatalf("reset: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "Đã khôi phục dữ liệu demo") {
		t.Fatalf("reset said:\n%s", out)
	}

	// The desktop's stream says expired (its page shows "Mã QR đã hết hạn" and "Tải lại"),
	// then ends; its status poll finds nothing; "Tải lại" explains that the login is over.
	select {
	case ev := <-stream.Events:
		if ev.Name != store.QRExpired {
			t.Fatalf("event after the reset %q (%s), want expired", ev.Name, ev.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting desktop heard nothing after the reset")
	}
	if code, _ := apptest.QRStatus(t, b, qr.StatusURL); code != http.StatusNotFound {
		t.Fatalf("status poll after the reset: %d, want 404 (the page shows it expired)", code)
	}
	p, err := b.JSON(ctx, http.MethodPost, "/idp/qr/start", lp.CSRF, map[string]string{"auth_request": lp.AuthRequestID})
	if err != nil || p.Resp.StatusCode != http.StatusNotFound || !strings.Contains(p.Body, "Phiên đăng nhập đã hết hạn") {
		t.Fatalf("reloading the QR after the reset: %v %d %s", err, p.Resp.StatusCode, p.Body)
	}

	// The old data's credentials are dead.
	if _, err := demoRP(env).Refresh(ctx, tok.RefreshToken); err == nil {
		t.Fatal("a refresh token of the old data still works")
	}
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/idp/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, body := env.Do(http.DefaultClient, req); resp.StatusCode == http.StatusOK {
		t.Fatalf("userinfo with an access token of the old data answered: %s", body)
	}
	if code := env.Phone().Call(http.MethodGet, "/me", appToken, nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("app session of the old data: %d, want 401", code)
	}
	resp, body := env.Get(c, env.AuthorizeURL(client.NewPKCE(), nil))
	if _, _, at := env.Follow(c, resp, body); !strings.Contains(at, "/idp/login") {
		t.Fatalf("the old IdP session still logs in (ended at %s)", at)
	}

	// The seeded state, on the same keys.
	if n, err := st.CountCitizens(ctx); err != nil || n != len(app.DemoCitizens) {
		t.Fatalf("%d citizens (%v) after the reset, want the %d demo citizens", n, err, len(app.DemoCitizens))
	}
	events, err := st.ListAudit(ctx, 10)
	if err != nil || len(events) != 1 || events[0].Action != "demo_reset" || events[0].Actor != "cli" {
		t.Fatalf("audit after the reset: %+v %v, want only the reset", events, err)
	}
	if after, _ := st.Secret(ctx, "master", nil); !bytes.Equal(after, master) {
		t.Fatal("the reset changed the master secret")
	}
	tokenLogin(t, env, env.Client()) // the demo works again, new phone and all, on the old signing key
}

// TestResetAsksFirst: the question on a terminal takes only a yes.
func TestResetAsksFirst(t *testing.T) {
	db := app.DatabaseFile(t.TempDir())
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tests := []struct {
		name string
		in   io.Reader
		err  string
	}{
		{"ErrAnsweredNo", terminal{strings.NewReader("n\n")}, "đã hủy"},
		{"ErrJustEnter", terminal{strings.NewReader("\n")}, "đã hủy"},
		{"ErrNoAnswer", terminal{strings.NewReader("")}, "đã hủy"},
		{"AnsweredY", terminal{strings.NewReader("y\n")}, ""},
		{"AnsweredYes", terminal{strings.NewReader(" Yes \n")}, ""},
		{"AnsweredCo", terminal{strings.NewReader("có\n")}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := confirmReset(context.Background(), st, db, Streams{In: tc.in, Out: &out})
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("confirm: %v, want error containing %q\n%s", err, tc.err, out.String())
			}
			if _, ok := tc.in.(terminal); ok && !strings.Contains(out.String(), "Bạn có chắc?") {
				t.Fatalf("no question on the terminal:\n%s", out.String())
			}
		})
	}
}

// TestResetWithoutYes runs the command as typed: on a terminal only a yes resets; from a
// script (input not a terminal) it resets without asking.
func TestResetWithoutYes(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	sessions := func() int {
		t.Helper()
		d, err := env.App.Store().CountDemoData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return d.Sessions
	}
	env.AppLogin(an.IDNumber, app.DemoPassword)
	if _, _, err := runWith(t, terminal{strings.NewReader("n\n")}, "reset", "-data", env.Config.DataDir); err == nil || sessions() == 0 {
		t.Fatalf("a no on the terminal: %v, %d sessions left", err, sessions())
	}
	out, _, err := runWith(t, terminal{strings.NewReader("y\n")}, "reset", "-data", env.Config.DataDir)
	if err != nil || sessions() != 0 || !strings.Contains(out, "Đã khôi phục dữ liệu demo") {
		t.Fatalf("reset confirmed on a terminal: %v, %d sessions left\n%s", err, sessions(), out)
	}
	for _, in := range []io.Reader{strings.NewReader(""), nil} {
		env.AppLogin(an.IDNumber, app.DemoPassword)
		out, _, err := runWith(t, in, "reset", "-data", env.Config.DataDir)
		if err != nil || sessions() != 0 || strings.Contains(out, "Bạn có chắc?") {
			t.Fatalf("a script's reset without -yes (input %T): %v, %d sessions left\n%s", in, err, sessions(), out)
		}
	}
}

// TestResetKeeps: a reset empties every table of the old data and leaves the signing keys,
// the TLS authority in DATA/tls and the registered clients.
func TestResetKeeps(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	st := env.App.Store()
	addHoTich(t, env)
	_, err := tlscert.Local(filepath.Join(env.Config.DataDir, "tls"), "test CA", []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(env.Config.DataDir, "tls", tlscert.CACertFile)
	caBefore, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	keysBefore, err := st.OIDCSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tokenLogin(t, env, env.Client())
	if d, _ := st.CountDemoData(ctx); d.Sessions == 0 || d.Tokens == 0 || d.Logins == 0 || d.Messages == 0 {
		t.Fatalf("the old data is not all there to be reset: %+v", d)
	}

	if _, errOut, err := runWith(t, strings.NewReader(""), "reset", "-data", env.Config.DataDir); err != nil {
		t.Fatalf("reset: %v\n%s", err, errOut)
	}
	d, err := st.CountDemoData(ctx)
	if err != nil || d.Citizens != len(app.DemoCitizens) || d.Sessions+d.Logins+d.Tokens+d.Codes+d.Devices+d.Messages+d.Attempts != 0 {
		t.Fatalf("after the reset: %+v %v, want only the demo citizens and the reset's audit line", d, err)
	}
	if _, err := st.OIDCClientByID(ctx, "ho-tich"); err != nil {
		t.Fatalf("the registered client is gone: %v", err)
	}
	if keys, err := st.OIDCSigningKeys(ctx); err != nil || len(keys) != len(keysBefore) || keys[0].ID != keysBefore[0].ID {
		t.Fatalf("signing keys changed: %v", err)
	}
	if after, err := os.ReadFile(caFile); err != nil || !bytes.Equal(after, caBefore) || !bytes.Contains(after, []byte("BEGIN CERTIFICATE")) {
		t.Fatalf("the TLS authority changed: %v", err)
	}
}

// A reset of a folder without a database leaves it as the server's first start would.
func TestResetOfAFolderWithoutDatabase(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := runWith(t, nil, "reset", "-data", dir, "-yes"); err != nil {
		t.Fatalf("reset of an empty folder: %v", err)
	}
	if _, err := store.CheckDatabase(context.Background(), app.DatabaseFile(dir)); err != nil {
		t.Fatalf("no database after the reset: %v", err)
	}
}
