package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A citizen's browser sessions and service grants, with the address and browser of the login
// carried through a refresh; ending one touches only the owner's; the login history is the
// newest first. On both databases.
func TestCitizenSessions(t *testing.T) { eachDB(t, testCitizenSessions) }

func testCitizenSessions(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	seedCitizen(t, s)
	const ua = "Mozilla/5.0 (Windows NT 10.0) Chrome/124.0"
	for _, sess := range []Session{
		{IDHash: "web-an", Kind: "idp", Subject: "c1", IP: "10.0.0.7", UserAgent: ua},
		{IDHash: "web-binh", Kind: "idp", Subject: "c2", IP: "10.0.0.8"},
		{IDHash: "app-an", Kind: "app", Subject: "c1"},
	} {
		sess.Data, sess.CreatedAt, sess.SeenAt, sess.ExpiresAt = "{}", now, now, now.Add(time.Hour)
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	a := OIDCAuthRequest{ID: "g1", ClientID: "dvc-portal", RedirectURI: "https://x/cb", Scopes: []string{"openid"},
		ResponseType: "code", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if err := s.CreateOIDCAuthRequest(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteOIDCAuthRequest(ctx, "g1", "c1", "web-an", "2", []string{"pwd"}, now, now); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveOIDCCode(ctx, "g1", Digest("code"), now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
	g := OIDCGrant{GrantID: "g1", ClientID: "dvc-portal", Subject: "c1"}
	if err := s.IssueOIDCTokens(ctx, OIDCIssue{OIDCGrant: g, RedeemCode: true, AccessID: "at1",
		AccessExpiresAt: now.Add(time.Hour), RefreshHash: Digest("rt1"), RefreshExpiresAt: now.Add(12 * time.Hour), Now: now}); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Minute)
	if err := s.IssueOIDCTokens(ctx, OIDCIssue{OIDCGrant: g, RotateHash: Digest("rt1"), AccessID: "at2",
		AccessExpiresAt: later.Add(time.Hour), RefreshHash: Digest("rt2"), RefreshExpiresAt: now.Add(12 * time.Hour), Now: later}); err != nil {
		t.Fatal(err)
	}

	webs, err := s.CitizenWebSessions(ctx, "c1", now.Add(-time.Minute), later)
	if err != nil || len(webs) != 1 || webs[0].IDHash != "web-an" || webs[0].IP != "10.0.0.7" || webs[0].UserAgent != ua {
		t.Fatalf("web sessions %+v (%v)", webs, err)
	}
	grants, err := s.CitizenGrants(ctx, "c1", later)
	if err != nil || len(grants) != 1 {
		t.Fatalf("grants %+v (%v)", grants, err)
	}
	if gr := grants[0]; gr.GrantID != "g1" || !gr.GrantedAt.Equal(now) || !gr.RefreshedAt.Equal(later) || gr.IP != "10.0.0.7" || gr.UserAgent != ua {
		t.Fatalf("grant %+v: want granted at the login, refreshed later, the login's address and browser", gr)
	}
	if grants, _ := s.CitizenGrants(ctx, "c2", later); len(grants) != 0 {
		t.Fatalf("another citizen sees %+v", grants)
	}

	// Another citizen's session or grant is not found, and stays.
	if err := s.EndWebSession(ctx, "c2", "web-an"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ending another's session: %v", err)
	}
	if err := s.RevokeCitizenGrant(ctx, "c2", "g1", later); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking another's grant: %v", err)
	}
	if _, err := s.OIDCRefreshTokenByHash(ctx, Digest("rt2"), later); err != nil {
		t.Fatalf("the grant after another's revocation: %v", err)
	}

	n, m, err := s.EndWebSessionsAndGrants(ctx, "c1", later)
	if err != nil || n != 1 || m != 1 {
		t.Fatalf("end all: %d sessions, %d grants (%v)", n, m, err)
	}
	if _, err := s.OIDCRefreshTokenByHash(ctx, Digest("rt2"), later); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the refresh token after end all: %v", err)
	}
	if _, err := s.SessionByHash(ctx, "app", "app-an", later); err != nil {
		t.Fatalf("end all ended the app session: %v", err)
	}
	if _, err := s.SessionByHash(ctx, "idp", "web-binh", later); err != nil {
		t.Fatalf("end all ended another citizen's session: %v", err)
	}

	for i := range 25 {
		r := LoginRecord{CitizenID: "c1", At: now.Add(time.Duration(i) * time.Second), Method: "sso", IP: "10.0.0.7"}
		if i == 24 {
			r.Method, r.GrantID = "password_sms", "g1"
		}
		if err := s.RecordLogin(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	h, err := s.LoginHistory(ctx, "c1", 20)
	if err != nil || len(h) != 20 {
		t.Fatalf("history: %d (%v)", len(h), err)
	}
	if h[0].Method != "password_sms" || h[0].ClientID != "dvc-portal" || !h[0].At.Equal(now.Add(24*time.Second)) || !h[19].At.Equal(now.Add(5*time.Second)) {
		t.Fatalf("history newest %+v, oldest %+v", h[0], h[19])
	}
	if h, _ := s.LoginHistory(ctx, "c2", 20); len(h) != 0 {
		t.Fatalf("another citizen's history: %+v", h)
	}
}
