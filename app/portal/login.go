package portal

import (
	"fmt"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"dvclogin/app/web"
	"dvclogin/store"
)

// msgIdPUnavailable is shown when the identity provider cannot be reached.
const msgIdPUnavailable = "Hệ thống định danh điện tử chưa sẵn sàng hoặc đang bận. Vui lòng thử lại sau ít phút."

// startLogin begins the authorization code flow with PKCE: it keeps state, nonce and code
// verifier in the portal session and sends the browser to the identity provider.
func (p *Portal) startLogin(c echo.Context) error {
	ret := safeReturn(c.QueryParam("next"))
	if user, err := p.currentUser(c); err != nil || user != nil {
		if err != nil {
			return err
		}
		if ret == "" {
			ret = "/tai-khoan"
		}
		return redirect(c, ret)
	}
	rp, err := p.rp.get(c.Request().Context())
	if err != nil {
		return &web.Error{Status: http.StatusServiceUnavailable, Code: "idp_unavailable", Msg: msgIdPUnavailable, Err: err, RetryAfter: 5}
	}

	sess, err := p.sessions.Load(c)
	if err != nil {
		return err
	}
	now := p.d.Now()
	if sess == nil {
		if sess, err = p.newPreLoginSession(c, now); err != nil {
			return err
		}
	}
	data := &sess.Data
	if sess.Subject == "" {
		sess.ExpiresAt = now.Add(preLoginTTL)
	}
	data.User, data.IDToken = nil, ""
	var seq int64
	for _, pl := range data.Pending {
		seq = max(seq, pl.Seq)
	}
	data.Pending = prunePending(data.Pending, now)
	state, nonce, verifier := web.RandomToken(24), web.RandomToken(24), oauth2.GenerateVerifier()
	data.Pending[state] = pendingLogin{Nonce: nonce, Verifier: verifier, Return: ret, CreatedAt: now.UnixMilli(), Seq: seq + 1}
	if err := p.sessions.Save(c, sess); err != nil {
		return err
	}
	// ui_locales: the identity provider's pages speak the portal's language (OpenID Connect
	// Core §3.1.2.1), as a client on another origin, without the shared cookie, needs.
	return c.Redirect(http.StatusFound, rp.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("ui_locales", string(web.Lang(c)))))
}

// msgTooManyPreLogin is the refusal when one address has started too many logins in
// separate sessions.
const msgTooManyPreLogin = "Có quá nhiều lượt đăng nhập đang chờ từ địa chỉ mạng của bạn. Vui lòng thử lại sau %d phút."

// newPreLoginSession starts a session before login for this browser, unless its client has
// created preLoginPerClient of them in the last preLoginTTL (429).
func (p *Portal) newPreLoginSession(c echo.Context, now time.Time) (*web.Session[sessionData], error) {
	key := store.ClientKey(c.RealIP())
	n, err := p.sessions.CountAnonymous(c.Request().Context(), key, now.Add(-preLoginTTL))
	if err != nil {
		return nil, err
	}
	if n >= preLoginPerClient {
		return nil, &web.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Msg: msgTooManyPreLogin, Args: []any{int(preLoginTTL / time.Minute)}, RetryAfter: int(preLoginTTL / time.Second),
			Err: fmt.Errorf("client %s holds %d sessions before login", key, n)}
	}
	sess := p.sessions.New()
	sess.ClientKey = key
	return sess, nil
}

// prunePending drops expired logins and, beyond maxPending-1, the oldest ones, leaving room
// for one more.
func prunePending(pending map[string]pendingLogin, now time.Time) map[string]pendingLogin {
	out := make(map[string]pendingLogin, maxPending)
	for s, pl := range pending {
		if now.Sub(time.UnixMilli(pl.CreatedAt)) < pendingTTL {
			out[s] = pl
		}
	}
	for len(out) >= maxPending {
		oldest := ""
		for s, pl := range out {
			if oldest == "" || pl.Seq < out[oldest].Seq {
				oldest = s
			}
		}
		delete(out, oldest)
	}
	return out
}
