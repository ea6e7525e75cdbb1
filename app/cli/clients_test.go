package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// The clients command as an integrator types it, against the data folder of a running server.

const (
	hoTichRedirect = "https://hotich.example.vn/callback"
	hoTichLogout   = "https://hotich.example.vn/"
)

var secretLine = regexp.MustCompile(`(?m)^client_secret: (\S+)$`)

// secretOnly is all a script may find on stdout after add or rotate-secret: one line, the
// secret in base64url characters.
var secretOnly = regexp.MustCompile(`\Aclient_secret: ([A-Za-z0-9_-]+)\n\z`)

// clientsStreams runs "dvclogin clients ARGS -data <env's folder>" and returns its output
// and error output apart.
func clientsStreams(t *testing.T, env *apptest.Env, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append(append([]string{"clients"}, args...), "-data", env.Config.DataDir),
		Streams{Out: &out, Err: &errOut})
	return out.String(), errOut.String(), err
}

// clients runs "dvclogin clients ARGS" and returns what the operator's terminal shows.
func clients(t *testing.T, env *apptest.Env, args ...string) (string, error) {
	t.Helper()
	out, errOut, err := clientsStreams(t, env, args...)
	return out + errOut, err
}

// mustSecret runs add or rotate-secret, which must print the secret alone on stdout and the
// warning that it shows once on stderr, and returns the secret.
func mustSecret(t *testing.T, env *apptest.Env, args ...string) (secret, notes string) {
	t.Helper()
	out, errOut, err := clientsStreams(t, env, args...)
	m := secretOnly.FindStringSubmatch(out)
	if err != nil || m == nil || !strings.Contains(errOut, "chỉ hiện một lần") {
		t.Fatalf("clients %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return m[1], errOut
}

// mustClients is clients for a command that must succeed.
func mustClients(t *testing.T, env *apptest.Env, args ...string) string {
	t.Helper()
	out, err := clients(t, env, args...)
	if err != nil {
		t.Fatalf("clients %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// addHoTich registers the confidential test service and returns its secret, printed once.
func addHoTich(t *testing.T, env *apptest.Env) string {
	t.Helper()
	secret, _ := mustSecret(t, env, "add", "-id", "ho-tich", "-name", "Hộ tịch điện tử", "-redirect-uri", hoTichRedirect,
		"-post-logout-redirect-uri", hoTichLogout)
	return secret
}

// rp is the service's relying party, sending its secret with client_secret_basic.
func rp(t *testing.T, env *apptest.Env, secret string, scopes ...string) *client.RP {
	t.Helper()
	r, err := client.NewRP(context.Background(), http.DefaultClient, env.URL+"/idp",
		oauth2.Config{ClientID: "ho-tich", ClientSecret: secret, RedirectURL: hoTichRedirect, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	r.OAuth.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	return r
}

// loginCode walks the direct login for r and returns the request and its code.
func loginCode(t *testing.T, env *apptest.Env, r *client.RP) (client.Authorization, string) {
	t.Helper()
	a := client.NewAuthorization()
	code, err := r.Code(a, env.DirectLogin(env.Client(), r.AuthCodeURL(a), app.DemoCitizens[0].IDNumber, app.DemoPassword))
	if err != nil {
		t.Fatal(err)
	}
	return a, code
}

// refusedWith checks an OAuth refusal of the token endpoint.
func refusedWith(t *testing.T, err error, status int, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != status || re.ErrorCode != code {
		t.Fatalf("err %v, want %d %s", err, status, code)
	}
}

// A service added while the server runs logs a citizen in at once: nothing restarts.
func TestClientsAddWhileServerRuns(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	r := rp(t, env, addHoTich(t, env), "profile")
	if lp := env.OpenLoginAt(env.Client(), r.AuthCodeURL(client.NewAuthorization())); !strings.Contains(lp.Body, "Hộ tịch điện tử") {
		t.Fatal("the login page does not name the service")
	}
	a, code := loginCode(t, env, r)
	tok, err := r.Exchange(ctx, a, code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify(ctx, tok, a.Nonce); err != nil {
		t.Fatal(err)
	}
	events, err := env.App.Store().ListAudit(ctx, 10)
	if err != nil || len(events) == 0 {
		t.Fatal(events, err)
	}
	found := false
	for _, e := range events {
		found = found || (e.Actor == "cli" && e.Action == "oidc_client_added" && strings.Contains(e.Detail, "client=ho-tich"))
	}
	if !found {
		t.Fatalf("the registration is not in the audit log: %+v", events)
	}
}

func TestClientsAddPublic(t *testing.T) {
	env := apptest.New(t)
	out, errOut, err := clientsStreams(t, env, "add", "--id", "app.di-dong", "--name", "Ứng dụng di động", "--public",
		"--redirect-uri", "com.example.app:/oauth2/cb", "--redirect-uri", "http://192.168.1.50:3000/cb")
	if err != nil || out != "" || strings.Contains(errOut, "client_secret") || !strings.Contains(errOut, "PKCE") {
		t.Fatalf("public client: %v\nstdout (must be empty):\n%s\nstderr:\n%s", err, out, errOut)
	}
	c, err := env.App.Store().OIDCClientByID(context.Background(), "app.di-dong")
	if err != nil || !c.Public || c.SecretHash != "" || len(c.RedirectURIs) != 2 {
		t.Fatalf("stored %+v (%v)", c, err)
	}
}

func TestClientsAddRefusals(t *testing.T) {
	env := apptest.New(t)
	addHoTich(t, env)
	ok := []string{"--name", "Dịch vụ", "--redirect-uri", "https://dv.example.vn/cb"}
	tests := []struct {
		name string
		args []string
		want []string // parts of the error: Vietnamese and English
	}{
		{"ErrNoID", ok, []string{"Vui lòng nhập mã ứng dụng", "client id is required"}},
		{"ErrBadID", append([]string{"--id", "Dich Vu"}, ok...), []string{"chữ thường", "must match"}},
		{"ErrBuiltinID", append([]string{"--id", "dvc-portal"}, ok...), []string{"ứng dụng có sẵn", "built in"}},
		{"ErrTakenID", append([]string{"--id", "ho-tich"}, ok...), []string{"đã được dùng", "taken"}},
		{"ErrNoName", []string{"--id", "dich-vu", "--redirect-uri", "https://dv.example.vn/cb"}, []string{"tên dịch vụ", "name is required"}},
		{"ErrNoRedirect", []string{"--id", "dich-vu", "--name", "Dịch vụ"}, []string{"ít nhất một địa chỉ chuyển hướng", "at least one redirect URI"}},
		{"ErrRelative", []string{"--id", "dich-vu", "--name", "Dịch vụ", "--redirect-uri", "/cb"}, []string{"địa chỉ đầy đủ", "absolute"}},
		{"ErrFragment", []string{"--id", "dich-vu", "--name", "Dịch vụ", "--redirect-uri", "https://dv.example.vn/cb#x"}, []string{"fragment", "fragment"}},
		{"ErrWildcard", []string{"--id", "dich-vu", "--name", "Dịch vụ", "--redirect-uri", "https://dv.example.vn/*"}, []string{"ký tự đại diện", "wildcard"}},
		{"ErrLogoutFragment", append([]string{"--id", "dich-vu", "--post-logout-redirect-uri", "https://dv.example.vn/#x"}, ok...), []string{"sau khi đăng xuất", "post-logout"}},
		{"ErrStrayArgument", append([]string{"--id", "dich-vu", "extra"}, ok...), []string{"tham số thừa", "unexpected argument"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := clients(t, env, append([]string{"add"}, tc.args...)...)
			if err == nil {
				t.Fatalf("accepted:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	list, err := env.App.Store().ListOIDCClients(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("a refused registration was stored: %+v (%v)", list, err)
	}
	t.Run("NoDatabaseYet", func(t *testing.T) {
		var out, errOut bytes.Buffer
		err := Run(context.Background(), append([]string{"clients", "add", "--id", "dich-vu", "-data", t.TempDir()}, ok...),
			Streams{Out: &out, Err: &errOut})
		if err != nil || !strings.Contains(out.String(), "client_secret: ") || !strings.Contains(errOut.String(), "Đã tạo cơ sở dữ liệu mới") {
			t.Fatalf("a folder without a database gets one first: %v\n%s\n%s", err, out.String(), errOut.String())
		}
	})
}

func TestClientsList(t *testing.T) {
	env := apptest.New(t)
	if out := mustClients(t, env, "list"); !strings.Contains(out, "Chưa có ứng dụng tích hợp nào") {
		t.Fatalf("empty list:\n%s", out)
	}
	addHoTich(t, env)
	mustClients(t, env, "add", "--id", "app.di-dong", "--name", "Ứng dụng di động", "--public",
		"--redirect-uri", "com.example.app:/cb", "--redirect-uri", "http://192.168.1.50:3000/cb")
	out := mustClients(t, env, "list")
	for _, want := range []string{"CLIENT_ID", "REDIRECT URI", "ho-tich", "Hộ tịch điện tử", "confidential", hoTichRedirect,
		"app.di-dong", "public (PKCE)", "com.example.app:/cb", "http://192.168.1.50:3000/cb"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if secretLine.MatchString(out) || strings.Contains(out, "secret") {
		t.Fatalf("the list shows a secret:\n%s", out)
	}
}

// Removing a service ends what it holds: its refresh token stops working.
func TestClientsRemove(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	r := rp(t, env, addHoTich(t, env), "profile", "offline_access")
	a, code := loginCode(t, env, r)
	tok, err := r.Exchange(ctx, a, code)
	if err != nil {
		t.Fatal(err)
	}
	out := mustClients(t, env, "remove", "-id", "ho-tich")
	if !strings.Contains(out, "Đã xóa ứng dụng") || !strings.Contains(out, "thu hồi 2 token") {
		t.Fatalf("remove said:\n%s", out)
	}
	_, err = r.Refresh(ctx, tok.RefreshToken)
	refusedWith(t, err, http.StatusUnauthorized, "invalid_client")
	if out := mustClients(t, env, "list"); strings.Contains(out, "ho-tich") {
		t.Fatalf("the removed service is still listed:\n%s", out)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ErrAgain", []string{"remove", "ho-tich"}, "Không có ứng dụng tích hợp nào"},
		{"ErrBuiltin", []string{"remove", "dvc-portal"}, "có sẵn trong hệ thống"},
		{"ErrNoID", []string{"remove"}, "exactly one client id"},
		{"ErrTwoIDs", []string{"remove", "a-1", "b-2"}, "exactly one client id"},
		{"ErrFlagAndID", []string{"remove", "-id", "a-1", "b-2"}, "exactly one client id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := clients(t, env, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// A rotated secret: the old one is refused at once, the new one printed works.
func TestClientsRotateSecret(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	oldSecret := addHoTich(t, env)
	r := rp(t, env, oldSecret, "profile")
	a, code := loginCode(t, env, r)

	newSecret, notes := mustSecret(t, env, "rotate-secret", "-id", "ho-tich")
	if newSecret == oldSecret || !strings.Contains(notes, "khóa cũ ngừng hoạt động") {
		t.Fatalf("rotate-secret said:\n%s", notes)
	}
	_, err := r.Exchange(ctx, a, code)
	refusedWith(t, err, http.StatusUnauthorized, "invalid_client")
	r.OAuth.ClientSecret = newSecret
	if _, err := r.Exchange(ctx, a, code); err != nil {
		t.Fatalf("the new secret: %v", err)
	}
	if again, _ := mustSecret(t, env, "rotate-secret", "ho-tich"); again == newSecret { // the id alone works too
		t.Fatal("a second rotation kept the secret")
	}

	mustClients(t, env, "add", "--id", "app.di-dong", "--name", "Ứng dụng", "--public", "--redirect-uri", "com.example.app:/cb")
	for _, tc := range []struct{ name, id, want string }{
		{"ErrPublic", "app.di-dong", "không có khóa bí mật"},
		{"ErrUnknown", "khong-co", "Không có ứng dụng tích hợp nào"},
		{"ErrBuiltin", "dvc-portal", "có sẵn trong hệ thống"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := clients(t, env, "rotate-secret", tc.id); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestClientsUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		ok   bool
	}{
		{"Help", []string{"clients", "help"}, true},
		{"ErrNoSubcommand", []string{"clients"}, false},
		{"ErrUnknownSubcommand", []string{"clients", "bogus"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := Run(context.Background(), tc.args, Streams{Out: &out, Err: &errOut})
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			for name := range clientCommands {
				if !strings.Contains(errOut.String(), name) {
					t.Errorf("usage does not list %q:\n%s", name, errOut.String())
				}
			}
		})
	}
}
