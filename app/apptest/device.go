package apptest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"

	"dvclogin/app/client"
)

// Device is one simulated phone: client.Phone against the app (App), whose calls carry its
// device key in X-Device-Key as a native app's would, and which fails the test where a
// program would get an error. It has no key until the server gives one (its first successful
// login or SIM claim).
type Device struct {
	env *Env
	App *client.Phone
}

// phoneSlot holds the test's default phone once it is made.
type phoneSlot struct {
	mu sync.Mutex
	d  *Device
}

// Phone returns the test's default phone, the one AppLogin uses.
func (e *Env) Phone() *Device {
	e.phone.mu.Lock()
	defer e.phone.mu.Unlock()
	if e.phone.d == nil {
		e.phone.d = e.NewDevice()
	}
	return e.phone.d
}

// NewDevice returns another phone, one the server has never seen.
func (e *Env) NewDevice() *Device {
	return &Device{env: e, App: client.NewPhone(e.URL, http.DefaultClient, "")}
}

// Key returns the device key ("" before the server gave one).
func (d *Device) Key() string { return d.App.Key() }

// APIError is the phone API's error answer as it is sent, for decoding it with the rest of
// an answer.
type APIError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Refusal is what a test checks of a phone API call's outcome: its status (200 when err is
// nil) and its error answer. Any other failure fails t.
func Refusal(t testing.TB, err error) (int, APIError) {
	t.Helper()
	var e APIError
	var ae *client.APIError
	switch {
	case err == nil:
		return http.StatusOK, e
	case !errors.As(err, &ae):
		t.Fatal(err)
	}
	e.Error.Code, e.Error.Message = ae.Code, ae.Message
	return ae.Status, e
}

// Call sends one phone API call (path below /api/mobile/v1) from this device, with the bearer
// token if not empty, decodes the answer into out (if not nil), whatever its status, and
// returns the status.
func (d *Device) Call(method, path, token string, in, out any) int {
	t := d.env.T
	t.Helper()
	resp, raw, err := d.App.Do(context.Background(), method, path, token, in)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// TryLogin sends an app login from this device (activationCode may be empty) and returns the
// status, the token on success and the error answer otherwise.
func (d *Device) TryLogin(idNumber, password, activationCode string) (int, string, APIError) {
	d.env.T.Helper()
	s, err := d.App.Login(context.Background(), idNumber, password, activationCode)
	st, e := Refusal(d.env.T, err)
	return st, s.Token, e
}

// Login signs a citizen in on this device and fails the test unless it works at once (the
// device holds the citizen's SIM, or the SIM was free).
func (d *Device) Login(idNumber, password string) string {
	d.env.T.Helper()
	st, token, e := d.TryLogin(idNumber, password, "")
	if st != http.StatusOK || token == "" {
		d.env.T.Fatalf("app login %s: status %d %s", idNumber, st, e.Error.Code)
	}
	return token
}

// Messages lists what the app session shows on this device.
func (d *Device) Messages(token string) []client.Message {
	d.env.T.Helper()
	msgs, err := d.App.Messages(context.Background(), token)
	if err != nil {
		d.env.T.Fatalf("messages: %v", err)
	}
	return msgs
}
