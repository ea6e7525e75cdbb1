package oidcop

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// oauthRefusal is a refused token or introspection request: the OAuth error the client reads
// and, for the log only, why.
type oauthRefusal struct {
	err    *oidc.Error
	reason string
}

func refuse(e *oidc.Error, format string, args ...any) *oauthRefusal {
	return &oauthRefusal{err: e, reason: fmt.Sprintf(format, args...)}
}

// checkOAuthParams parses the request's parameters and refuses what no client sends: a body
// that does not parse, a parameter given twice (RFC 6749 §3.2: a check on one copy must not
// let the library act on the other), text that is not UTF-8.
func checkOAuthParams(r *http.Request) *oauthRefusal {
	if err := r.ParseForm(); err != nil {
		return refuse(oidc.ErrInvalidRequest().WithDescription("malformed parameters"), "parse: %v", err)
	}
	for k, v := range r.Form {
		if len(v) > 1 {
			return refuse(oidc.ErrInvalidRequest().WithDescription("parameter repeated"), "%q repeated", k)
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v[0]) {
			return refuse(oidc.ErrInvalidRequest().WithDescription("parameters must be UTF-8"), "%q not UTF-8", k)
		}
	}
	return nil
}

// authenticateClient authenticates the client of a token or introspection request before the
// provider library sees it, with the methods this provider offers and nothing else:
// client_secret_basic or client_secret_post for a confidential client (the portal, or one an
// operator registered), client_id alone for a public one (the demo app, or a registered public
// client, which proves itself with PKCE). The library answers some malformed or unknown clients
// with a 500; here every one of them is an invalid_client. needSecret refuses public clients
// (introspection). err is a failure of the database, not of the client.
func (o *Provider) authenticateClient(r *http.Request, needSecret bool) (*client, *oauthRefusal, error) {
	if f := r.Form; f.Has("client_assertion") || f.Has("client_assertion_type") {
		return nil, refuse(oidc.ErrInvalidClient().WithDescription("client assertions are not supported"), "client assertion"), nil
	}
	id, secret := r.Form.Get("client_id"), r.Form.Get("client_secret")
	hasSecret := r.Form.Has("client_secret")
	if h := r.Header.Get("Authorization"); h != "" {
		bid, bsecret, err := basicCredentials(r)
		if err != nil {
			return nil, refuse(oidc.ErrInvalidClient().WithDescription("malformed Authorization header"), "%v", err), nil
		}
		if hasSecret || (id != "" && id != bid) {
			// RFC 6749 §2.3: one authentication method per request.
			return nil, refuse(oidc.ErrInvalidRequest().WithDescription("client authentication must use one method"),
				"basic and post credentials together"), nil
		}
		id, secret, hasSecret = bid, bsecret, bsecret != ""
	}
	if id == "" {
		return nil, refuse(oidc.ErrInvalidClient().WithDescription("client_id missing"), "no client_id"), nil
	}
	cl, err := o.storage.client(r.Context(), id)
	if errors.Is(err, errUnknownClient) {
		return nil, refuse(oidc.ErrInvalidClient(), "unknown client %q", id), nil
	}
	if err != nil {
		return nil, nil, err
	}
	if cl.public() {
		if hasSecret {
			return nil, refuse(oidc.ErrInvalidClient().WithDescription("public client must not send a secret"),
				"public client %s sent a secret", id), nil
		}
		if needSecret {
			return nil, refuse(oidc.ErrInvalidClient().WithDescription("client authentication required"),
				"public client %s", id), nil
		}
		return cl, nil, nil
	}
	if !cl.secretMatches(secret) {
		return nil, refuse(oidc.ErrInvalidClient().WithDescription("invalid client_id / client_secret"),
			"wrong secret for %s", id), nil
	}
	return cl, nil, nil
}

// basicCredentials reads client_secret_basic: "Basic " and base64 of the form-encoded client
// id and secret joined by a colon (RFC 6749 §2.3.1).
func basicCredentials(r *http.Request) (id, secret string, err error) {
	rawID, rawSecret, ok := r.BasicAuth()
	if !ok {
		return "", "", fmt.Errorf("authorization header is not well-formed basic credentials")
	}
	if id, err = url.QueryUnescape(rawID); err != nil {
		return "", "", fmt.Errorf("basic client id: %w", err)
	}
	if secret, err = url.QueryUnescape(rawSecret); err != nil {
		return "", "", fmt.Errorf("basic client secret: %w", err)
	}
	if !utf8.ValidString(id) || !utf8.ValidString(secret) {
		return "", "", fmt.Errorf("basic credentials are not UTF-8")
	}
	return id, secret, nil
}

// refusal answers a request authenticateClient refused, or hands its database failure to the
// central error handler (OAuth error JSON on these routes).
func (o *Provider) refusal(c echo.Context, ref *oauthRefusal, err error) error {
	if err != nil {
		return err
	}
	return o.writeRefusal(c, ref)
}

// writeRefusal answers a refused OAuth request with the error JSON of RFC 6749 §5.2, never
// with the cause, which goes to the log.
func (o *Provider) writeRefusal(c echo.Context, ref *oauthRefusal) error {
	r := c.Request()
	o.storage.log.Info("oauth request refused", "path", r.URL.Path, "error", string(ref.err.ErrorType), "reason", ref.reason)
	status := http.StatusBadRequest
	if ref.err.ErrorType == oidc.InvalidClient {
		status = http.StatusUnauthorized
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Basic realm="idp"`)
	}
	return c.JSON(status, ref.err)
}
