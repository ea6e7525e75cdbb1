package console_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// english fetches a console page with client c (whose cookie says English) and fails unless it
// is in English: lang="en", the words wanted, no Vietnamese but data.
func english(t *testing.T, env *apptest.Env, c *http.Client, path string, want []string, data ...string) string {
	t.Helper()
	resp, body := env.Get(c, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	apptest.CheckEnglish(t, path, body, want, data...)
	return body
}

// englishOperator logs in to the console after choosing English with ?lang=en; every later
// request carries only the cookie.
func englishOperator(t *testing.T, env *apptest.Env) *http.Client {
	t.Helper()
	c := env.Client()
	english(t, env, c, "/console/login?lang=en", []string{"Administrator login", "Administrator password"})
	resp, body := env.Submit(c, loginForm(t, env, c), map[string]string{"password": "sai-mat-khau"})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong password: %d", resp.StatusCode)
	}
	apptest.CheckEnglish(t, "the refused login", body, []string{"The administrator password is incorrect."})
	resp, _ = env.Submit(c, loginForm(t, env, c), map[string]string{"password": adminPassword})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console login: %d", resp.StatusCode)
	}
	return c
}

// TestConsoleInEnglish: with the language cookie every console page speaks English, its
// messages too; without it the same pages are Vietnamese as before.
func TestConsoleInEnglish(t *testing.T) {
	env := apptest.New(t)
	c := englishOperator(t, env)

	english(t, env, c, "/console/", []string{"Dashboard", "Addresses for trainees", "demo citizens", "Restore the demo data"})
	english(t, env, c, "/console/citizens", []string{"Demo citizens", "Date of birth", "Male", "Female", "Level 2",
		"Normal", "In no device yet", "Reset passcode / password"})
	english(t, env, c, "/console/settings", []string{"Setting", "Lock duration", "15 minutes", "Flag to change it"})
	english(t, env, c, "/console/guide", []string{"Way 1: Log in by scanning the QR code with the VNeID app", "Step 4:"})
	english(t, env, c, "/console/reset", []string{"To be deleted", "Kept"})
	english(t, env, c, "/console/citizens/cards", []string{"Login cards of the accounts with the demo password"})
	english(t, env, c, "/console/messages", []string{"SMS outbox", "Newest first."})

	// A refused action leaves its message in English for the next page.
	body := act(t, env, c, an.ID, "passcode", map[string]string{"passcode": "123456"})
	apptest.CheckEnglish(t, "a refused passcode", body, []string{"The passcode must not be 6 identical or consecutive digits"})
	body = act(t, env, c, an.ID, "unlock", nil)
	apptest.CheckEnglish(t, "an unlock", body, []string{"Unlocked the password, verification codes and passcode of " + an.FullName + "."})

	// The JSON the outbox polls, and its refusal once logged out, are English as well.
	_, raw := env.Get(c, "/console/messages.json")
	if strings.Contains(raw, "Ứng dụng VNeID") {
		t.Errorf("the outbox JSON names a channel in Vietnamese: %s", raw)
	}
	anon := env.Client()
	english(t, env, anon, "/console/login?lang=en", nil)
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/console/messages.json", nil)
	req.Header.Set("Accept", "application/json")
	resp, raw := env.Do(anon, req)
	var answer struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(raw), &answer); err != nil || resp.StatusCode != http.StatusUnauthorized ||
		answer.Error.Message != "Your session has expired. Please log in again." {
		t.Errorf("the outbox JSON without a login, in English: %d %s", resp.StatusCode, raw)
	}

	// Vietnamese stays the default: a new browser reads the same pages as before.
	vi := operator(t, env)
	for path, want := range map[string]string{"/console/": "Bảng điều khiển", "/console/citizens": "Đặt lại passcode / mật khẩu",
		"/console/settings": "Thời gian khóa", "/console/guide": "Cách 1: Đăng nhập bằng cách quét QR trên ứng dụng VNeID"} {
		if _, body := env.Get(vi, path); !strings.Contains(body, `<html lang="vi">`) || !strings.Contains(body, want) {
			t.Errorf("%s by default: not Vietnamese (%q)", path, want)
		}
	}
}

// TestCitizenFormsInEnglish: the add form's refusals, and an import's, name the field, the line
// and the column in English.
func TestCitizenFormsInEnglish(t *testing.T) {
	env := apptest.New(t)
	c := englishOperator(t, env)
	english(t, env, c, "/console/citizens/new", []string{"Add a citizen", "Personal ID number", "Choose a gender",
		"Leave empty for the demo password"})
	resp, body := env.Submit(c, pageForm(t, env, c, "/console/citizens/new", "birth"),
		with(mai, map[string]string{"birth": "30/02/1999", "phone": "0243123456", "name": "Lê 2"}))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a wrong form: %d", resp.StatusCode)
	}
	apptest.CheckEnglish(t, "the refused form", body, []string{"Not saved: correct the 3 marked fields below.",
		"The date of birth 30/02/1999 does not exist (day 30, month 2, year 1999).",
		"024 is not a Vietnamese mobile prefix", "The full name may have only Vietnamese letters and spaces, not '2'."},
		"Lê 2", "Lê Thị Mai")
	if !strings.Contains(body, `hreflang="vi"`) || !strings.Contains(body, `href="/console/citizens/new?lang=vi"`) {
		t.Error("the refused form's switch does not lead back to the form")
	}

	english(t, env, c, "/console/citizens/import", []string{"Import citizens from a CSV file", "File format"},
		"Phạm Thị Thu Hà", "Nữ")
	resp, body = upload(t, env, c, "lop.csv", []byte(strings.Replace(classCSV, "031203001234", "031203001", 1)+
		"048192004711,Phạm Thị Hà,1992-08-09,Nữ,0935999999,,,,\n"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a wrong file: %d", resp.StatusCode)
	}
	apptest.CheckEnglish(t, "the refused import", body, []string{"No citizen was imported from the file lop.csv.",
		"Line 3, column so_dinh_danh: The ID number has only 9 digits; it needs exactly 12",
		"Line 4, column so_dinh_danh: The ID number 048192004711 is the same as on line 2."},
		"Phạm Thị Thu Hà", "Nữ")
	_, body = upload(t, env, c, "x.csv", nil)
	apptest.CheckEnglish(t, "an empty file", body, []string{"Line 1: The file is empty: the first line must be the header line"},
		"Phạm Thị Thu Hà", "Nữ")
}

// TestAuditLogInWords: every event and detail of the log reads in words, Vietnamese by default
// and English with the cookie; the detail as stored stays only in the cell's data attribute.
func TestAuditLogInWords(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	signIn(t, env, an.IDNumber) // app login, portal login with its methods, single sign-on
	b := env.Client()
	if _, err := client.NewBrowser(env.URL, b).StartQR(ctx, env.OpenLoginAt(b, "/dang-nhap/vneid")); err != nil {
		t.Fatalf("start a QR login: %v", err)
	}
	vi := operator(t, env)
	act(t, env, vi, binh.ID, "unlock", nil)
	act(t, env, vi, binh.ID, "web-login", map[string]string{"enabled": "1"})

	_, body := env.Get(vi, "/console/audit")
	text := html.UnescapeString(apptest.ShownText(body))
	for _, want := range []string{"Tạo mã QR đăng nhập", "Mã QR ", "Đăng nhập ứng dụng", "Phương thức: mật khẩu + mã OTP qua SMS (hai yếu tố)",
		"Ứng dụng demo-app", "Xóa khóa và số lần sai của mật khẩu, mã xác nhận và passcode", "Quản trị viên đăng nhập",
		"Đăng nhập một lần (SSO)", "Thiết bị "} {
		if !strings.Contains(text, want) {
			t.Errorf("the log in Vietnamese lacks %q", want)
		}
	}
	for _, raw := range []string{"qr_started", "app_login", "amr=", "device ", "first app login", "client=", "wrong", "locks and counts"} {
		if strings.Contains(text, raw) {
			t.Errorf("the log in Vietnamese shows the code %q", raw)
		}
	}

	en := englishOperator(t, env)
	body = english(t, env, en, "/console/audit", []string{"Events", "Recent login attempts", "Login QR code created", "QR code ",
		"App login", "Methods: password + OTP by SMS (two factors)", "Application demo-app", "Single sign-on (SSO)",
		"Locks and failure counts of the password, verification codes and passcode cleared", "Administrator logged in",
		"Turn on sign in on websites", "National Public Service Portal"})
	if strings.Contains(html.UnescapeString(apptest.ShownText(body)), "amr=") {
		t.Error("the log in English shows a raw detail")
	}
}

// TestClientsInEnglish: the integrated applications page, its refusals and the page of a new
// secret are English.
func TestClientsInEnglish(t *testing.T) {
	env := apptest.New(t)
	c := englishOperator(t, env)
	english(t, env, c, "/console/clients", []string{"Integrated applications", "Register a new application",
		"Client ID (client_id)", "No integrated applications yet."})
	resp, body := env.Submit(c, addForm(t, env, c), map[string]string{"id": "ho-tich", "name": "Hộ tịch",
		"redirect_uris": "https://hotich.example.vn/cb#x"})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a refused registration: %d", resp.StatusCode)
	}
	apptest.CheckEnglish(t, "the refused registration", body, []string{
		`Redirect URI "https://hotich.example.vn/cb#x" is not valid: it must not contain a # part (fragment).`}, "Hộ tịch")
	resp, body = env.Submit(c, addForm(t, env, c), hoTich())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a registration: %d", resp.StatusCode)
	}
	apptest.CheckEnglish(t, "the new secret", body, []string{"“Hộ tịch điện tử” is registered", "The secret is shown this once only.",
		"Copy"}, "Hộ tịch điện tử")
	body = english(t, env, c, "/console/clients", []string{"Confidential", "Change the secret"}, "Hộ tịch điện tử")
	english(t, env, c, "/console/clients/ho-tich/remove", []string{"Delete the application “Hộ tịch điện tử”?"}, "Hộ tịch điện tử")
	_ = body
	// A refusal of the client rules reached by a form of its own (the error page) reads English.
	resp, _ = env.Submit(c, addForm(t, env, c), map[string]string{"id": "app-cong-khai", "name": "Ứng dụng",
		"redirect_uris": "com.example.app:/cb", "public": "1"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a public registration: %d", resp.StatusCode)
	}
	rotate := addForm(t, env, c)
	rotate.Action = env.URL + "/console/clients/app-cong-khai/secret"
	rotate.Fields = url.Values{"csrf_token": rotate.Fields["csrf_token"]}
	resp, body = env.Submit(c, rotate, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is a public application") || apptest.IsVietnamese(apptest.PageError(body)) {
		t.Errorf("a public client's secret change in English: %d %s", resp.StatusCode, apptest.PageError(body))
	}
	resp, body = env.Get(c, "/console/clients/khong-co/remove")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "This integrated application was not found.") {
		t.Errorf("an unknown client in English: %d %s", resp.StatusCode, apptest.PageError(body))
	}
}
