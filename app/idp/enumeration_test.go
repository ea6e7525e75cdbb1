package idp_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"dvclogin/app/apptest"
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
			resp, body := env.PasswordStep(c, env.OpenLogin(c, apptest.NewPKCE(), nil), id, "Khong@dung1")
			return answer{Status: resp.StatusCode, Msg: errorText(body), RetryAfter: resp.Header.Get("Retry-After")}
		},
		"App": func(env *apptest.Env, id string) answer {
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/mobile/v1/login",
				strings.NewReader(`{"id_number":"`+id+`","password":"Khong@dung1"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, body := env.Do(http.DefaultClient, req)
			var out qrAPIError
			json.Unmarshal([]byte(body), &out)
			return answer{Status: resp.StatusCode, Code: out.Error.Code, Msg: out.Error.Message, RetryAfter: resp.Header.Get("Retry-After")}
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
