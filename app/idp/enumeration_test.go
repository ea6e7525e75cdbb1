package idp_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"dvclogin/app/apptest"
	"dvclogin/app/client"
)

// answer is what a password attempt tells its sender.
type answer struct {
	Status     int
	Code, Msg  string
	RetryAfter string
}

// T03: an unknown ID number and a real one with a wrong password answer the same at every
// attempt, before, at and after the lock (5 wrong passwords), on the web form and in the app.
func TestT03_LockDoesNotRevealWhichIDsExist(t *testing.T) {
	const unknown = "001099999999"
	surfaces := map[string]func(env *apptest.Env, id string) answer{
		"Web": func(env *apptest.Env, id string) answer {
			c := env.Client()
			resp, body := env.PasswordStep(c, env.OpenLogin(c, client.NewPKCE(), nil), id, "Khong@dung1")
			return answer{Status: resp.StatusCode, Msg: errorText(body), RetryAfter: resp.Header.Get("Retry-After")}
		},
		"App": func(env *apptest.Env, id string) answer {
			_, err := env.NewDevice().App.Login(context.Background(), id, "Khong@dung1", "")
			var ae *client.APIError
			if !errors.As(err, &ae) {
				env.T.Fatalf("app login with a wrong password: %v", err)
			}
			return answer{Status: ae.Status, Code: ae.Code, Msg: ae.Message, RetryAfter: ae.RetryAfter}
		},
	}
	for name, try := range surfaces {
		t.Run(name, func(t *testing.T) {
			env := apptest.New(t)
			for i := 1; i <= 7; i++ {
				u, k := try(env, unknown), try(env, an)
				if u != k || u.Msg == "" {
					t.Fatalf("attempt %d: unknown ID %+v, known ID %+v", i, u, k)
				}
				want := http.StatusUnauthorized
				if i >= 5 {
					want = http.StatusLocked
				}
				if u.Status != want {
					t.Fatalf("attempt %d: %d, want %d", i, u.Status, want)
				}
				if (i >= 5) != (u.RetryAfter != "") {
					t.Fatalf("attempt %d: Retry-After %q", i, u.RetryAfter)
				}
			}
		})
	}
}
