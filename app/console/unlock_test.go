package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// codeLogin is a direct login of An that reached the code step.
type codeLogin struct {
	c        *http.Client
	at, page string
}

func startCodeLogin(t *testing.T, env *apptest.Env) codeLogin {
	t.Helper()
	c := env.Client()
	resp, body := env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), an.IDNumber, app.DemoPassword)
	at, page := env.CodeStep(c, resp, body)
	return codeLogin{c, at, page}
}

func notCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

// A lock caused by wrong codes says so (on the code step and in the citizen's notice), and the
// operator's unlock clears the hour of wrong codes as well as the lock: the next wrong code is
// an ordinary one, not a new lock.
func TestUnlockClearsWrongCodes(t *testing.T) {
	env := apptest.New(t)
	token := env.AppLogin(an.IDNumber, app.DemoPassword)
	logins := []codeLogin{startCodeLogin(t, env), startCodeLogin(t, env), startCodeLogin(t, env)}
	code := env.LatestCode(token)
	var resp *http.Response
	var body string
	for i := 0; i < 10; i++ {
		l := logins[i/4]
		resp, body = env.SubmitCode(l.c, l.at, l.page, notCode(code))
	}
	if resp.StatusCode != http.StatusLocked || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "do nhập sai mã xác nhận quá nhiều lần") {
		t.Fatalf("10th wrong code: %d (Retry-After %q), want 423 naming the wrong codes:\n%s", resp.StatusCode,
			resp.Header.Get("Retry-After"), body)
	}
	msgs, err := env.App.Store().MessagesFor(context.Background(), an.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Channel != "sms" && !strings.Contains(msgs[0].Body, "nhập sai mã xác nhận") ||
		msgs[0].Channel == "sms" && !strings.Contains(msgs[0].Body, "nhap sai ma xac nhan") {
		t.Fatalf("lock notice %q does not name the wrong codes", msgs[0].Body)
	}
	c := operator(t, env)
	act(t, env, c, an.ID, "unlock", nil)

	l := startCodeLogin(t, env)
	resp, _ = env.SubmitCode(l.c, l.at, l.page, notCode(env.LatestCode(token)))
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("first wrong code after the unlock: %d, want 401 (an ordinary wrong code)", resp.StatusCode)
	}
	resp, _ = env.SubmitCode(l.c, l.at, l.page, env.LatestCode(token))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("right code after the unlock: %d", resp.StatusCode)
	}
}
