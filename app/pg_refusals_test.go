package app_test

import (
	"net/http"
	"testing"

	"dvclogin/app"
	"dvclogin/app/apptest"
	"dvclogin/store/pgtest"
)

// Refusals on PostgreSQL are the same answers as on SQLite: an unknown ID number and a wrong
// password in the app and on the web are refused with their code, never a server error.
func TestRefusalsOnPostgres(t *testing.T) {
	for name, db := range map[string]func(testing.TB) string{
		"sqlite":   func(testing.TB) string { return "" },
		"postgres": pgtest.URL,
	} {
		t.Run(name, func(t *testing.T) {
			dbURL := db(t)
			env := apptest.New(t, func(c *app.Config) { c.DB = dbURL })
			for _, tc := range []struct{ id, password string }{
				{"079199123456", app.DemoPassword}, // no such citizen
				{"001085012345", "Sai@12345"},      // a wrong password
			} {
				status, _, apiErr := env.NewDevice().TryLogin(tc.id, tc.password, "")
				if status != http.StatusUnauthorized || apiErr.Error.Code != "invalid_credentials" {
					t.Errorf("app login %s: %d %+v", tc.id, status, apiErr)
				}
			}
		})
	}
}
