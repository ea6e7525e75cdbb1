package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// LoginPage is the IdP's login page an authorization request reached.
type LoginPage struct {
	URL           string
	Body          string
	AuthRequestID string // the request the page logs in, which a QR login names
	CSRF          string // the page's token for its scripts' requests
}

var (
	authReqAttr = regexp.MustCompile(`data-auth-request="([^"]+)"`)
	csrfMeta    = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)
)

// ParseLogin reads a login page at the URL at.
func ParseLogin(at, body string) LoginPage {
	lp := LoginPage{URL: at, Body: body}
	if m := authReqAttr.FindStringSubmatch(body); m != nil {
		lp.AuthRequestID = m[1]
	}
	if m := csrfMeta.FindStringSubmatch(body); m != nil {
		lp.CSRF = m[1]
	}
	return lp
}

// OpenLogin sends the authorization request authURL and follows it to the login page.
func (b *Browser) OpenLogin(ctx context.Context, authURL string) (LoginPage, error) {
	p, err := b.Get(ctx, authURL)
	if err == nil {
		p, err = b.Follow(ctx, p)
	}
	if err != nil {
		return LoginPage{}, err
	}
	if p.Resp.StatusCode != http.StatusOK || !strings.HasSuffix(p.URL.Path, "/idp/login") {
		return LoginPage{}, unexpected("the login page", p)
	}
	return ParseLogin(p.URL.String(), p.Body), nil
}

// PasswordStep fills in the login page's password form (số định danh and mật khẩu) and
// submits it; the IdP answers 303 to the code step when it takes them.
func (b *Browser) PasswordStep(ctx context.Context, lp LoginPage, idNumber, password string) (*Page, error) {
	f, ok := ParseForms(lp.URL, lp.Body).With("password")
	if !ok {
		return nil, errors.New("the login page has no password form")
	}
	return b.Submit(ctx, f, map[string]string{"id_number": idNumber, "password": password})
}

// CodeStep follows an accepted password step to the code page.
func (b *Browser) CodeStep(ctx context.Context, p *Page) (*Page, error) {
	if p.Resp.StatusCode != http.StatusSeeOther {
		return nil, unexpected("303 to the code step", p)
	}
	p, err := b.Follow(ctx, p)
	if err != nil {
		return nil, err
	}
	if _, ok := ParseForms(p.URL.String(), p.Body).With("otp"); p.Resp.StatusCode != http.StatusOK || !ok {
		return nil, unexpected("the code page", p)
	}
	return p, nil
}

// SubmitCode types code into the code page's form and submits it; the IdP answers 303 on
// towards the client when it takes it.
func (b *Browser) SubmitCode(ctx context.Context, codePage *Page, code string) (*Page, error) {
	f, ok := ParseForms(codePage.URL.String(), codePage.Body).With("otp")
	if !ok {
		return nil, errors.New("the code page has no code form")
	}
	return b.Submit(ctx, f, map[string]string{"otp": code})
}

// JSON sends a JSON request as a page's script does: the body (if in is not nil) as JSON, JSON
// asked back, and the page's CSRF token (if not "").
func (b *Browser) JSON(ctx context.Context, method, target, csrf string, in any) (*Page, error) {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.resolve(target), body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	return b.Do(req)
}

// QRLogin is a QR login the login page started: the QR to show and where to follow it.
type QRLogin struct {
	ID        string    `json:"id"`
	QR        string    `json:"qr"` // what the QR encodes: <public-url>/app/scan#<frame>
	ImageURL  string    `json:"image_url"`
	StatusURL string    `json:"status_url"`
	EventsURL string    `json:"events_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// QRStatus is a QR login's state as its desktop sees it.
type QRStatus struct {
	State     string    `json:"state"` // waiting, scanned, confirmed, denied, expired, cancelled
	QR        string    `json:"qr"`    // the current frame's text
	ExpiresAt time.Time `json:"expires_at"`
	Redirect  string    `json:"redirect"`   // once confirmed, where the desktop goes on
	ScannedBy string    `json:"scanned_by"` // the phone holder's masked name
	Number    int       `json:"number"`     // with number matching, while scanned: the number to pick on the phone
	Reason    string    `json:"reason"`     // "number_mismatch" when a wrong pick denied the login
}

// StartQR starts a QR login for the login page's request, as the page's script does. Only
// this browser (it gets the binding cookie) can follow or finish it.
func (b *Browser) StartQR(ctx context.Context, lp LoginPage) (QRLogin, error) {
	var l QRLogin
	p, err := b.JSON(ctx, http.MethodPost, "/idp/qr/start", lp.CSRF, map[string]string{"auth_request": lp.AuthRequestID})
	if err != nil {
		return l, err
	}
	if p.Resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(p.Body), &l) != nil || l.ID == "" || l.QR == "" {
		return l, unexpected("a started QR login", p)
	}
	return l, nil
}

// QRStatus reads a QR login's state.
func (b *Browser) QRStatus(ctx context.Context, statusURL string) (QRStatus, error) {
	var st QRStatus
	p, err := b.JSON(ctx, http.MethodGet, statusURL, "", nil)
	if err != nil {
		return st, err
	}
	if p.Resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(p.Body), &st) != nil {
		return st, unexpected("the QR login's status", p)
	}
	return st, nil
}

// FinishQR follows a confirmed QR login's redirect, as the page's script does, to where the
// login leaves the IdP: the client's redirect, with the code.
func (b *Browser) FinishQR(ctx context.Context, redirect string) (*Page, error) {
	p, err := b.Get(ctx, redirect)
	if err != nil {
		return nil, err
	}
	if st := p.Resp.StatusCode; st != http.StatusFound && st != http.StatusSeeOther {
		return nil, unexpected("a redirect on to the client", p)
	}
	return b.Follow(ctx, p)
}
