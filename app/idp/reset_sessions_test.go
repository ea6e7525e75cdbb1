package idp_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// consoleAction logs in to the console and submits one of its actions on a citizen.
func consoleAction(t *testing.T, env *apptest.Env, citizenID, action string, set map[string]string) {
	t.Helper()
	c := env.Client()
	_, body := env.Get(c, "/console/login")
	resp, _ := env.Submit(c, apptest.FormWith(t, env.URL+"/console/login", body, "password"),
		map[string]string{"password": env.Config.AdminPassword})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console login: %d", resp.StatusCode)
	}
	_, body = env.Get(c, "/console/citizens")
	want := env.URL + "/console/citizens/" + citizenID + "/" + action
	for _, f := range client.ParseForms(env.URL+"/console/citizens", body) {
		if f.Action == want {
			if resp, _ := env.Submit(c, f, set); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d", action, resp.StatusCode)
			}
			return
		}
	}
	t.Fatalf("no console form posting to %s", want)
}

// An operator's reset of a citizen's password or passcode signs the citizen out everywhere:
// the refresh token is refused at the token endpoint, the access token at userinfo, the app
// token gets 401, and the browser's IdP session no longer logs in by itself.
func TestOperatorResetEndsSessionsAndTokens(t *testing.T) {
	for _, tc := range []struct {
		name, action string
		set          map[string]string
	}{
		{"Password", "password", map[string]string{"password": "Moi@12345"}},
		{"Passcode", "passcode", map[string]string{"passcode": "246810"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t)
			r := newDemoRP(t, env, "profile", oidc.ScopeOfflineAccess)
			browser := env.Client()
			tok, err := r.exchange(r.login(t, browser))
			if err != nil || tok.RefreshToken == "" {
				t.Fatalf("exchange: %v (refresh token %q)", err, tok.RefreshToken)
			}
			token := env.AppLogin(an, app.DemoPassword)

			consoleAction(t, env, oidcCitizenSub, tc.action, tc.set)

			_, err = r.Refresh(context.Background(), tok.RefreshToken)
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
				t.Fatalf("refresh after the reset: %v, want invalid_grant", err)
			}
			if st, _ := userinfoStatus(t, env, tok.AccessToken); st == http.StatusOK {
				t.Fatal("the access token still works after the reset")
			}
			if st := env.Phone().Call(http.MethodGet, "/me", token, nil, nil); st != http.StatusUnauthorized {
				t.Fatalf("app token after the reset: %d, want 401", st)
			}
			// OpenLogin fails the test unless the browser is shown the login page again.
			env.OpenLogin(browser, client.NewPKCE(), nil)
		})
	}
}
