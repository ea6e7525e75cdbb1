package apptest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Device is one simulated phone talking to the phone API: its calls carry its device key in
// X-Device-Key, as a native app would. It has no key until the server gives one (its first
// successful login or SIM claim).
type Device struct {
	env   *Env
	mu    sync.Mutex
	key   string
	first sync.Mutex // held by a call made without a key, until its answer gave one
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
		e.phone.d = &Device{env: e}
	}
	return e.phone.d
}

// NewDevice returns another phone, one the server has never seen.
func (e *Env) NewDevice() *Device { return &Device{env: e} }

// Key returns the device key ("" before the server gave one).
func (d *Device) Key() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.key
}

// APIError is the phone API's error answer.
type APIError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Call sends one phone API call (path below /api/mobile/v1) from this device, with the bearer
// token if not empty, decodes the answer into out (if not nil) and returns the status. A
// device_key in the answer becomes this device's key.
func (d *Device) Call(method, path, token string, in, out any) int {
	e := d.env
	e.T.Helper()
	if d.Key() == "" {
		// A device gets its key from its first answer: a call racing it would make the server
		// create a second device, and whichever key came last would hold no SIM.
		d.first.Lock()
		defer d.first.Unlock()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			e.T.Fatal(err)
		}
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, e.abs("/api/mobile/v1"+path), body)
	if err != nil {
		e.T.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if k := d.Key(); k != "" {
		req.Header.Set("X-Device-Key", k)
	}
	resp, raw := e.Do(http.DefaultClient, req)
	var got struct {
		DeviceKey string `json:"device_key"`
	}
	if json.Unmarshal([]byte(raw), &got) == nil && got.DeviceKey != "" {
		d.mu.Lock()
		d.key = got.DeviceKey
		d.mu.Unlock()
	}
	if out != nil && raw != "" {
		if err := json.Unmarshal([]byte(raw), out); err != nil {
			e.T.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// TryLogin sends an app login from this device (activationCode may be empty) and returns the
// status, the token on success and the error answer otherwise.
func (d *Device) TryLogin(idNumber, password, activationCode string) (int, string, APIError) {
	d.env.T.Helper()
	in := map[string]string{"id_number": idNumber, "password": password}
	if activationCode != "" {
		in["activation_code"] = activationCode
	}
	var out struct {
		Token string `json:"token"`
		APIError
	}
	st := d.Call(http.MethodPost, "/login", "", in, &out)
	return st, out.Token, out.APIError
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

// Message is one message as the phone API lists it.
type Message struct {
	Channel string `json:"channel"`
	Body    string `json:"body"`
}

// Messages lists what the app session shows on this device.
func (d *Device) Messages(token string) []Message {
	d.env.T.Helper()
	var out struct {
		Messages []Message `json:"messages"`
	}
	if st := d.Call(http.MethodGet, "/messages", token, nil, &out); st != http.StatusOK {
		d.env.T.Fatalf("messages: status %d", st)
	}
	return out.Messages
}
