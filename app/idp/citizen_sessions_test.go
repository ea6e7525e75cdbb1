package idp_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
	"dvclogin/store"
)

// sessionList is the answer of GET /sessions.
type sessionList struct {
	WebSessions []struct {
		ID         string    `json:"id"`
		Browser    string    `json:"browser"`
		IP         string    `json:"ip"`
		StartedAt  time.Time `json:"started_at"`
		LastUsedAt time.Time `json:"last_used_at"`
	} `json:"web_sessions"`
	Services []struct {
		ID         string    `json:"id"`
		ClientID   string    `json:"client_id"`
		ClientName string    `json:"client_name"`
		GrantedAt  time.Time `json:"granted_at"`
		Browser    string    `json:"browser"`
		IP         string    `json:"ip"`
	} `json:"services"`
}

// sessionsRig is a citizen logged in to the demo app (with a refresh token) in one browser,
// and signed in to the VNeID app.
type sessionsRig struct {
	env   *apptest.Env
	rp    *rp
	c     *http.Client
	tok   *oauth2.Token
	token string // the app session
}

func newSessionsRig(t *testing.T) *sessionsRig {
	t.Helper()
	env := apptest.New(t)
	s := &sessionsRig{env: env, rp: newDemoRP(t, env, "profile", oidc.ScopeOfflineAccess)}
	s.c, s.tok = s.webLogin(t)
	s.token = env.AppLogin(oidcCitizenIDNumber, app.DemoPassword)
	return s
}

// webLogin logs the citizen in to the demo app in a new browser, with a refresh token.
func (s *sessionsRig) webLogin(t *testing.T) (*http.Client, *oauth2.Token) {
	t.Helper()
	c := s.env.Client()
	tok, err := s.rp.exchange(s.rp.login(t, c))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v (refresh token %q)", err, tok.RefreshToken)
	}
	return c, tok
}

func (s *sessionsRig) list(t *testing.T, token string) sessionList {
	t.Helper()
	var out sessionList
	if st := s.env.Phone().Call(http.MethodGet, "/sessions", token, nil, &out); st != http.StatusOK {
		t.Fatalf("GET /sessions: %d", st)
	}
	return out
}

func (s *sessionsRig) end(t *testing.T, token, id string) (int, apptest.APIError) {
	t.Helper()
	var e apptest.APIError
	st := s.env.Phone().Call(http.MethodDelete, "/sessions/"+url.PathEscape(id), token, nil, &e)
	return st, e
}

// ssoWorks reports whether a new authorization request in browser c goes straight back to the
// client (the browser's IdP session logs it in) rather than to the login page.
func (s *sessionsRig) ssoWorks(t *testing.T, c *http.Client) bool {
	t.Helper()
	start := s.rp.AuthCodeURL(client.NewAuthorization())
	resp, body := s.env.Get(c, start)
	h, to, _ := follow(t, s.env, c, hop{resp, body, start}, s.rp.OAuth.RedirectURL)
	if to != nil {
		return to.Query().Get("code") != ""
	}
	if !strings.Contains(h.at, "/idp/login") {
		t.Fatalf("authorize ended at %s, neither the client nor the login page", h.at)
	}
	return false
}

func (s *sessionsRig) refresh(tok *oauth2.Token) error {
	_, err := s.rp.Refresh(context.Background(), tok.RefreshToken)
	return err
}

// auditedActions lists the audit trail's actions, newest first.
func auditedActions(t *testing.T, env *apptest.Env) []string {
	t.Helper()
	events, err := env.App.Store().ListAudit(t.Context(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.Action)
	}
	return out
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// Ending a web session from the app ends that browser's IdP session: its next authorization
// request asks for a login. The service's grant is another thing and keeps working. The list
// never shows the session's cookie or its digest.
func TestEndWebSessionFromTheApp(t *testing.T) {
	s := newSessionsRig(t)
	l := s.list(t, s.token)
	if len(l.WebSessions) != 1 || len(l.Services) != 1 {
		t.Fatalf("list: %+v, want one web session and one service", l)
	}
	w := l.WebSessions[0]
	if w.IP == "" || w.Browser == "" || w.StartedAt.IsZero() || w.LastUsedAt.Before(w.StartedAt) {
		t.Fatalf("web session %+v lacks its address, browser or times", w)
	}
	if g := l.Services[0]; g.ClientID != client.DemoApp || g.ClientName == "" || g.GrantedAt.IsZero() || g.IP == "" {
		t.Fatalf("service %+v", g)
	}
	u, _ := url.Parse(s.env.URL + "/idp/")
	for _, ck := range s.c.Jar.Cookies(u) {
		if ck.Name != "dvc_idp" {
			continue
		}
		for _, secret := range []string{ck.Value, store.Digest(ck.Value)} {
			if strings.Contains(w.ID, secret) || strings.Contains(l.Services[0].ID, secret) {
				t.Fatal("a list id carries the session cookie or its digest")
			}
		}
	}
	if strings.Contains(l.Services[0].ID, s.tok.RefreshToken) || strings.Contains(l.Services[0].ID, store.Digest(s.tok.RefreshToken)) {
		t.Fatal("a list id carries the refresh token or its digest")
	}
	if !s.ssoWorks(t, s.c) {
		t.Fatal("before ending it, the browser's IdP session did not log in")
	}

	if st, e := s.end(t, s.token, w.ID); st != http.StatusNoContent {
		t.Fatalf("DELETE /sessions/{id}: %d %+v", st, e)
	}
	if s.ssoWorks(t, s.c) {
		t.Fatal("the ended web session still logs the browser in")
	}
	if err := s.refresh(s.tok); err != nil {
		t.Fatalf("the service's grant ended with the web session: %v", err)
	}
	// The refresh rotated the token: the service keeps the login's address and its grant time.
	if after := s.list(t, s.token); len(after.WebSessions) != 0 || len(after.Services) != 1 || after.Services[0].IP == "" ||
		!after.Services[0].GrantedAt.Equal(l.Services[0].GrantedAt) || after.Services[0].ID != l.Services[0].ID {
		t.Fatalf("after ending and a refresh: %+v, before %+v", after, l)
	}
	if st, e := s.end(t, s.token, w.ID); st != http.StatusNotFound || e.Error.Code != "not_found" {
		t.Fatalf("ending it again: %d %+v, want 404 not_found", st, e)
	}
	if !contains(auditedActions(t, s.env), "web_session_ended") {
		t.Fatal("no web_session_ended audit event")
	}
}

// Revoking a service from the app makes its next refresh fail with invalid_grant and its
// access token stop working; the browser's IdP session stays.
func TestRevokeServiceFromTheApp(t *testing.T) {
	s := newSessionsRig(t)
	l := s.list(t, s.token)
	if len(l.Services) != 1 {
		t.Fatalf("services: %+v", l.Services)
	}
	if st, e := s.end(t, s.token, l.Services[0].ID); st != http.StatusNoContent {
		t.Fatalf("DELETE /sessions/{id}: %d %+v", st, e)
	}
	wantInvalidGrant(t, "refresh after the revocation", s.refresh(s.tok))
	if st, _ := userinfoStatus(t, s.env, s.tok.AccessToken); st == http.StatusOK {
		t.Fatal("the revoked grant's access token still works")
	}
	if !s.ssoWorks(t, s.c) {
		t.Fatal("revoking a service ended the browser's IdP session")
	}
	if !contains(auditedActions(t, s.env), "service_grant_revoked") {
		t.Fatal("no service_grant_revoked audit event")
	}
}

// "Đăng xuất tất cả" ends every browser's IdP session and revokes every service; the app
// stays signed in.
func TestEndAllSessionsFromTheApp(t *testing.T) {
	s := newSessionsRig(t)
	c2, tok2 := s.webLogin(t)
	s.token = s.env.AppLogin(oidcCitizenIDNumber, app.DemoPassword) // the web login signed the app in again
	if l := s.list(t, s.token); len(l.WebSessions) != 2 || len(l.Services) != 2 {
		t.Fatalf("list: %+v, want two of each", l)
	}
	var res struct {
		WebSessions int `json:"web_sessions_ended"`
		Services    int `json:"services_revoked"`
	}
	if st := s.env.Phone().Call(http.MethodPost, "/sessions/end-all", s.token, nil, &res); st != http.StatusOK {
		t.Fatalf("end-all: %d", st)
	}
	if res.WebSessions != 2 || res.Services != 2 {
		t.Fatalf("end-all: %+v", res)
	}
	for i, c := range []*http.Client{s.c, c2} {
		if s.ssoWorks(t, c) {
			t.Fatalf("browser %d is still logged in", i+1)
		}
	}
	wantInvalidGrant(t, "first service", s.refresh(s.tok))
	wantInvalidGrant(t, "second service", s.refresh(tok2))
	if l := s.list(t, s.token); len(l.WebSessions) != 0 || len(l.Services) != 0 {
		t.Fatalf("after end-all: %+v", l)
	}
	if st := s.env.Phone().Call(http.MethodGet, "/me", s.token, nil, nil); st != http.StatusOK {
		t.Fatalf("the app session ended with the web sessions: %d", st)
	}
	if !contains(auditedActions(t, s.env), "all_sessions_ended") {
		t.Fatal("no all_sessions_ended audit event")
	}
}

// One citizen can neither see nor end another's sessions: the other's ids are unknown (404),
// and "Đăng xuất tất cả" ends only one's own.
func TestAnotherCitizensSessionIsNotFound(t *testing.T) {
	s := newSessionsRig(t)
	an := s.list(t, s.token)
	binh := s.env.NewDevice()
	binhToken := binh.Login(qrBinh, app.DemoPassword)
	var mine sessionList
	if st := binh.Call(http.MethodGet, "/sessions", binhToken, nil, &mine); st != http.StatusOK || len(mine.WebSessions)+len(mine.Services) != 0 {
		t.Fatalf("Bình's list: %d %+v", st, mine)
	}
	for _, id := range []string{an.WebSessions[0].ID, an.Services[0].ID, "wAAAA", "nothing"} {
		var e apptest.APIError
		if st := binh.Call(http.MethodDelete, "/sessions/"+url.PathEscape(id), binhToken, nil, &e); st != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Fatalf("Bình ends %q: %d %+v, want 404 not_found", id, st, e)
		}
	}
	if st := binh.Call(http.MethodPost, "/sessions/end-all", binhToken, nil, nil); st != http.StatusOK {
		t.Fatalf("Bình's end-all: %d", st)
	}
	if !s.ssoWorks(t, s.c) {
		t.Fatal("another citizen ended An's web session")
	}
	if err := s.refresh(s.tok); err != nil {
		t.Fatalf("another citizen revoked An's service: %v", err)
	}
	if st := s.env.Phone().Call(http.MethodGet, "/sessions", "", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("GET /sessions without a token: %d", st)
	}
}

type loginList struct {
	Logins []struct {
		Method     string    `json:"method"`
		MethodName string    `json:"method_name"`
		Service    string    `json:"service"`
		Browser    string    `json:"browser"`
		IP         string    `json:"ip"`
		At         time.Time `json:"at"`
	} `json:"logins"`
}

func logins(t *testing.T, env *apptest.Env, token string) loginList {
	t.Helper()
	var out loginList
	if st := env.Phone().Call(http.MethodGet, "/logins", token, nil, &out); st != http.StatusOK {
		t.Fatalf("GET /logins: %d", st)
	}
	return out
}

// The login history lists the latest 20 logins, newest first, each with how, where and to
// which service.
func TestLoginHistory(t *testing.T) {
	s := newSessionsRig(t)
	h := logins(t, s.env, s.token)
	// the newest first: the app login of the rig, the direct login (password + SMS code), the
	// app login that read the code
	if len(h.Logins) != 3 {
		t.Fatalf("history: %+v", h.Logins)
	}
	for i, want := range []struct{ method, service string }{
		{"app", "Ứng dụng VNeID"}, {"password_sms", "Ứng dụng demo (máy nhà phát triển)"}, {"app", "Ứng dụng VNeID"},
	} {
		got := h.Logins[i]
		if got.Method != want.method || got.Service != want.service || got.MethodName == "" || got.IP == "" || got.Browser == "" {
			t.Fatalf("login %d: %+v, want %+v", i, got, want)
		}
	}
	for range 22 {
		s.env.Clock.Advance(time.Second)
		if !s.ssoWorks(t, s.c) {
			t.Fatal("single sign-on did not log in")
		}
	}
	// A QR login last: the app login on the phone, then the QR login in a new browser.
	s.env.Clock.Advance(time.Second)
	d := openQRDesktop(t, s.env)
	q := d.start()
	ph := qrAppLogin(t, s.env, oidcCitizenIDNumber)
	req := ph.mustScan(q.QR)
	if code, e := ph.confirm(req.ID, app.DemoPasscode); code != http.StatusOK {
		t.Fatalf("confirm: %d %+v", code, e)
	}
	d.finish(d.mustState("confirmed").Redirect)

	h = logins(t, s.env, s.env.AppLogin(oidcCitizenIDNumber, app.DemoPassword))
	if len(h.Logins) != 20 {
		t.Fatalf("%d logins listed, want the latest 20", len(h.Logins))
	}
	want := []string{"app", "qr", "app"}
	for range 17 {
		want = append(want, "sso")
	}
	for i, l := range h.Logins {
		if l.Method != want[i] {
			t.Fatalf("login %d is %q, want %q (%+v)", i, l.Method, want[i], h.Logins)
		}
		if i > 0 && l.At.After(h.Logins[i-1].At) {
			t.Fatalf("login %d is newer than login %d", i, i-1)
		}
	}
	if h.Logins[1].Service != "Ứng dụng demo (máy nhà phát triển)" || h.Logins[1].MethodName != "Quét mã QR bằng ứng dụng VNeID" {
		t.Fatalf("the QR login: %+v", h.Logins[1])
	}
}

// accountAPI calls the portal's view of the sessions with a bearer token.
func accountAPI(t *testing.T, env *apptest.Env, method, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, env.URL+"/idp/account/sessions"+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, body := env.Do(http.DefaultClient, req)
	return resp.StatusCode, body
}

// The account API answers the portal's access tokens only, for their own citizen: another
// service's token is refused, as are none and a forged one; a revoked token stops working.
func TestAccountAPIOnlyForThePortal(t *testing.T) {
	s := newSessionsRig(t)
	portal := newRP(t, s.env, "dvc-portal", portalSecret(t, s.env), s.env.URL+"/sso", "profile")
	l := login{Authorization: client.NewAuthorization()}
	to, _ := loginDirect(t, s.env, s.c, portal.AuthCodeURL(l.Authorization), portal.OAuth.RedirectURL, oidcCitizenIDNumber)
	code, err := portal.Code(l.Authorization, to)
	if err != nil {
		t.Fatal(err)
	}
	ptok, err := portal.Exchange(context.Background(), l.Authorization, code)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, token string
		status      int
	}{
		{"ErrNoToken", "", http.StatusUnauthorized},
		{"ErrForgedToken", "forged", http.StatusUnauthorized},
		{"ErrAnotherService", s.tok.AccessToken, http.StatusForbidden},
		{"OK", ptok.AccessToken, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := accountAPI(t, s.env, http.MethodGet, "", tc.token)
			if st != tc.status {
				t.Fatalf("status %d, want %d: %s", st, tc.status, body)
			}
			if st == http.StatusOK && (!strings.Contains(body, `"web_sessions":[{`) || !strings.Contains(body, client.DemoApp)) {
				t.Fatalf("list %s", body)
			}
		})
	}
	// The demo app's token cannot end anything either.
	if st, _ := accountAPI(t, s.env, http.MethodPost, "/end-all", s.tok.AccessToken); st != http.StatusForbidden {
		t.Fatalf("end-all with another service's token: %d", st)
	}
	if st, _ := accountAPI(t, s.env, http.MethodDelete, "/nothing", ptok.AccessToken); st != http.StatusNotFound {
		t.Fatalf("ending an unknown id: %d", st)
	}
	if st, _ := accountAPI(t, s.env, http.MethodPost, "/end-all", ptok.AccessToken); st != http.StatusOK {
		t.Fatalf("end-all: %d", st)
	}
	if err := s.refresh(s.tok); err == nil {
		t.Fatal("the portal's end-all left the demo app's grant")
	}
}

// A counter's login (device code confirmed in the app) is in the history with the counter's
// address, and its grant is listed with it; revoking the grant stops the counter's refresh.
func TestCounterLoginInHistoryAndSessions(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	cfg := kioskConfig(env)
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	phone := env.Phone()
	token := phone.Login(oidcCitizenIDNumber, app.DemoPassword)
	if _, err := phone.App.ConfirmDevice(ctx, token, da.UserCode, app.DemoPasscode); err != nil {
		t.Fatal(err)
	}
	da.Interval = 1
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("device tokens: %v", err)
	}
	h := logins(t, env, token)
	if len(h.Logins) == 0 || h.Logins[0].Method != "device" || h.Logins[0].Service != "Quầy tiếp nhận một cửa" || h.Logins[0].IP != "127.0.0.1" {
		t.Fatalf("history %+v: want the counter's login first", h.Logins)
	}
	var l sessionList
	if st := phone.Call(http.MethodGet, "/sessions", token, nil, &l); st != http.StatusOK || len(l.Services) != 1 || l.Services[0].IP != "127.0.0.1" {
		t.Fatalf("sessions %d %+v: want the counter's grant with its address", st, l)
	}
	if st := phone.Call(http.MethodDelete, "/sessions/"+url.PathEscape(l.Services[0].ID), token, nil, nil); st != http.StatusNoContent {
		t.Fatalf("revoke: %d", st)
	}
	_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	wantInvalidGrant(t, "the counter's refresh after the revocation", err)
}
