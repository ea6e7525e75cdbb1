package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// The client against the real application: both seed flows walked as an outside program
// would, and the phone API's refusals as the typed error.

var an = app.DemoCitizens[0] // level 2, web login on

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

func demoRP(t *testing.T, env *apptest.Env) *client.RP {
	t.Helper()
	rp, err := client.NewRP(context.Background(), http.DefaultClient, env.URL+"/idp",
		oauth2.Config{ClientID: client.DemoApp, RedirectURL: client.DemoRedirect, Scopes: []string{"profile"}})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// must returns v, or fails the test on err: must(call())(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// redeem checks the redirect, redeems the code and verifies the ID token names An.
func redeem(t *testing.T, rp *client.RP, a client.Authorization, redirect *client.Page) {
	t.Helper()
	ctx := context.Background()
	code := must(rp.Code(a, redirect.URL))(t)
	tok := must(rp.Exchange(ctx, a, code))(t)
	idt := must(rp.Verify(ctx, tok, a.Nonce))(t)
	var claims struct {
		Username string `json:"preferred_username"`
	}
	if err := idt.Claims(&claims); err != nil || claims.Username != an.IDNumber {
		t.Fatalf("ID token names %q (%v), want %s", claims.Username, err, an.IDNumber)
	}
	if _, err := rp.Verify(ctx, tok, "another-nonce"); err == nil {
		t.Fatal("an ID token with another nonce verified")
	}
	if _, err := rp.Code(client.NewAuthorization(), redirect.URL); err == nil {
		t.Fatal("a redirect with another request's state gave a code")
	}
}

func TestDirectLoginWalk(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	rp := demoRP(t, env)
	phone := client.NewPhone(env.URL, http.DefaultClient, "")
	session := must(phone.Login(ctx, an.IDNumber, app.DemoPassword, ""))(t)
	if phone.Key() == "" || session.Citizen.IDNumber != an.IDNumber || !session.SIM.HeldByThisDevice {
		t.Fatalf("the first login on a new phone: key %q, session %+v", phone.Key(), session)
	}

	b := client.NewBrowser(env.URL, client.NewHTTP(nil))
	a := client.NewAuthorization()
	lp := must(b.OpenLogin(ctx, rp.AuthCodeURL(a)))(t)
	if lp.AuthRequestID == "" || lp.CSRF == "" {
		t.Fatalf("login page %+v", lp)
	}
	p := must(b.PasswordStep(ctx, lp, an.IDNumber, app.DemoPassword))(t)
	codePage := must(b.CodeStep(ctx, p))(t)
	msgs := must(phone.Messages(ctx, session.Token))(t)
	if len(msgs) == 0 || msgs[0].Channel != "sms" {
		t.Fatalf("messages %+v, want the SMS code first", msgs)
	}
	p = must(b.SubmitCode(ctx, codePage, sixDigits.FindString(msgs[0].Body)))(t)
	redeem(t, rp, a, must(b.Follow(ctx, p))(t))
}

func TestQRLoginWalk(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	rp := demoRP(t, env)
	desktop := client.NewBrowser(env.URL, client.NewHTTP(nil))
	a := client.NewAuthorization()
	lp := must(desktop.OpenLogin(ctx, rp.AuthCodeURL(a)))(t)
	l := must(desktop.StartQR(ctx, lp))(t)
	stream := must(desktop.Events(ctx, l.EventsURL))(t)
	defer stream.Close()
	next := func() (string, client.QRStatus) {
		t.Helper()
		select {
		case ev, ok := <-stream.Events:
			var st client.QRStatus
			if !ok || ev.Decode(&st) != nil {
				t.Fatalf("event stream: %+v, open %v", ev, ok)
			}
			return ev.Name, st
		case <-time.After(20 * time.Second):
			t.Fatal("no event within 20 s")
		}
		return "", client.QRStatus{}
	}
	if name, st := next(); name != "waiting" || st.QR != l.QR {
		t.Fatalf("first event %s %+v", name, st)
	}

	phone := client.NewPhone(env.URL, http.DefaultClient, "")
	token := must(phone.Login(ctx, an.IDNumber, app.DemoPassword, ""))(t).Token
	if who := must(phone.Scan(ctx, token, l.QR))(t); who.ID != l.ID || who.ClientName == "" {
		t.Fatalf("the phone is told %+v", who)
	}
	if d := must(phone.Confirm(ctx, token, l.ID, app.DemoPasscode))(t); d.State != "confirmed" || !d.SignedOut {
		t.Fatalf("confirm answered %+v", d)
	}
	name, st := next()
	for name == "scanned" {
		name, st = next()
	}
	if name != "confirmed" || st.Redirect == "" {
		t.Fatalf("event %s %+v, want confirmed with a redirect", name, st)
	}
	// Only the browser that started the login reads it.
	other := client.NewBrowser(env.URL, client.NewHTTP(nil))
	var ue *client.UnexpectedError
	if _, err := other.QRStatus(ctx, l.StatusURL); !errors.As(err, &ue) || ue.Page.Resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another browser's status read: %v, want 404", err)
	}
	if got := must(desktop.QRStatus(ctx, l.StatusURL))(t); got.State != "confirmed" {
		t.Fatalf("status %+v", got)
	}
	redeem(t, rp, a, must(desktop.FinishQR(ctx, st.Redirect))(t))
}

func TestPhoneRefusals(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	refusal := func(err error) *client.APIError {
		t.Helper()
		var ae *client.APIError
		if !errors.As(err, &ae) || !apptest.IsVietnamese(ae.Message) {
			t.Fatalf("want a refusal with a Vietnamese message, got %v", err)
		}
		return ae
	}
	owner := client.NewPhone(env.URL, http.DefaultClient, "")
	token := must(owner.Login(ctx, an.IDNumber, app.DemoPassword, ""))(t).Token

	t.Run("ErrWrongPassword", func(t *testing.T) {
		_, err := client.NewPhone(env.URL, http.DefaultClient, "").Login(ctx, an.IDNumber, "Sai@12345", "")
		if ae := refusal(err); ae.Status != http.StatusUnauthorized || ae.Code != "invalid_credentials" {
			t.Fatalf("wrong password: %+v", ae)
		}
	})
	t.Run("ErrActivationRequired", func(t *testing.T) {
		other := client.NewPhone(env.URL, http.DefaultClient, "")
		_, err := other.Login(ctx, an.IDNumber, app.DemoPassword, "")
		ae := refusal(err)
		var more struct {
			Activation struct {
				PhoneMasked string `json:"phone_masked"`
			} `json:"activation"`
		}
		if ae.Status != http.StatusForbidden || ae.Code != "activation_required" ||
			json.Unmarshal(ae.Body, &more) != nil || more.Activation.PhoneMasked == "" || other.Key() == "" {
			t.Fatalf("login on a phone without the SIM: %+v %s, key %q", ae, ae.Body, other.Key())
		}
		if owner.Key() == other.Key() {
			t.Fatal("two phones share a device key")
		}
	})
	t.Run("ErrTokenOnAnotherPhone", func(t *testing.T) {
		_, err := client.NewPhone(env.URL, http.DefaultClient, "other-key").Messages(ctx, token)
		if ae := refusal(err); ae.Status != http.StatusUnauthorized || ae.Code != "unauthorized" {
			t.Fatalf("the owner's token with another key: %+v", ae)
		}
	})
	t.Run("ErrLockedSaysWhenToComeBack", func(t *testing.T) {
		thief := client.NewPhone(env.URL, http.DefaultClient, "")
		var err error
		for range 5 {
			_, err = thief.Login(ctx, an.IDNumber, "Sai@12345", "")
		}
		if ae := refusal(err); ae.Status != http.StatusLocked || ae.Code != "account_locked" || ae.RetryAfter == "" {
			t.Fatalf("5th wrong password: %+v", ae)
		}
	})
	t.Run("ErrNotTheAPIsShape", func(t *testing.T) {
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "bad gateway", http.StatusBadGateway)
		}))
		defer proxy.Close()
		_, err := client.NewPhone(proxy.URL, http.DefaultClient, "").Messages(ctx, token)
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusBadGateway || ae.Code != "" || !strings.Contains(string(ae.Body), "bad gateway") {
			t.Fatalf("a proxy's error page: %v", err)
		}
	})
}

// A GET form is submitted as its query, as a browser does: the portal's search without script.
func TestSubmitGETForm(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	b := client.NewBrowser(env.URL, client.NewHTTP(nil))
	home := must(b.Get(ctx, "/"))(t)
	search, ok := client.ParseForms(home.URL.String(), home.Body).With("q")
	if !ok || search.Method != http.MethodGet {
		t.Fatalf("the home page has no search form: %+v", search)
	}
	p := must(b.Submit(ctx, search, map[string]string{"q": "khai sinh"}))(t)
	if p.Resp.StatusCode != http.StatusOK || p.URL.Query().Get("q") != "khai sinh" || !strings.Contains(p.Body, "Đăng ký khai sinh") {
		t.Fatalf("search: %d at %s", p.Resp.StatusCode, p.URL)
	}
}
