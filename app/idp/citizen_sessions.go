package idp

// "Quản lý đăng nhập": the citizen's browser sessions at the IdP (single sign-on) and the
// services holding one of their refresh tokens, each of which they may end, from the VNeID
// app or from the portal's account page. The ids handed out are keyed digests: they name a
// session or grant to its owner and are worth nothing as a credential, and they are only
// resolved among the asking citizen's own sessions, so another citizen's id is unknown.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

const msgSessionNotFound = "Không tìm thấy phiên đăng nhập này. Có thể phiên đã kết thúc."

// webSessionView is one browser signed in at the IdP.
type webSessionView struct {
	ID         string    `json:"id"`
	Browser    string    `json:"browser"`
	IP         string    `json:"ip"`
	StartedAt  time.Time `json:"started_at"`
	LastUsedAt time.Time `json:"last_used_at"`
}

// serviceGrantView is one service that may keep the citizen signed in (a refresh token).
type serviceGrantView struct {
	ID          string    `json:"id"`
	ClientID    string    `json:"client_id"`
	ClientName  string    `json:"client_name"`
	GrantedAt   time.Time `json:"granted_at"`
	RefreshedAt time.Time `json:"refreshed_at,omitzero"` // absent before the first refresh
	Browser     string    `json:"browser,omitempty"`
	IP          string    `json:"ip,omitempty"`
}

// citizenSessions is the answer of the session list, in the app's API and the portal's.
type citizenSessions struct {
	WebSessions []webSessionView   `json:"web_sessions"`
	Services    []serviceGrantView `json:"services"`
}

// sessionRef is what an id names: a browser session (by its digest) or a grant.
type sessionRef struct {
	web     bool
	key     string // the session's id digest, or the grant id
	browser string // for the audit trail: a session's browser (described) and address,
	ip      string
	client  string // or a grant's client
}

// sessionListID is the id a list shows for a session ("w…") or a grant ("g…").
func (p *IdP) sessionListID(kind, key string) string {
	m := hmac.New(sha256.New, p.d.SessionListKey)
	m.Write([]byte(kind + "\x00" + key))
	return kind + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// listCitizenSessions lists the citizen's browser sessions and service grants, in l.
func (p *IdP) listCitizenSessions(ctx context.Context, l i18n.Lang, citizenID string) (citizenSessions, map[string]sessionRef, error) {
	now := p.d.Now()
	out := citizenSessions{WebSessions: []webSessionView{}, Services: []serviceGrantView{}}
	refs := map[string]sessionRef{}
	webs, err := p.d.Store.CitizenWebSessions(ctx, citizenID, now.Add(-p.d.Session.Idle), now)
	if err != nil {
		return out, nil, err
	}
	for _, w := range webs {
		id := p.sessionListID("w", w.IDHash)
		browser := describeBrowser(w.UserAgent)
		out.WebSessions = append(out.WebSessions, webSessionView{ID: id, Browser: browserIn(l, browser), IP: w.IP,
			StartedAt: w.CreatedAt, LastUsedAt: w.SeenAt})
		refs[id] = sessionRef{web: true, key: w.IDHash, browser: browser, ip: w.IP}
	}
	grants, err := p.d.Store.CitizenGrants(ctx, citizenID, now)
	if err != nil {
		return out, nil, err
	}
	for _, g := range grants {
		id := p.sessionListID("g", g.GrantID)
		name, err := p.oidc.ClientName(ctx, g.ClientID)
		if err != nil {
			return out, nil, err
		}
		if name == "" {
			name = g.ClientID
		}
		v := serviceGrantView{ID: id, ClientID: g.ClientID, ClientName: l.T(name), GrantedAt: g.GrantedAt, IP: g.IP}
		if g.RefreshedAt.After(g.GrantedAt) {
			v.RefreshedAt = g.RefreshedAt
		}
		if g.UserAgent != "" {
			v.Browser = browserIn(l, describeBrowser(g.UserAgent))
		}
		out.Services = append(out.Services, v)
		refs[id] = sessionRef{key: g.GrantID, client: g.ClientID}
	}
	return out, refs, nil
}

// endCitizenSession ends one session or grant of the citizen named by a list id; a 404 when
// the citizen has none by that id. via says where the citizen asked, for the audit trail: app
// or portal.
func (p *IdP) endCitizenSession(c echo.Context, actor, citizenID, id, via string) error {
	ctx := c.Request().Context()
	_, refs, err := p.listCitizenSessions(ctx, web.Lang(c), citizenID)
	if err != nil {
		return err
	}
	notFound := &web.Error{Status: http.StatusNotFound, Code: "not_found", Msg: msgSessionNotFound}
	ref, ok := refs[id]
	if !ok {
		return notFound
	}
	if ref.web {
		err = p.d.Store.EndWebSession(ctx, citizenID, ref.key)
	} else {
		err = p.d.Store.RevokeCitizenGrant(ctx, citizenID, ref.key, p.d.Now())
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound // ended meanwhile
	}
	if err != nil {
		return err
	}
	if ref.web {
		p.audit(c, actor, "web_session_ended", citizenID, "browser "+ref.browser+"; ip "+ref.ip+"; via "+via)
	} else {
		p.audit(c, actor, "service_grant_revoked", citizenID, "client="+ref.client+"; via "+via)
	}
	return nil
}

// endAllCitizenSessions signs the citizen out of every browser and revokes every service's
// refresh token ("Đăng xuất tất cả"); the app stays signed in.
func (p *IdP) endAllCitizenSessions(c echo.Context, actor, citizenID, via string) (endAllResult, error) {
	sessions, grants, err := p.d.Store.EndWebSessionsAndGrants(c.Request().Context(), citizenID, p.d.Now())
	if err != nil {
		return endAllResult{}, err
	}
	p.audit(c, actor, "all_sessions_ended", citizenID,
		fmt.Sprintf("%d browser sessions, %d service grants; via %s", sessions, grants, via))
	return endAllResult{WebSessions: sessions, Services: grants}, nil
}

// endAllResult counts what "Đăng xuất tất cả" ended.
type endAllResult struct {
	WebSessions int `json:"web_sessions_ended"`
	Services    int `json:"services_revoked"`
}
