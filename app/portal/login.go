package portal

import (
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"dvclogin/app/web"
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

	sess, data, err := p.loadSession(c)
	if err != nil {
		return err
	}
	if sess == nil {
		sess = p.d.Sessions.New(p.session)
	}
	now := p.d.Now()
	data.User, data.IDToken = nil, ""
	var seq int64
	for _, pl := range data.Pending {
		seq = max(seq, pl.Seq)
	}
	data.Pending = prunePending(data.Pending, now)
	state, nonce, verifier := web.RandomToken(24), web.RandomToken(24), oauth2.GenerateVerifier()
	data.Pending[state] = pendingLogin{Nonce: nonce, Verifier: verifier, Return: ret, CreatedAt: now.UnixMilli(), Seq: seq + 1}
	if err := sess.Set(data); err != nil {
		return err
	}
	if err := p.d.Sessions.Save(c, sess); err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, rp.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
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
