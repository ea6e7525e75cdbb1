// Package portal is the National Public Service Portal (Cổng Dịch vụ công Quốc gia) as an
// OpenID Connect relying party: public pages, the account-type chooser, the login through the
// identity provider, the citizen's account page and logout.
package portal

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

const (
	// clientID is the portal's client at the identity provider.
	clientID = "dvc-portal"
	// maxPending bounds the logins one browser may have in flight (several tabs, a retry after
	// a cancelled QR), so a looping script cannot grow the session without limit.
	maxPending = 5
	// pendingTTL is how long a started login may take to come back to /sso; the session that
	// holds it lives as long (preLoginTTL).
	pendingTTL = preLoginTTL
	// preLoginTTL is the lifetime of a session before login, from its latest login start: it
	// holds nothing but logins in flight, and anyone can make one, so it must not stay for the
	// idle and absolute lifetimes of a citizen's session.
	preLoginTTL = 15 * time.Minute
	// preLoginPerClient bounds the sessions before login one client (an IPv4 address, an IPv6
	// /64) may create in preLoginTTL: a script that drops its cookie on every request cannot
	// fill the database.
	preLoginPerClient = 50
	// touchEvery limits the writes that keep a logged-in session alive to one a minute.
	touchEvery = time.Minute
)

// Deps is what the portal is built from. Like any provincial portal, it holds no handle on
// the identity provider's data: it knows its own client secret and speaks OIDC.
type Deps struct {
	web.Site
	Sessions     *web.Sessions
	Session      web.SessionKind // the portal's cookie and lifetimes
	CSRF         *web.CSRF
	ClientSecret string // the portal's secret as client dvc-portal of the identity provider
	LogoutKey    []byte // signs the state of a logout round trip
	Audit        func(context.Context, store.Event) error
	IdPRoots     *x509.CertPool // what the backchannel to the identity provider trusts over HTTPS; nil = the system's roots
}

// Portal is the portal actor.
type Portal struct {
	d        Deps
	sessions *web.SessionStore[sessionData]
	rp       *relyingParty
}

// New builds the portal; Mount puts its pages on a router.
func New(d Deps) *Portal {
	return &Portal{
		d:        d,
		sessions: web.NewSessionStore[sessionData](d.Sessions, d.Session),
		rp:       newRelyingParty(d.Site, d.ClientSecret, d.IdPRoots),
	}
}

// sessionData is what the portal keeps in its server-side session: the logins in flight
// before authentication, the citizen and the ID token (for logout) after.
type sessionData struct {
	Pending map[string]pendingLogin `json:"pending,omitempty"` // keyed by OAuth state
	User    *Identity               `json:"user,omitempty"`
	IDToken string                  `json:"id_token,omitempty"`
	// The access token of the login, for the provider's account API (the session list), and
	// when it expires (Unix ms)
	AccessToken  string `json:"access_token,omitempty"`
	AccessExpiry int64  `json:"access_expiry,omitempty"`
}

// pendingLogin is one authorization request sent to the identity provider.
type pendingLogin struct {
	Nonce     string `json:"nonce"`
	Verifier  string `json:"verifier"` // PKCE code verifier
	Return    string `json:"return,omitempty"`
	CreatedAt int64  `json:"created_at"` // Unix ms
	Seq       int64  `json:"seq"`        // order of starting, for dropping the oldest
}

// currentUser returns the logged-in citizen, or nil. It keeps the session alive (idle timeout)
// with at most one write a minute.
func (p *Portal) currentUser(c echo.Context) (*Identity, error) {
	sess, err := p.sessions.Load(c)
	if err != nil || sess == nil || sess.Data.User == nil || sess.Subject == "" {
		return nil, err
	}
	return sess.Data.User, p.sessions.Touch(c, sess, touchEvery)
}

// frame is what every portal page shows around its content: the header (with the citizen's
// name once logged in) and the footer.
type frame struct {
	web.Page
	User    *Identity
	Slim    bool        // header without the top menu (login screens)
	Nav     []menuGroup // the top menu
	NavBase string      // "" on the home page (its own anchors), "/" elsewhere
	Flash   string      // one-line notice under the header
}

func (p *Portal) newFrame(c echo.Context, title string, user *Identity) frame {
	f := frame{Page: web.NewPage(c, title), User: user, Nav: menu, NavBase: "/"}
	f.Scripts = []string{"portal.js"}
	return f
}

// safeReturn accepts only a same-origin path ("/x", never "//host" or "/\host", which browsers
// read as another host), so the return parameter cannot become an open redirect.
func safeReturn(s string) string {
	if s == "" || len(s) > 512 || s[0] != '/' || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return ""
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return ""
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return s
}

// audit records a portal event; a failure to audit is logged, never shown.
func (p *Portal) audit(c echo.Context, action, citizenID, detail string) {
	ev := store.Event{At: p.d.Now(), Actor: "portal", Action: action, CitizenID: citizenID, IP: c.RealIP(), Detail: detail}
	if err := p.d.Audit(c.Request().Context(), ev); err != nil {
		p.d.Log.Warn("audit failed", "action", action, "err", err)
	}
}

// redirect sends the browser to a path on this site.
func redirect(c echo.Context, path string) error {
	return c.Redirect(http.StatusFound, path)
}
