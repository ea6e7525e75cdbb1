package oidcop

import (
	"testing"

	"dvclogin/app/web"
)

// Every built-in client's id is reserved, so the registration rules refuse it: a registered
// client under a built-in id would never be used, and its operator would not know why.
func TestBuiltinClientIDsAreReserved(t *testing.T) {
	for id := range newClients(func(p string) string { return "http://127.0.0.1" + p }, "secret") {
		if !web.IsBuiltinClient(id) {
			t.Errorf("built-in client %q is not reserved in web.IsBuiltinClient", id)
		}
	}
}
