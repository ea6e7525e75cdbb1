package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// apiPath is where the phone API lives on the server.
const apiPath = "/api/mobile/v1"

// Phone is one phone with the VNeID app, speaking the phone API as a native app would. The
// server tells phones apart by their device key, which a phone sends in X-Device-Key; a new
// phone has none until an answer gives it one (its first login, or a SIM claim).
type Phone struct {
	base string
	http *http.Client

	mu    sync.Mutex
	key   string
	first sync.Mutex // held by a call made without a key, until its answer gave one
}

// NewPhone returns a phone on the server at base whose calls go through hc; key is the device
// key of a phone the server already knows, or "" for a new phone.
func NewPhone(base string, hc *http.Client, key string) *Phone {
	return &Phone{base: strings.TrimRight(base, "/"), http: hc, key: key}
}

// Key returns the phone's device key ("" before the server gave one).
func (p *Phone) Key() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.key
}

// APIError is a refusal of the phone API, which answers {"error":{"code","message"}}.
type APIError struct {
	Status     int
	Code       string // e.g. "invalid_credentials", "activation_required"
	Message    string // the Vietnamese text the app shows
	RetryAfter string // the Retry-After header, if any
	Body       []byte // the whole answer: some refusals say more (activation_required: "activation")
}

func (e *APIError) Error() string {
	return fmt.Sprintf("phone API: HTTP %d %s", e.Status, e.Code)
}

// Do sends one call (path below /api/mobile/v1; token is the app session's bearer token, or "") and
// returns the answer whatever its status. A device_key in the answer becomes the phone's key.
func (p *Phone) Do(ctx context.Context, method, path, token string, in any) (*http.Response, []byte, error) {
	if p.Key() == "" {
		// A phone gets its key from its first answer: a call racing it would make the server
		// create a second device, and whichever key came last would hold no SIM.
		p.first.Lock()
		defer p.first.Unlock()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+apiPath+path, body)
	if err != nil {
		return nil, nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if k := p.Key(); k != "" {
		req.Header.Set("X-Device-Key", k)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, nil, err
	}
	var got struct {
		DeviceKey string `json:"device_key"`
	}
	if json.Unmarshal(raw, &got) == nil && got.DeviceKey != "" {
		p.mu.Lock()
		p.key = got.DeviceKey
		p.mu.Unlock()
	}
	return resp, raw, nil
}

// Call sends one call and decodes a 2xx answer into out (if not nil); any other answer is an
// *APIError.
func (p *Phone) Call(ctx context.Context, method, path, token string, in, out any) error {
	resp, raw, err := p.Do(ctx, method, path, token, in)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		json.Unmarshal(raw, &e) // an answer in another shape keeps the status alone
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message,
			RetryAfter: resp.Header.Get("Retry-After"), Body: raw}
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("phone API %s %s: the answer does not parse: %w", method, path, err)
	}
	return nil
}

// Session is an app session, as a login answers it.
type Session struct {
	Token   string `json:"token"`
	Citizen struct {
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
		Level    int    `json:"level"`
	} `json:"citizen"`
	WebLoginEnabled bool `json:"web_login_enabled"`
	TOTPEnabled     bool `json:"totp_enabled"`
	SIM             struct {
		PhoneMasked      string `json:"phone_masked"`
		HeldByThisDevice bool   `json:"held_by_this_device"`
	} `json:"sim"`
}

// Login signs a citizen in to the app on this phone. activationCode is the SMS code that a
// phone without the citizen's SIM needs ("" first: the refusal activation_required sends it).
func (p *Phone) Login(ctx context.Context, idNumber, password, activationCode string) (Session, error) {
	in := map[string]string{"id_number": idNumber, "password": password}
	if activationCode != "" {
		in["activation_code"] = activationCode
	}
	var s Session
	err := p.Call(ctx, http.MethodPost, "/login", "", in, &s)
	if err == nil && s.Token == "" {
		err = fmt.Errorf("phone API: login answered no token")
	}
	return s, err
}

// Message is one message in the app: an in-app notice, or an SMS on the phone that holds the
// citizen's SIM.
type Message struct {
	Channel string    `json:"channel"` // "app" or "sms"
	From    string    `json:"from"`
	To      string    `json:"to"`
	Body    string    `json:"body"`
	SentAt  time.Time `json:"sent_at"`
}

// Messages lists what the app session shows on this phone, newest first.
func (p *Phone) Messages(ctx context.Context, token string) ([]Message, error) {
	var out struct {
		Messages []Message `json:"messages"`
	}
	err := p.Call(ctx, http.MethodGet, "/messages", token, nil, &out)
	return out.Messages, err
}

// QRRequest is who asks to log in with a scanned QR, as the app shows it before the citizen
// decides.
type QRRequest struct {
	ID          string    `json:"id"`
	ClientName  string    `json:"client_name"`
	Browser     string    `json:"browser"`
	IP          string    `json:"ip"`
	RequestedAt time.Time `json:"requested_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	Numbers     []int     `json:"numbers"` // with number matching: the choices, the desktop's number among them
}

// Scan scans a login QR: its text (the URL, or the bare frame).
func (p *Phone) Scan(ctx context.Context, token, qr string) (QRRequest, error) {
	var out struct {
		Login QRRequest `json:"login"`
	}
	err := p.Call(ctx, http.MethodPost, "/qr/scan", token, map[string]string{"qr": qr}, &out)
	return out.Login, err
}

// Decision is the answer to confirming or denying a scanned login.
type Decision struct {
	State     string `json:"state"`
	SignedOut bool   `json:"signed_out"` // confirming signs the app out
}

// Confirm confirms the scanned login id with the passcode.
func (p *Phone) Confirm(ctx context.Context, token, id, passcode string) (Decision, error) {
	var d Decision
	err := p.Call(ctx, http.MethodPost, "/qr/"+id+"/confirm", token, map[string]string{"passcode": passcode}, &d)
	return d, err
}

// ConfirmNumber confirms the scanned login id with number matching: the pick and the
// passcode. With passcode "" it sends the pick alone, as the app does before it asks for the
// passcode.
func (p *Phone) ConfirmNumber(ctx context.Context, token, id string, number int, passcode string) (Decision, error) {
	var d Decision
	body := map[string]any{"number": number}
	if passcode != "" {
		body["passcode"] = passcode
	}
	err := p.Call(ctx, http.MethodPost, "/qr/"+id+"/confirm", token, body, &d)
	return d, err
}

// Deny refuses the scanned login id ("Hủy").
func (p *Phone) Deny(ctx context.Context, token, id string) (Decision, error) {
	var d Decision
	err := p.Call(ctx, http.MethodPost, "/qr/"+id+"/deny", token, nil, &d)
	return d, err
}

// ScannedLogin is where a login the app scanned stands now, as the confirmation screen
// follows it.
type ScannedLogin struct {
	State     string    `json:"state"` // scanned | confirmed | denied | cancelled | expired
	ExpiresAt time.Time `json:"expires_at"`
}

// Scanned reads the state of the login id this app session scanned.
func (p *Phone) Scanned(ctx context.Context, token, id string) (ScannedLogin, error) {
	var s ScannedLogin
	err := p.Call(ctx, http.MethodGet, "/qr/"+id, token, nil, &s)
	return s, err
}

// DeviceRequest is a login at a counter (RFC 8628) as the phone shows it before the citizen
// decides.
type DeviceRequest struct {
	UserCode    string    `json:"user_code"`
	ClientName  string    `json:"client_name"`
	Browser     string    `json:"browser"`
	IP          string    `json:"ip"`
	RequestedAt time.Time `json:"requested_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// LookUpDevice reads the counter's login of userCode (scanned or typed).
func (p *Phone) LookUpDevice(ctx context.Context, token, userCode string) (DeviceRequest, error) {
	var out struct {
		Request DeviceRequest `json:"request"`
	}
	err := p.Call(ctx, http.MethodPost, "/device/lookup", token, map[string]string{"user_code": userCode}, &out)
	return out.Request, err
}

// ConfirmDevice approves the counter's login of userCode with the passcode.
func (p *Phone) ConfirmDevice(ctx context.Context, token, userCode, passcode string) (Decision, error) {
	var d Decision
	err := p.Call(ctx, http.MethodPost, "/device/confirm", token,
		map[string]string{"user_code": userCode, "passcode": passcode}, &d)
	return d, err
}

// DenyDevice refuses the counter's login of userCode.
func (p *Phone) DenyDevice(ctx context.Context, token, userCode string) (Decision, error) {
	var d Decision
	err := p.Call(ctx, http.MethodPost, "/device/deny", token, map[string]string{"user_code": userCode}, &d)
	return d, err
}
