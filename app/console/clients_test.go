package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/app/web"
)

// "Ứng dụng tích hợp": the operator registers, removes and re-keys the services that log
// citizens in through the provider.

var secretField = regexp.MustCompile(`id="client-secret" class="mono secret" value="([^"]+)"`)

// addForm returns the form that registers a client.
func addForm(t *testing.T, env *apptest.Env, c *http.Client) client.Form {
	t.Helper()
	resp, body := env.Get(c, "/console/clients")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /console/clients: %d", resp.StatusCode)
	}
	return apptest.FormWith(t, env.URL+"/console/clients", body, "redirect_uris")
}

// hoTich is a valid registration of a confidential client.
func hoTich() map[string]string {
	return map[string]string{"id": "ho-tich", "name": "Hộ tịch điện tử",
		"redirect_uris":             "https://hotich.example.vn/callback\r\nhttp://10.0.0.5:8000/cb\r\n",
		"post_logout_redirect_uris": "https://hotich.example.vn/"}
}

// addHoTich registers hoTich through the console and returns the secret its page shows.
func addHoTich(t *testing.T, env *apptest.Env, c *http.Client) string {
	t.Helper()
	resp, body := env.Submit(c, addForm(t, env, c), hoTich())
	m := secretField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("add: %d, no secret on the page:\n%s", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(body, "chỉ hiện một lần") ||
		!strings.Contains(body, `data-copy="client-secret"`) || !strings.Contains(body, "/static/js/console.js") {
		t.Fatal("the secret page lacks no-store, its warning or its copy button")
	}
	return html.UnescapeString(m[1])
}

// clientAuth tells whether the token endpoint takes id and secret: a bogus code with the right
// credentials is invalid_grant (400), with wrong ones invalid_client (401).
func clientAuth(t *testing.T, env *apptest.Env, id, secret string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/idp/oauth/token",
		strings.NewReader(url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, _ := env.Do(http.DefaultClient, req)
	return resp.StatusCode
}

func TestConsoleAddsClient(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	if _, body := env.Get(c, "/console/"); !strings.Contains(body, `<a href="/console/clients">Ứng dụng tích hợp</a>`) {
		t.Fatal("the nav has no entry for the page")
	}
	secret := addHoTich(t, env, c)
	if st := clientAuth(t, env, "ho-tich", secret); st != http.StatusBadRequest {
		t.Fatalf("the shown secret at the token endpoint: %d, want 400 invalid_grant (authenticated)", st)
	}
	_, body := env.Get(c, "/console/clients")
	for _, want := range []string{"ho-tich", "Hộ tịch điện tử", "https://hotich.example.vn/callback", "http://10.0.0.5:8000/cb", "Bảo mật (confidential)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(body, secret) {
		t.Fatal("the list shows the secret again")
	}
	stored, err := env.App.Store().OIDCClientByID(context.Background(), "ho-tich")
	if err != nil || strings.Contains(stored.SecretHash, secret) || len(stored.RedirectURIs) != 2 {
		t.Fatalf("stored %+v (%v)", stored, err)
	}
	if _, body := env.Get(c, "/console/audit"); !strings.Contains(body, "Đăng ký ứng dụng tích hợp") {
		t.Fatal("the registration is not in the log")
	}

	t.Run("Public", func(t *testing.T) {
		resp, body := env.Submit(c, addForm(t, env, c), map[string]string{"id": "app.di-dong", "name": "Ứng dụng di động",
			"redirect_uris": "com.example.app:/cb", "public": "1"})
		if resp.StatusCode != http.StatusOK || secretField.MatchString(body) || !strings.Contains(body, "PKCE") {
			t.Fatalf("public client: %d\n%s", resp.StatusCode, body)
		}
		if cl, err := env.App.Store().OIDCClientByID(context.Background(), "app.di-dong"); err != nil || !cl.Public {
			t.Fatalf("stored %+v (%v)", cl, err)
		}
	})
}

func TestConsoleAddClientRefusals(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	addHoTich(t, env, c)
	with := func(k, v string) map[string]string {
		f := hoTich()
		f["id"] = "dich-vu"
		f[k] = v
		return f
	}
	for _, tc := range []struct {
		name   string
		fields map[string]string
		status int
		msg    string
	}{
		{"ErrBadID", with("id", "Dịch Vụ"), 400, "chữ thường không dấu"},
		{"ErrBuiltinID", with("id", "dvc-portal"), 400, "ứng dụng có sẵn"},
		{"ErrTakenID", with("id", "ho-tich"), 409, "đã được dùng"},
		{"ErrNoName", with("name", " "), 400, "Vui lòng nhập tên dịch vụ"},
		{"ErrNoRedirect", with("redirect_uris", "\r\n"), 400, "ít nhất một địa chỉ chuyển hướng"},
		{"ErrFragment", with("redirect_uris", "https://dv.example.vn/cb#top"), 400, "fragment"},
		{"ErrWildcard", with("redirect_uris", "https://*.example.vn/cb"), 400, "ký tự đại diện"},
		{"ErrRelative", with("redirect_uris", "/cb"), 400, "địa chỉ đầy đủ"},
		{"ErrSpaceInside", with("redirect_uris", "https://dv.example.vn/c b"), 400, "khoảng trắng"},
		{"ErrLogout", with("post_logout_redirect_uris", "javascript:alert(1)"), 400, "sau khi đăng xuất"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.Submit(c, addForm(t, env, c), tc.fields)
			if resp.StatusCode != tc.status || secretField.MatchString(body) {
				t.Fatalf("status %d, want %d and no secret", resp.StatusCode, tc.status)
			}
			_, alert, _ := strings.Cut(body, `<div class="alert alert-error" role="alert">`)
			if alert, _, _ = strings.Cut(alert, "</div>"); !strings.Contains(html.UnescapeString(alert), tc.msg) || !apptest.IsVietnamese(html.UnescapeString(alert)) {
				t.Fatalf("error %q, want it to say %q", alert, tc.msg)
			}
			// What the operator typed is kept, to correct it.
			if !strings.Contains(body, `value="`+html.EscapeString(tc.fields["id"])+`"`) {
				t.Fatalf("the form lost the id %q", tc.fields["id"])
			}
		})
	}
	if list, err := env.App.Store().ListOIDCClients(context.Background()); err != nil || len(list) != 1 {
		t.Fatalf("a refused registration was stored: %+v (%v)", list, err)
	}
}

func TestConsoleRemovesClient(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	secret := addHoTich(t, env, c)
	_, body := env.Get(c, "/console/clients")
	if !strings.Contains(body, `href="/console/clients/ho-tich/remove"`) {
		t.Fatal("no way to remove the client from the list")
	}
	resp, body := env.Get(c, "/console/clients/ho-tich/remove")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "thu hồi ngay") {
		t.Fatalf("confirmation page: %d", resp.StatusCode)
	}
	f, ok := client.ParseForms(env.URL+"/console/clients/ho-tich/remove", body).To("/console/clients/ho-tich/remove")
	if !ok {
		t.Fatal("the confirmation page has no form")
	}
	if resp, _ := env.Submit(c, f, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/clients" {
		t.Fatalf("remove: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := env.Get(c, "/console/clients"); !strings.Contains(body, "Đã xóa ứng dụng") || strings.Contains(body, "https://hotich.example.vn/callback") {
		t.Fatal("the list does not confirm the removal, or still shows the client")
	}
	if st := clientAuth(t, env, "ho-tich", secret); st != http.StatusUnauthorized {
		t.Fatalf("the removed client's secret: %d, want 401", st)
	}
	if _, body := env.Get(c, "/console/audit"); !strings.Contains(body, "Xóa ứng dụng tích hợp") {
		t.Fatal("the removal is not in the log")
	}
	for _, path := range []string{"/console/clients/ho-tich/remove", "/console/clients/dvc-portal/remove"} {
		if resp, _ := env.Get(c, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	// A built-in client cannot be removed, whatever is posted.
	if resp, _ := env.PostForm(c, "/console/clients/dvc-portal/remove", url.Values{"csrf_token": {csrfOf(t, body)}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("removing the portal: %d, want 404", resp.StatusCode)
	}
}

// csrfOf is the CSRF token a console page's forms carry.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	f := apptest.FormWith(t, "http://x/", body, "csrf_token")
	return f.Fields.Get("csrf_token")
}

func TestConsoleRotatesClientSecret(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	oldSecret := addHoTich(t, env, c)
	_, body := env.Get(c, "/console/clients")
	f, ok := client.ParseForms(env.URL+"/console/clients", body).To("/console/clients/ho-tich/secret")
	if !ok {
		t.Fatal("no form to rotate the secret")
	}
	resp, body := env.Submit(c, f, nil)
	m := secretField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(body, "Khóa cũ đã ngừng hoạt động") {
		t.Fatalf("rotate: %d\n%s", resp.StatusCode, body)
	}
	newSecret := html.UnescapeString(m[1])
	if st := clientAuth(t, env, "ho-tich", oldSecret); st != http.StatusUnauthorized {
		t.Fatalf("the old secret: %d, want 401", st)
	}
	if st := clientAuth(t, env, "ho-tich", newSecret); st != http.StatusBadRequest {
		t.Fatalf("the new secret: %d, want 400 invalid_grant (authenticated)", st)
	}
	if _, body := env.Get(c, "/console/audit"); !strings.Contains(body, "Đổi khóa bí mật ứng dụng tích hợp") {
		t.Fatal("the rotation is not in the log")
	}
}

// Every client action needs the operator's session and the console's CSRF token.
func TestClientActionsNeedOperatorAndCSRF(t *testing.T) {
	env := apptest.New(t)
	op := operator(t, env)
	secret := addHoTich(t, env, op)
	posts := []struct {
		name, path string
		fields     url.Values
	}{
		{"Add", "/console/clients", url.Values{"id": {"dich-vu"}, "name": {"Dịch vụ"}, "redirect_uris": {"https://dv.example.vn/cb"}}},
		{"Remove", "/console/clients/ho-tich/remove", nil},
		{"Rotate", "/console/clients/ho-tich/secret", nil},
	}
	for _, tc := range posts {
		t.Run("ErrNoCSRF"+tc.name, func(t *testing.T) {
			if resp, _ := env.PostForm(op, tc.path, tc.fields); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("without a CSRF token: %d, want 403", resp.StatusCode)
			}
		})
		t.Run("ErrNoOperator"+tc.name, func(t *testing.T) {
			// A browser with the console's CSRF cookie and token, but not logged in.
			anon := env.Client()
			_, body := env.Get(anon, "/console/login")
			v := url.Values{"csrf_token": {csrfOf(t, body)}}
			for k, vs := range tc.fields {
				v[k] = vs
			}
			if resp, _ := env.PostForm(anon, tc.path, v); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("without an operator: %d, want 401", resp.StatusCode)
			}
		})
	}
	for _, path := range []string{"/console/clients", "/console/clients/ho-tich/remove"} {
		if resp, _ := env.Get(env.Client(), path); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
			t.Errorf("GET %s without an operator: %d to %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	list, err := env.App.Store().ListOIDCClients(context.Background())
	if err != nil || len(list) != 1 || clientAuth(t, env, "ho-tich", secret) != http.StatusBadRequest {
		t.Fatalf("a refused request changed the clients: %+v (%v)", list, err)
	}
	if web.IsBuiltinClient(list[0].ID) {
		t.Fatal("a built-in id was registered")
	}
}
