package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"
)

// ssoErrorPage explains a login that did not complete and offers to start again.
type ssoErrorPage struct {
	frame
	Heading string // catalog keys
	Message string
}

// Messages for a login that came back without success.
const (
	msgCancelled     = "Bạn đã hủy đăng nhập."
	msgLoginRequired = "Bạn cần đăng nhập bằng tài khoản định danh điện tử để tiếp tục."
	msgIdPError      = "Hệ thống định danh điện tử đang bận hoặc gặp sự cố. Vui lòng thử lại sau."
	msgLoginFailed   = "Đăng nhập không thành công. Vui lòng thử lại."
	msgLoginExpired  = "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại."
	msgNotVerified   = "Không xác thực được thông tin đăng nhập nhận từ hệ thống định danh điện tử. Vui lòng đăng nhập lại."
)

// finishLogin is the redirect URI (/sso): it checks state against the session, exchanges the
// code with the PKCE verifier, verifies the ID token and its nonce, then starts the citizen's
// session under a new id.
func (p *Portal) finishLogin(c echo.Context) error {
	sess, err := p.sessions.Load(c)
	if err != nil {
		return err
	}
	state := c.QueryParam("state")
	var pending pendingLogin
	ok := false
	if sess != nil {
		pending, ok = sess.Data.Pending[state]
	}
	if state == "" || !ok {
		if sess != nil && sess.Data.User != nil && sess.Subject != "" {
			// A reload or Back onto the callback after a finished login.
			return redirect(c, "/tai-khoan")
		}
		p.d.Log.Info("portal callback refused", "reason", "unknown state", "has_session", sess != nil)
		return p.renderSSOError(c, http.StatusBadRequest, msgLoginExpired)
	}
	// Each state is good for one answer, whatever it is.
	delete(sess.Data.Pending, state)
	if err := p.sessions.Save(c, sess); err != nil {
		return err
	}
	if p.d.Now().Sub(time.UnixMilli(pending.CreatedAt)) > pendingTTL {
		return p.renderSSOError(c, http.StatusBadRequest, msgLoginExpired)
	}

	if code := c.QueryParam("error"); code != "" {
		p.d.Log.Info("portal login ended by the identity provider", "error", code,
			"description", c.QueryParam("error_description"))
		status, msg := authErrorMessage(code)
		return p.renderSSOError(c, status, msg)
	}
	code := c.QueryParam("code")
	if code == "" {
		return p.renderSSOError(c, http.StatusBadRequest, msgLoginFailed)
	}

	rp, err := p.rp.get(c.Request().Context())
	if err != nil {
		p.d.Log.Error("portal callback: discovery", "err", err)
		return p.renderSSOError(c, http.StatusServiceUnavailable, msgIdPUnavailable)
	}
	ident, rawIDToken, tok, err := p.redeem(c.Request().Context(), rp, code, pending)
	if err != nil {
		p.d.Log.Warn("portal callback: code not redeemed", "err", err)
		return p.renderSSOError(c, http.StatusBadGateway, msgNotVerified)
	}

	// A new session id for the authenticated citizen: an id planted before login (session
	// fixation) is worth nothing afterwards. Other logins in flight end here too.
	now := p.d.Now()
	sess.Subject = ident.Subject
	sess.CreatedAt, sess.ExpiresAt = now, now.Add(p.sessions.Kind().Absolute)
	sess.Data = sessionData{User: ident, IDToken: rawIDToken, AccessToken: tok.AccessToken}
	if !tok.Expiry.IsZero() {
		sess.Data.AccessExpiry = tok.Expiry.UnixMilli()
	} else {
		sess.Data.AccessExpiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second).UnixMilli()
	}
	if err := p.sessions.Regenerate(c, sess); err != nil {
		return err
	}
	p.audit(c, "login", ident.Subject, "amr="+strings.Join(ident.AMR, ","))
	ret := pending.Return
	if ret == "" {
		ret = "/tai-khoan"
	}
	return redirect(c, ret)
}

// redeem exchanges the code, verifies the ID token and reads the citizen's identity from it.
func (p *Portal) redeem(ctx context.Context, rp *discovered, code string, pending pendingLogin) (*Identity, string, *oauth2.Token, error) {
	ctx = p.rp.context(ctx)
	tok, err := rp.oauth.Exchange(ctx, code, oauth2.VerifierOption(pending.Verifier))
	if err != nil {
		return nil, "", nil, fmt.Errorf("token exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, "", nil, errors.New("token response without id_token")
	}
	idt, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, "", nil, fmt.Errorf("id token: %w", err)
	}
	if idt.Subject == "" {
		return nil, "", nil, errors.New("id token without subject")
	}
	// The nonce ties the token to this browser's login: a token minted for another login
	// (replayed or injected) is refused even if its signature is good.
	if idt.Nonce == "" || idt.Nonce != pending.Nonce {
		return nil, "", nil, errors.New("id token nonce does not match the login")
	}
	var cl claims
	if err := idt.Claims(&cl); err != nil {
		return nil, "", nil, fmt.Errorf("id token claims: %w", err)
	}
	if cl.Name == "" && cl.HoVaTen == "" {
		// Providers may keep profile claims for userinfo only; the subject must match.
		ui, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return nil, "", nil, fmt.Errorf("userinfo: %w", err)
		}
		if ui.Subject != idt.Subject {
			return nil, "", nil, errors.New("userinfo subject differs from the id token")
		}
		if err := ui.Claims(&cl); err != nil {
			return nil, "", nil, fmt.Errorf("userinfo claims: %w", err)
		}
		cl.Sub = idt.Subject
	}
	return cl.identity(), raw, tok, nil
}

// authErrorMessage maps an OAuth error code from the provider to what the citizen reads.
func authErrorMessage(code string) (int, string) {
	switch code {
	case "access_denied":
		return http.StatusOK, msgCancelled
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		return http.StatusOK, msgLoginRequired
	case "server_error", "temporarily_unavailable":
		return http.StatusServiceUnavailable, msgIdPError
	}
	return http.StatusBadRequest, msgLoginFailed
}

func (p *Portal) renderSSOError(c echo.Context, status int, msg string) error {
	page := &ssoErrorPage{frame: p.newFrame(c, "Đăng nhập - Cổng Dịch vụ công Quốc gia", nil),
		Heading: "Đăng nhập chưa hoàn tất", Message: msg}
	page.Slim = true
	// The callback's state is spent: the language switch starts a new login instead of
	// reading this answer again.
	page.Here = "/dang-nhap"
	if msg == msgCancelled {
		page.Heading = "Đã hủy đăng nhập"
	}
	return p.d.Render.Page(c, status, "portal/sso", page)
}

// claims are the ID token (or userinfo) claims the portal reads: the standard ones and the
// VNeID-style ones.
type claims struct {
	Sub               string   `json:"sub"`
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"`
	Birthdate         string   `json:"birthdate"`
	Gender            string   `json:"gender"`
	PhoneNumber       string   `json:"phone_number"`
	ACR               string   `json:"acr"`
	AMR               []string `json:"amr"`
	SoDinhDanh        string   `json:"SoDinhDanh"`
	HoVaTen           string   `json:"HoVaTen"`
	NgayThangNamSinh  string   `json:"NgayThangNamSinh"`
	LoaiTaiKhoan      flexible `json:"LoaiTaiKhoan"`
}

// flexible reads a claim that providers send as a string or as a number.
type flexible string

// UnmarshalJSON accepts "2" and 2 alike.
func (f *flexible) UnmarshalJSON(b []byte) error {
	*f = flexible(strings.Trim(string(b), `"`))
	if *f == "null" {
		*f = ""
	}
	return nil
}

// identity prefers the VNeID-style claims and falls back to the standard ones.
func (cl claims) identity() *Identity {
	id := &Identity{Subject: cl.Sub, Name: first(cl.HoVaTen, cl.Name),
		IDNumber: first(cl.SoDinhDanh, cl.PreferredUsername), Gender: cl.Gender,
		Phone: cl.PhoneNumber, ACR: cl.ACR, AMR: cl.AMR, AccountType: string(cl.LoaiTaiKhoan)}
	id.Birthdate = cl.Birthdate
	if id.Birthdate == "" {
		if t, err := time.Parse("20060102", cl.NgayThangNamSinh); err == nil {
			id.Birthdate = t.Format("2006-01-02")
		}
	}
	return id
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
