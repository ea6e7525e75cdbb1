package console_test

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/citizens"
	"dvclogin/app/client"
	"dvclogin/store"
)

// pageForm opens a console page and returns its first form with the field.
func pageForm(t *testing.T, env *apptest.Env, c *http.Client, path, field string) client.Form {
	t.Helper()
	resp, body := env.Get(c, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return apptest.FormWith(t, env.URL+path, body, field)
}

// formTo returns the form of a page that posts to action.
func formTo(t *testing.T, env *apptest.Env, c *http.Client, path, action string) client.Form {
	t.Helper()
	_, body := env.Get(c, path)
	f, ok := client.ParseForms(env.URL+path, body).To(action)
	if !ok {
		t.Fatalf("%s has no form posting to %s", path, action)
	}
	return f
}

var mai = map[string]string{"id": "079199123456", "name": "Lê Thị Mai", "birth": "01/02/1999", "gender": "Nữ",
	"phone": "0977 000 444", "level": "2", "web_login": "1"}

func with(base map[string]string, set map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range set {
		out[k] = v
	}
	return out
}

func TestAddCitizen(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	resp, _ := env.Submit(c, pageForm(t, env, c, "/console/citizens/new", "birth"), mai)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/citizens" {
		t.Fatalf("add: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := env.Get(c, "/console/citizens"); !strings.Contains(body, "Đã thêm công dân Lê Thị Mai, số định danh 079199123456.") {
		t.Fatal("no confirmation on the list")
	}
	cit, err := env.App.Store().CitizenByIDNumber(context.Background(), "079199123456")
	if err != nil || cit.Phone != "0977000444" || !cit.PasswordIsDemo {
		t.Fatalf("stored %+v, %v", cit, err)
	}
	if st, _, _ := env.NewDevice().TryLogin("079199123456", app.DemoPassword, ""); st != http.StatusOK {
		t.Fatalf("the new citizen's app login: %d", st)
	}
	if _, body := env.Get(c, "/console/audit"); !strings.Contains(body, "Thêm công dân") {
		t.Fatal("the new citizen is not in the audit log")
	}
}

// A refused form comes back with what was typed and the reason beside each field.
func TestAddCitizenRefused(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	for _, tc := range []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"ErrFields", map[string]string{"birth": "31/02/1999", "password": "12345678", "name": "Lê <b>Mai</b>"},
			[]string{"Ngày sinh 31/02/1999 không có thật", "quá phổ biến", "không có &#39;&lt;&#39;", `value="31/02/1999"`, `value="Lê &lt;b&gt;Mai&lt;/b&gt;"`}},
		{"ErrIDGender", map[string]string{"gender": "Nam"}, []string{"Chữ số thứ 4", `<option value="Nam" selected>`}},
		{"ErrTakenID", map[string]string{"id": an.IDNumber, "birth": "12/03/1985", "gender": "Nam"},
			[]string{"Số định danh 001085012345 đã có trong hệ thống."}},
		{"ErrTakenPhone", map[string]string{"phone": "+84" + an.Phone[1:]}, []string{"Số điện thoại 0912345678 đã thuộc về một công dân khác."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.Submit(c, pageForm(t, env, c, "/console/citizens/new", "birth"), with(mai, tc.set))
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Chưa lưu") {
				t.Fatalf("status %d\n%s", resp.StatusCode, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
	if n, _ := env.App.Store().CountCitizens(context.Background()); n != 3 {
		t.Fatalf("%d citizens after refused forms, want 3", n)
	}
}

func TestEditCitizen(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	env.AppLogin(an.IDNumber, app.DemoPassword) // the test's phone takes An's SIM
	c := operator(t, env)
	path := "/console/citizens/" + an.ID + "/edit"
	form := pageForm(t, env, c, path, "phone")
	if form.Fields.Get("name") != an.FullName || form.Fields.Get("birth") != "12/03/1985" || form.Fields.Has("id") {
		t.Fatalf("edit form fields %v", form.Fields)
	}
	for _, tc := range []struct {
		name string
		set  map[string]string
		want string
	}{
		{"ErrOtherYear", map[string]string{"birth": "12/03/1986"}, "phải khớp với số định danh 001085012345 (Nam, sinh năm 1985, đăng ký khai sinh tại Hà Nội)"},
		{"ErrTakenPhone", map[string]string{"phone": binh.Phone}, "đã thuộc về một công dân khác"},
		{"ErrName", map[string]string{"name": "A"}, "từ 2 đến 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.Submit(c, pageForm(t, env, c, path, "phone"), tc.set)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) {
				t.Fatalf("status %d, want 400 saying %q\n%s", resp.StatusCode, tc.want, body)
			}
		})
	}
	resp, _ := env.Submit(c, pageForm(t, env, c, path, "phone"), map[string]string{"name": "Nguyễn Văn Ân",
		"phone": "0388 123 456", "web_login": "0", "id": "079190054321"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	cit, _ := env.App.Store().CitizenByID(ctx, an.ID)
	if cit.FullName != "Nguyễn Văn Ân" || cit.Phone != "0388123456" || cit.WebLogin || cit.IDNumber != an.IDNumber {
		t.Fatalf("after the edit: %+v", cit)
	}
	if _, err := env.App.Store().SIMOf(ctx, an.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the old number's SIM stayed on its device: %v", err)
	}
	if _, body := env.Get(c, "/console/audit"); !strings.Contains(body, "Số điện thoại: 0912345678 → 0388123456") {
		t.Fatal("the audit log does not say what changed")
	}
	if resp, _ := env.Get(c, "/console/citizens/nobody/edit"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("edit of nobody: %d", resp.StatusCode)
	}
}

// signedIn is everything a citizen holds after logging in: the phone app's token, a browser
// with portal and IdP sessions, and a relying party's tokens.
type signedIn struct {
	appToken string
	browser  *http.Client
	rp       *client.RP
	tokens   *oauth2.Token
}

// signIn logs a citizen in everywhere: the app, the portal (direct login with the SMS code),
// and demo-app by single sign-on in the same browser, with a refresh token.
func signIn(t *testing.T, env *apptest.Env, idNumber string) signedIn {
	t.Helper()
	s := signedIn{appToken: env.AppLogin(idNumber, app.DemoPassword), browser: env.Client()}
	lp := env.OpenLoginAt(s.browser, "/dang-nhap/vneid")
	resp, body := env.PasswordStep(s.browser, lp, idNumber, app.DemoPassword)
	at, page := env.CodeStep(s.browser, resp, body)
	resp, body = env.SubmitCode(s.browser, at, page, env.LatestCode(s.appToken))
	if resp, _, at := env.Follow(s.browser, resp, body); resp.StatusCode != http.StatusOK || at != env.URL+"/tai-khoan" {
		t.Fatalf("portal login ended at %s (%d)", at, resp.StatusCode)
	}
	var err error
	s.rp, err = client.NewRP(context.Background(), &http.Client{Timeout: 10 * time.Second}, env.URL+"/idp",
		oauth2.Config{ClientID: client.DemoApp, RedirectURL: client.DemoRedirect, Scopes: []string{"profile", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	a := client.NewAuthorization()
	resp, body = env.Get(s.browser, s.rp.AuthCodeURL(a))
	_, _, to := env.FollowUntil(s.browser, resp, body, func(u *url.URL) bool { return strings.HasPrefix(u.String(), client.DemoRedirect) })
	code, err := s.rp.Code(a, to)
	if err != nil {
		t.Fatalf("single sign-on for demo-app: %v", err)
	}
	if s.tokens, err = s.rp.Exchange(context.Background(), a, code); err != nil || s.tokens.RefreshToken == "" {
		t.Fatalf("exchange: %v", err)
	}
	return s
}

// TestDeleteCitizen: after a confirmation page, deleting a citizen ends the portal and IdP
// sessions, the app session and the refresh token, and the account is gone.
func TestDeleteCitizen(t *testing.T) {
	env := apptest.New(t)
	s := signIn(t, env, an.IDNumber)
	c := operator(t, env)
	path := "/console/citizens/" + an.ID + "/delete"
	if _, body := env.Get(c, path); !strings.Contains(body, "đăng xuất ngay khỏi mọi nơi") || !strings.Contains(body, an.FullName) {
		t.Fatal("the confirmation page does not say what deleting ends")
	}
	// A POST that does not carry the confirmation deletes nothing.
	f := formTo(t, env, c, path, "/console/citizens/"+an.ID+"/delete")
	if resp, _ := env.Submit(c, f, map[string]string{"confirm_id_number": binh.IDNumber}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unconfirmed delete: %d", resp.StatusCode)
	}
	if _, err := env.App.Store().CitizenByID(context.Background(), an.ID); err != nil {
		t.Fatalf("an unconfirmed delete deleted: %v", err)
	}

	resp, _ := env.Submit(c, formTo(t, env, c, path, "/console/citizens/"+an.ID+"/delete"), nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/citizens" {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if _, body := env.Get(c, "/console/citizens"); !strings.Contains(body, "Đã xóa công dân Nguyễn Văn An") || strings.Contains(body, ">"+an.IDNumber+"<") {
		t.Fatal("the list still shows the deleted citizen, or no confirmation")
	}
	if _, err := s.rp.Refresh(context.Background(), s.tokens.RefreshToken); err == nil {
		t.Fatal("the refresh token still works after the delete")
	}
	if st := env.Phone().Call(http.MethodGet, "/me", s.appToken, nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("app token after the delete: %d, want 401", st)
	}
	if resp, _ := env.Get(s.browser, "/tai-khoan"); resp.StatusCode == http.StatusOK {
		t.Fatal("the portal session survived the delete")
	}
	env.OpenLoginAt(s.browser, "/dang-nhap/vneid") // the IdP session is gone: the login page shows
	if st, _, _ := env.NewDevice().TryLogin(an.IDNumber, app.DemoPassword, ""); st != http.StatusUnauthorized {
		t.Fatalf("app login of the deleted citizen: %d, want 401", st)
	}
	if _, body := env.Get(c, "/console/audit"); !strings.Contains(body, "Xóa công dân") || !strings.Contains(body, "001085012345 Nguyễn Văn An") {
		t.Fatal("the delete is not in the audit log")
	}
}

var cardPassword = regexp.MustCompile(`<dd class="mono login-card-password">([^<]+)</dd>`)

func TestGenerateVisitors(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	for _, tc := range []struct {
		name     string
		set      map[string]string
		cards    int
		demo     bool
		webLogin bool
	}{
		{"Demo", map[string]string{"count": "5"}, 5, true, true},
		{"RandomNoWeb", map[string]string{"count": "2", "random_secrets": "1", "web_login": ""}, 2, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := env.App.Store().CountCitizens(context.Background())
			resp, body := env.Submit(c, formTo(t, env, c, "/console/citizens", "/console/citizens/generate"), tc.set)
			n := len(cardPassword.FindAllStringSubmatch(body, -1))
			if resp.StatusCode != http.StatusOK || n != tc.cards {
				t.Fatalf("status %d, %d cards\n%s", resp.StatusCode, n, body)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatal("the cards page may be cached")
			}
			after, _ := env.App.Store().CountCitizens(context.Background())
			if after-before != n {
				t.Fatalf("%d citizens made, %d cards", after-before, n)
			}
			for _, m := range cardPassword.FindAllStringSubmatch(body, -1) {
				if (m[1] == app.DemoPassword) != tc.demo {
					t.Fatalf("card password %q", m[1])
				}
			}
			if !tc.demo && !strings.Contains(body, "nơi duy nhất hiện các mật khẩu vừa tạo") {
				t.Fatal("random secrets without the one-time notice")
			}
			idNumber := regexp.MustCompile(`login-card-id">(\d{12})<`).FindStringSubmatch(body)[1]
			password := cardPassword.FindStringSubmatch(body)[1]
			cit, _ := env.App.Store().CitizenByIDNumber(context.Background(), idNumber)
			if cit.WebLogin != tc.webLogin || cit.Level != 2 {
				t.Fatalf("visitor %+v", cit)
			}
			if st, _, _ := env.NewDevice().TryLogin(idNumber, password, ""); st != http.StatusOK {
				t.Fatalf("a visitor's app login with the card's password: %d", st)
			}
			if _, guide := env.Get(c, "/console/guide"); strings.Contains(guide, idNumber) {
				t.Fatal("the one-page demo sheet lists the class's visitors")
			}
		})
	}
	for _, count := range []string{"0", "201", "x"} {
		env.Submit(c, formTo(t, env, c, "/console/citizens", "/console/citizens/generate"), map[string]string{"count": count})
		if _, body := env.Get(c, "/console/citizens"); !strings.Contains(body, "Số tài khoản khách phải là một số từ 1 đến 200.") {
			t.Errorf("count %q: no refusal", count)
		}
	}
}

// The cards page without a fresh batch shows only the citizens whose secrets are still the
// demo ones: the server cannot know any other.
func TestCardsOfDemoSecrets(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	act(t, env, c, binh.ID, "password", map[string]string{"password": "Moi@12345"})
	_, body := env.Get(c, "/console/citizens/cards")
	if !strings.Contains(body, an.FullName) || strings.Contains(body, binh.FullName) || strings.Contains(body, "Moi@12345") {
		t.Fatal("the cards are not those of the demo-secret citizens")
	}
	if !strings.Contains(body, "1 công dân khác không có thẻ") || !strings.Contains(body, `src="/console/qr/app.svg"`) {
		t.Fatal("the page does not say who has no card, or the cards have no QR")
	}
}

// upload posts a CSV file to the import form as a browser does (multipart, with the page's
// CSRF token).
func upload(t *testing.T, env *apptest.Env, c *http.Client, name string, content []byte) (*http.Response, string) {
	t.Helper()
	f := formTo(t, env, c, "/console/citizens/import", "/console/citizens/import")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf_token", f.Fields.Get("csrf_token"))
	w, _ := mw.CreateFormFile("file", name)
	w.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, f.Action, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return env.Do(c, req)
}

// classCSV is a file in the import format, with the byte order mark Excel writes.
const classCSV = "\xEF\xBB\xBFso_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,so_dien_thoai,muc,dang_nhap_website,mat_khau,passcode\n" +
	"048192004711,Phạm Thị Thu Hà,1992-08-09,Nữ,0935123456,2,1,Lop-hoc-2026,246813\n" +
	"031203001234,Đỗ Minh Khoa,2003-01-15,Nam,0386000111,2,0,,\n"

func TestImportCitizens(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	// Over the site-wide 64 KB (blank lines are skipped), well within the upload's own limit.
	file := classCSV + strings.Repeat(",,,,,,,,\n", 100<<10/9)
	if _, page := env.Get(c, "/console/citizens/import"); !strings.Contains(page, "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,so_dien_thoai,muc,dang_nhap_website,mat_khau,passcode\n048192004711,Phạm Thị Thu Hà,1992-08-09,") {
		t.Fatalf("the import page does not show the file's header and an example line:\n%s", page)
	}
	resp, body := upload(t, env, c, "lop-hoc.csv", []byte(file))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đã nhập 2 công dân từ tệp lop-hoc.csv") {
		t.Fatalf("import: %d\n%.2000s", resp.StatusCode, body)
	}
	passwords := cardPassword.FindAllStringSubmatch(body, -1)
	if len(passwords) != 2 || passwords[0][1] != "Lop-hoc-2026" || passwords[1][1] != app.DemoPassword {
		t.Fatalf("cards' passwords %v", passwords)
	}
	if st, _, _ := env.NewDevice().TryLogin("048192004711", "Lop-hoc-2026", ""); st != http.StatusOK {
		t.Fatalf("an imported citizen's app login: %d", st)
	}
	if _, body := env.Get(c, "/console/audit"); !strings.Contains(body, "Nhập từ tệp CSV lop-hoc.csv trong trang quản trị") {
		t.Fatal("the import is not in the audit log")
	}
}

// TestImportRefused: a bad file adds nobody and the page lists each problem by line.
func TestImportRefused(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	bad := func(old, new string) []byte { return []byte(strings.Replace(classCSV, old, new, 1)) }
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"ErrHeader", bad("ngay_sinh", "ngaysinh"), `Dòng 1: Cột &#34;ngaysinh&#34; không có trong định dạng`},
		{"ErrID", bad("031203001234", "031203001"), "Dòng 3, cột so_dinh_danh: Số định danh chỉ có 9 chữ số"},
		{"ErrDuplicateInFile", []byte(classCSV + "048192004711,Phạm Thị Hà,1992-08-09,Nữ,0935999999,,,,\n"), "Dòng 4, cột so_dinh_danh: Số định danh 048192004711 trùng với dòng 2."},
		{"ErrDuplicateOfDatabase", []byte(classCSV + "001085012345,Nguyễn Văn An,1985-03-12,Nam,0977000333,,,,\n"), "Dòng 4, cột so_dinh_danh: Số định danh 001085012345 đã có trong hệ thống."},
		{"ErrDate", bad("2003-01-15", "15-01-2003"), "Dòng 3, cột ngay_sinh: Ngày sinh phải có dạng dd/mm/yyyy"},
		{"ErrNotUTF8", bad("Đỗ Minh Khoa", "\xd0\xf5 Minh Khoa"), "Dòng 3: Tệp không phải UTF-8"},
		{"ErrEmpty", nil, "Dòng 1: Tệp trống"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := upload(t, env, c, "lop.csv", tc.content)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Chưa nhập công dân nào từ tệp lop.csv") || !strings.Contains(body, tc.want) {
				t.Fatalf("status %d, want 400 saying %q\n%s", resp.StatusCode, tc.want, body)
			}
		})
	}
	many := "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,so_dien_thoai\n" + strings.Repeat("x,,,,\n", 60)
	if _, body := upload(t, env, c, "many.csv", []byte(many)); !strings.Contains(body, "và 250 lỗi khác") {
		t.Fatal("a file with 300 problems does not list 50 and count the rest")
	}
	if n, _ := env.App.Store().CountCitizens(context.Background()); n != 3 {
		t.Fatalf("%d citizens after refused files, want 3", n)
	}
}

// TestImportBodyLimit: the import takes a body over the site-wide 64 KB (TestImportCitizens),
// up to its own limit, and only from a logged-in operator; every other route keeps 64 KB.
func TestImportBodyLimit(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	resp, body := upload(t, env, c, "big.csv", bytes.Repeat([]byte("a"), citizens.MaxCSVBytes+100<<10))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "Tệp lớn hơn 10 MB") {
		t.Fatalf("an 11 MB upload: %d\n%.500s", resp.StatusCode, body)
	}
	resp, body = upload(t, env, c, "big.csv", bytes.Repeat([]byte("a"), citizens.MaxCSVBytes+1))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Tệp lớn hơn 10 MB") {
		t.Fatalf("a file just over 10 MB: %d\n%.500s", resp.StatusCode, body)
	}

	// Without an operator session a large body is refused before it is read.
	stranger := env.Client()
	f := pageForm(t, env, stranger, "/console/login", "csrf_token")
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/console/citizens/import",
		strings.NewReader("csrf_token="+url.QueryEscape(f.Fields.Get("csrf_token"))+"&x="+strings.Repeat("a", 1<<20)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, _ := env.Do(stranger, req); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a 1 MB body without a console session: %d, want 401", resp.StatusCode)
	}
	// Other console routes keep the site-wide limit, operator or not.
	big := url.Values{"csrf_token": {pageForm(t, env, c, "/console/citizens/new", "csrf_token").Fields.Get("csrf_token")},
		"name": {strings.Repeat("a", 100<<10)}}
	if resp, _ := env.PostForm(c, "/console/citizens/new", big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 100 KB form to another route: %d, want 413", resp.StatusCode)
	}
}

func TestCitizenPostsRequireCSRF(t *testing.T) {
	env := apptest.New(t)
	c := operator(t, env)
	for _, path := range []string{"/console/citizens/new", "/console/citizens/generate", "/console/citizens/import",
		"/console/citizens/" + an.ID + "/edit", "/console/citizens/" + an.ID + "/delete"} {
		t.Run(path, func(t *testing.T) {
			v := url.Values{"count": {"3"}, "confirm_id_number": {an.IDNumber}, "name": {"Nguyễn Văn Ân"}}
			for k, val := range mai {
				v.Set(k, val)
			}
			if resp, _ := env.PostForm(c, path, v); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("without a CSRF token: %d, want 403", resp.StatusCode)
			}
		})
	}
	if n, _ := env.App.Store().CountCitizens(context.Background()); n != 3 {
		t.Fatalf("%d citizens after refused posts", n)
	}
	if cit, _ := env.App.Store().CitizenByID(context.Background(), an.ID); cit.FullName != an.FullName {
		t.Fatal("a refused post changed the citizen")
	}
}

func TestCitizenPagesRequireLogin(t *testing.T) {
	env := apptest.New(t)
	for _, path := range []string{"/console/citizens/new", "/console/citizens/import", "/console/citizens/cards",
		"/console/citizens/" + an.ID + "/edit", "/console/citizens/" + an.ID + "/delete"} {
		if resp, _ := env.Get(env.Client(), path); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
			t.Errorf("%s: %d to %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}
