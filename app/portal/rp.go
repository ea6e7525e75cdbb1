package portal

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"dvclogin/app/web"
)

// relyingParty is the portal's OpenID Connect client. The identity provider is served by the
// same process on the same listener, so discovery waits for the first login (at Register time
// nothing is listening yet); a failed discovery is not cached and is tried again next time.
type relyingParty struct {
	site   web.Site
	secret string // the portal's client secret
	issuer string
	http   *http.Client // backchannel: discovery, JWKS, token and userinfo calls

	mu     sync.Mutex
	cached *discovered
}

// discovered is what discovery yields, built once.
type discovered struct {
	provider   *oidc.Provider
	verifier   *oidc.IDTokenVerifier
	oauth      oauth2.Config
	endSession string // RP-initiated logout endpoint, "" when the provider has none
}

// newRelyingParty is the portal's client of the provider at the public URL; over HTTPS it
// trusts roots, the authorities of this server's own certificate (nil: the system's).
func newRelyingParty(site web.Site, secret string, roots *x509.CertPool) *relyingParty {
	hc := &http.Client{Timeout: 10 * time.Second}
	if roots != nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		hc.Transport = t
	}
	return &relyingParty{site: site, secret: secret, issuer: site.URL("/idp"), http: hc}
}

// context carries the backchannel client to go-oidc and x/oauth2.
func (rp *relyingParty) context(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, rp.http)
}

// get returns the discovered provider, discovering it on first use.
func (rp *relyingParty) get(ctx context.Context) (*discovered, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.cached != nil {
		return rp.cached, nil
	}
	provider, err := oidc.NewProvider(rp.context(ctx), rp.issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery at %s: %w", rp.issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("oidc discovery metadata: %w", err)
	}
	endpoint := provider.Endpoint()
	// client_secret_basic, the method every provider must support; no probing.
	endpoint.AuthStyle = oauth2.AuthStyleInHeader
	rp.cached = &discovered{
		provider: provider,
		// go-oidc checks issuer, audience, expiry and signature (with the algorithms the
		// provider announces); the nonce is checked by the callback.
		verifier: provider.Verifier(&oidc.Config{ClientID: clientID, Now: rp.site.Now}),
		oauth: oauth2.Config{
			ClientID:     clientID,
			ClientSecret: rp.secret,
			Endpoint:     endpoint,
			RedirectURL:  rp.site.URL("/sso"),
			Scopes:       []string{oidc.ScopeOpenID, "profile", "phone"},
		},
		endSession: meta.EndSession,
	}
	return rp.cached, nil
}
