package oidcop

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dvclogin/app/web"
	"dvclogin/store"
)

// The device authorization grant (RFC 8628): a counter screen or a kiosk without a keyboard
// asks /idp/device_authorization for a device code and a short user code, shows the user code
// and a QR of the verification address, and polls the token endpoint. The citizen scans the
// QR with the VNeID app (or types the code into it), sees who asks and confirms with the
// passcode (app/idp/device.go). The library issues the codes and the tokens; the checks, the
// polling rules and the states are ours.

// Device grant settings.
const (
	deviceLifetime = 5 * time.Minute // a counter's code is read at once or never
	devicePoll     = 5 * time.Second // RFC 8628 §3.2: 5 s when the server says nothing
	deviceFormPath = "/app/device"   // the phone app's page for a user code (verification_uri)
	// deviceMaxOpen bounds the unexpired device grants of one client address: a counter has a
	// few screens, and each pending grant is a row.
	deviceMaxOpen = 20
)

// userCodeConfig makes the user codes web.NormalizeUserCode reads: XXXX-XXXX of web.UserCodeLetters.
var userCodeConfig = op.UserCodeConfig{CharSet: web.UserCodeLetters, CharAmount: web.UserCodeLen, DashInterval: 4}

type deviceGrantKey struct{}

// withDeviceGrant carries the grant being redeemed to CreateAccessToken: the library's
// DeviceAuthorizationState has no field for it.
func withDeviceGrant(ctx context.Context, g store.DeviceGrant) context.Context {
	return context.WithValue(ctx, deviceGrantKey{}, g)
}

func deviceGrantFrom(ctx context.Context) (store.DeviceGrant, bool) {
	g, ok := ctx.Value(deviceGrantKey{}).(store.DeviceGrant)
	return g, ok
}

type userAgentKey struct{}

func withUserAgent(ctx context.Context, ua string) context.Context {
	return context.WithValue(ctx, userAgentKey{}, ua)
}

// StoreDeviceAuthorization implements op.DeviceAuthorizationStorage.
func (s *opStorage) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, _ time.Time, scopes []string) error {
	now := s.now()
	ua, _ := ctx.Value(userAgentKey{}).(string)
	return s.st.CreateDeviceGrant(ctx, store.DeviceGrant{ID: web.RandomToken(16), DeviceCodeHash: store.Digest(deviceCode),
		UserCode: web.NormalizeUserCode(userCode), ClientID: clientID, Scopes: scopes, IP: clientIP(ctx),
		Browser: ua[:min(len(ua), 512)], Interval: devicePoll, CreatedAt: now, ExpiresAt: now.Add(deviceLifetime)})
}

// GetDeviceAuthorizatonState implements op.DeviceAuthorizationStorage. The token endpoint
// answers device codes itself (deviceToken); this is the same reading for the library.
func (s *opStorage) GetDeviceAuthorizatonState(ctx context.Context, clientID, deviceCode string) (*op.DeviceAuthorizationState, error) {
	g, err := s.st.DeviceGrantByDeviceCode(ctx, store.Digest(deviceCode))
	if err != nil {
		return nil, err
	}
	if g.ClientID != clientID {
		return nil, store.ErrNotFound
	}
	return s.deviceState(g), nil
}

// deviceState is the library's view of a grant, its expiry moved from the server's clock
// (a demo may run on its own) to the wall clock the library compares it with.
func (s *opStorage) deviceState(g store.DeviceGrant) *op.DeviceAuthorizationState {
	return &op.DeviceAuthorizationState{ClientID: g.ClientID, Scopes: g.Scopes,
		Expires: time.Now().Add(g.ExpiresAt.Sub(s.now())),
		Done:    g.State == store.DeviceApproved, Denied: g.State == store.DeviceDenied,
		Subject: g.CitizenID, AMR: g.AMR, AuthTime: g.AuthTime}
}

// deviceAuthorization is the device authorization endpoint (RFC 8628 §3.1): a client allowed
// the grant, scopes this provider knows (openid among them), at most deviceMaxOpen open grants
// per client address; then the library makes the codes.
func (o *Provider) deviceAuthorization(c echo.Context) error {
	r := c.Request()
	if ref := checkOAuthParams(r); ref != nil {
		return o.writeRefusal(c, ref)
	}
	cl, ref, err := o.authenticateClient(r, false)
	if err != nil || ref != nil {
		return o.refusal(c, ref, err)
	}
	if !cl.device {
		return o.writeRefusal(c, refuse(oidc.ErrUnauthorizedClient().WithDescription("client may not use the device grant"),
			"device grant for %s", cl.id))
	}
	scopes := strings.Fields(r.Form.Get("scope"))
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		return o.writeRefusal(c, refuse(oidc.ErrInvalidScope().WithDescription("scope must contain openid"), "scope %q", scopes))
	}
	for _, sc := range scopes {
		if !slices.Contains(supportedScopes, sc) {
			return o.writeRefusal(c, refuse(oidc.ErrInvalidScope().WithDescription("unknown scope"), "scope %q", sc))
		}
	}
	n, err := o.d.Store.CountOpenDeviceGrants(r.Context(), c.RealIP(), o.d.Now())
	if err != nil {
		return err
	}
	if n >= deviceMaxOpen {
		c.Response().Header().Set("Retry-After", "60")
		return c.JSON(http.StatusTooManyRequests, oidc.ErrSlowDown().WithDescription("too many open device requests from this address"))
	}
	c.SetRequest(r.WithContext(withUserAgent(r.Context(), r.UserAgent())))
	o.audit(c, "device_requested", "", "client="+cl.id)
	return o.serve(c)
}

// deviceToken answers a poll of the token endpoint with a device code (RFC 8628 §3.4, §3.5):
// authorization_pending until the citizen decides, slow_down to a kiosk polling faster than
// its interval (which then grows by 5 s), access_denied when the citizen refused,
// expired_token past the code's life, and the tokens once, after the approval. A device code
// nobody issued to this client, or already redeemed, is an invalid_grant.
func (o *Provider) deviceToken(c echo.Context, cl *client) error {
	r := c.Request()
	ctx := r.Context()
	code := r.Form.Get("device_code")
	if code == "" {
		return o.writeRefusal(c, refuse(oidc.ErrInvalidRequest().WithDescription("device_code missing"), "no device_code"))
	}
	g, err := o.d.Store.DeviceGrantByDeviceCode(ctx, store.Digest(code))
	if errors.Is(err, store.ErrNotFound) || err == nil && g.ClientID != cl.id {
		return o.writeRefusal(c, refuse(oidc.ErrInvalidGrant().WithDescription("unknown device_code"), "unknown device code"))
	}
	if err != nil {
		return err
	}
	now := o.d.Now()
	if g.State == store.DeviceRedeemed {
		return o.writeRefusal(c, refuse(oidc.ErrInvalidGrant().WithDescription("device_code already used"), "device code reused"))
	}
	if g.State != store.DeviceDenied && !now.Before(g.ExpiresAt) {
		return o.writeRefusal(c, refuse(oidc.ErrExpiredDeviceCode(), "device code expired"))
	}
	tooFast, err := o.d.Store.PollDeviceGrant(ctx, g.ID, now)
	if err != nil {
		return err
	}
	switch {
	case g.State == store.DeviceDenied:
		return o.writeRefusal(c, refuse(oidc.ErrAccessDenied().WithDescription("the citizen refused"), "device grant denied"))
	case tooFast:
		return o.writeRefusal(c, refuse(oidc.ErrSlowDown().WithDescription(
			"poll at most every %d seconds", int((g.Interval+5*time.Second)/time.Second)), "polled too fast"))
	case g.State == store.DevicePending:
		return o.writeRefusal(c, refuse(oidc.ErrAuthorizationPending(), "pending"))
	}
	// Approved: the library signs the tokens, issue() redeems the approval once.
	ictx := op.ContextWithIssuer(withDeviceGrant(withClientIP(ctx, c.RealIP()), g), o.issuer)
	resp, err := op.CreateDeviceTokenResponse(ictx, o.storage.deviceState(g), o.op, cl)
	var oe *oidc.Error
	if errors.As(err, &oe) {
		return o.writeRefusal(c, refuse(oe, "device token: %v", err))
	}
	if err != nil {
		return err
	}
	o.audit(c, "device_tokens_issued", g.CitizenID, "client="+cl.id)
	return c.JSON(http.StatusOK, resp)
}

// ClientName is the name the phone shows for client id ("" for a client no longer known).
func (o *Provider) ClientName(ctx context.Context, id string) (string, error) {
	cl, err := o.storage.client(ctx, id)
	if errors.Is(err, errUnknownClient) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return cl.name, nil
}
