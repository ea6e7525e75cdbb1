package oidcop_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"dvclogin/app/apptest"
)

// Requests anyone can send without credentials, each once probed against a running server.
// None may answer 5xx or show internal detail: the token and introspection endpoints answer
// OAuth error JSON, end_session an error page. The cases marked 500 answered 500 before the
// provider's own checks ran first.
func TestUnauthenticatedOIDCRequestsAreRefusedWith4xx(t *testing.T) {
	env := apptest.New(t)
	const form = "application/x-www-form-urlencoded"
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	assertion := "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer" +
		"&client_assertion=eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJkdmMtcG9ydGFsIn0.abc"
	tests := []struct {
		name, method, path, auth, body string
		status                         int
		oauthErr                       string // the OAuth "error"; "" for an error page
	}{
		// Token endpoint, authorization_code grant.
		{"CodeUnknownClientPost", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&code=x&client_id=nope&client_secret=s", 401, "invalid_client"},
		{"CodeUnknownClientBasic", "POST", "/idp/oauth/token", basic("nope:s"), "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"CodeUnknownPublicClient", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&code=x&client_id=nope&code_verifier=abc", 401, "invalid_client"},
		{"CodeNoClient", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"CodeClientSecretJWT", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&code=x" + assertion, 401, "invalid_client"},
		{"CodePublicClientSendsSecretPost", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&code=x&client_id=demo-app&client_secret=s", 401, "invalid_client"},
		{"CodePublicClientSendsSecretBasic", "POST", "/idp/oauth/token", basic("demo-app:s"), "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"CodeBasicBadBase64", "POST", "/idp/oauth/token", "Basic !!!notbase64", "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"CodeBasicNoColon", "POST", "/idp/oauth/token", basic("abc"), "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"CodeBasicBadEscape", "POST", "/idp/oauth/token", basic("%zz:%zz"), "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"CodeBasicEmpty", "POST", "/idp/oauth/token", "Basic ", "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"CodeBearerHeader", "POST", "/idp/oauth/token", "Bearer x", "grant_type=authorization_code&code=x", 401, "invalid_client"},
		{"CodeBasicAndPostSecret", "POST", "/idp/oauth/token", basic("dvc-portal:a"), "grant_type=authorization_code&code=x&client_secret=b", 400, "invalid_request"},
		{"CodeRepeatedGrant", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&grant_type=refresh_token&code=x&client_id=demo-app", 400, "invalid_request"},
		{"CodeRepeatedClient", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&code=x&client_id=demo-app&client_id=dvc-portal", 400, "invalid_request"},
		{"CodeInvalidUTF8", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&code=%ff%fe&client_id=demo-app", 400, "invalid_request"},
		{"CodeBadEscape", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&code=%zz", 400, "invalid_request"},
		{"CodeMissing", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&client_id=demo-app", 400, "invalid_request"},
		{"CodeHugeParam", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&client_id=demo-app&code=" + strings.Repeat("a", 60000), 400, "invalid_grant"},
		{"CodeBodyTooLarge", "POST", "/idp/oauth/token", "", "grant_type=authorization_code&code=" + strings.Repeat("a", 70000), 413, "invalid_request"},
		// Token endpoint, refresh_token grant: these were 500.
		{"RefreshUnknownClient500", "POST", "/idp/oauth/token", "", "grant_type=refresh_token&refresh_token=x&client_id=nope", 401, "invalid_client"},
		{"RefreshNoClient500", "POST", "/idp/oauth/token", "", "grant_type=refresh_token&refresh_token=x", 401, "invalid_client"},
		{"RefreshClientAssertion500", "POST", "/idp/oauth/token", "", "grant_type=refresh_token&refresh_token=x" + assertion, 401, "invalid_client"},
		{"RefreshBasicBadBase64500", "POST", "/idp/oauth/token", "Basic !!!", "grant_type=refresh_token&refresh_token=x", 401, "invalid_client"},
		{"RefreshUnknownClientBasic500", "POST", "/idp/oauth/token", basic("nope:x"), "grant_type=refresh_token&refresh_token=x", 401, "invalid_client"},
		{"RefreshInvalidUTF8Client500", "POST", "/idp/oauth/token", "", "grant_type=refresh_token&refresh_token=x&client_id=%ff", 400, "invalid_request"},
		{"RefreshMissing", "POST", "/idp/oauth/token", "", "grant_type=refresh_token&client_id=demo-app", 400, "invalid_request"},
		// Introspection: the library wrote its Go error text into the body.
		{"IntrospectNoClient", "POST", "/idp/oauth/introspect", "", "token=x", 401, "invalid_client"},
		{"IntrospectUnknownClient", "POST", "/idp/oauth/introspect", basic("nope:x"), "token=x", 401, "invalid_client"},
		{"IntrospectBadBase64", "POST", "/idp/oauth/introspect", "Basic !!!", "token=x", 401, "invalid_client"},
		{"IntrospectPublicClient", "POST", "/idp/oauth/introspect", "", "token=x&client_id=demo-app", 401, "invalid_client"},
		// end_session: an error page.
		{"EndSessionUnknownClient500", "GET", "/idp/end_session?client_id=nope", "", "", 400, ""},
		{"EndSessionUnknownClientWithRedirect500", "GET", "/idp/end_session?client_id=nope&post_logout_redirect_uri=" + "http%3A%2F%2F127.0.0.1%2F", "", "", 400, ""},
		{"EndSessionInvalidUTF8Client500", "GET", "/idp/end_session?client_id=%ff%fe", "", "", 400, ""},
		{"EndSessionPostUnknownClient500", "POST", "/idp/end_session", "", "client_id=nope", 400, ""},
		{"EndSessionBadEscape", "GET", "/idp/end_session?client_id=%zz", "", "", 400, ""},
		{"EndSessionRepeated", "GET", "/idp/end_session?client_id=demo-app&client_id=dvc-portal", "", "", 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, env.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", form)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, body := env.Do(env.Client(), req)
			if resp.StatusCode != tc.status {
				t.Fatalf("%d, want %d\n%.300s", resp.StatusCode, tc.status, body)
			}
			for _, leak := range []string{"ErrorType", "Parent=", "server_error", "unknown client", "goroutine", "sql"} {
				if strings.Contains(body, leak) {
					t.Fatalf("body shows internal detail %q:\n%.300s", leak, body)
				}
			}
			ct := resp.Header.Get("Content-Type")
			if tc.oauthErr == "" {
				if !strings.HasPrefix(ct, "text/html") {
					t.Fatalf("Content-Type %q, want an HTML error page", ct)
				}
				return
			}
			var e map[string]any
			if !strings.HasPrefix(ct, "application/json") || json.Unmarshal([]byte(body), &e) != nil || e["error"] != tc.oauthErr {
				t.Fatalf("%s %.300s, want OAuth error %q", ct, body, tc.oauthErr)
			}
		})
	}
}
