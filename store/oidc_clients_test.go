package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestOIDCClientLifecycle(t *testing.T) { eachDB(t, testOIDCClientLifecycle) }

func testOIDCClientLifecycle(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	c := OIDCClient{ID: "ho-tich", Name: "Hộ tịch điện tử", SecretHash: Digest("s1"),
		RedirectURIs:           []string{"https://hotich.example/cb", "http://10.0.0.5:3000/cb"},
		PostLogoutRedirectURIs: []string{"https://hotich.example/"}, CreatedAt: now}
	if err := s.CreateOIDCClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOIDCClient(ctx, c); !errors.Is(err, ErrConflict) {
		t.Fatalf("the same id twice: %v, want ErrConflict", err)
	}
	got, err := s.OIDCClientByID(ctx, "ho-tich")
	if err != nil || got.Name != c.Name || got.SecretHash != c.SecretHash || got.Public ||
		!slices.Equal(got.RedirectURIs, c.RedirectURIs) || !slices.Equal(got.PostLogoutRedirectURIs, c.PostLogoutRedirectURIs) ||
		!got.CreatedAt.Equal(now) || !got.SecretRotatedAt.IsZero() {
		t.Fatalf("read back %+v (%v), want %+v", got, err, c)
	}

	later := now.Add(time.Hour)
	if err := s.RotateOIDCClientSecret(ctx, "ho-tich", Digest("s2"), later); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.OIDCClientByID(ctx, "ho-tich"); got.SecretHash != Digest("s2") || !got.SecretRotatedAt.Equal(later) {
		t.Fatalf("after rotation %+v", got)
	}
	if err := s.RotateOIDCClientSecret(ctx, "nope", Digest("x"), later); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rotate an unknown client: %v, want ErrNotFound", err)
	}

	pub := OIDCClient{ID: "app.di-dong", Name: "Ứng dụng di động", Public: true,
		RedirectURIs: []string{"com.example.app:/cb"}, CreatedAt: now}
	if err := s.CreateOIDCClient(ctx, pub); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateOIDCClientSecret(ctx, pub.ID, Digest("x"), later); !errors.Is(err, ErrConflict) {
		t.Fatalf("rotate a public client: %v, want ErrConflict", err)
	}
	if err := s.CreateOIDCClient(ctx, OIDCClient{ID: "half", Name: "x", Public: true, SecretHash: "h",
		RedirectURIs: []string{"https://x/cb"}, CreatedAt: now}); err == nil {
		t.Fatal("a public client with a secret was stored")
	}
	list, err := s.ListOIDCClients(ctx)
	if err != nil || len(list) != 2 || list[0].ID != pub.ID || list[1].ID != c.ID {
		t.Fatalf("list %+v (%v)", list, err)
	}
}

// Removing a client revokes what it was issued and deletes its grants, and leaves other
// clients' tokens alone.
func TestDeleteOIDCClientRevokesItsTokens(t *testing.T) {
	eachDB(t, testDeleteOIDCClientRevokesItsTokens)
}

func testDeleteOIDCClientRevokesItsTokens(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if err := s.CreateOIDCClient(ctx, OIDCClient{ID: "ho-tich", Name: "Hộ tịch", SecretHash: Digest("s"),
		RedirectURIs: []string{"https://x/cb"}, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	grant := func(id, client string) {
		t.Helper()
		a := OIDCAuthRequest{ID: id, ClientID: client, RedirectURI: "https://x/cb", Scopes: []string{"openid"},
			ResponseType: "code", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
		if err := s.CreateOIDCAuthRequest(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteOIDCAuthRequest(ctx, id, "c1", "sess", "2", []string{"pwd"}, now, now); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveOIDCCode(ctx, id, Digest("code-"+id), now.Add(time.Minute), now); err != nil {
			t.Fatal(err)
		}
		err := s.IssueOIDCTokens(ctx, OIDCIssue{OIDCGrant: OIDCGrant{GrantID: id, ClientID: client, Subject: "c1"},
			RedeemCode: true, AccessID: "at-" + id, AccessExpiresAt: now.Add(time.Hour),
			RefreshHash: Digest("rt-" + id), RefreshExpiresAt: now.Add(12 * time.Hour), Now: now})
		if err != nil {
			t.Fatal(err)
		}
	}
	grant("g1", "ho-tich")
	grant("g2", "dvc-portal")

	r, err := s.DeleteOIDCClient(ctx, "ho-tich", now)
	if err != nil || r.Tokens != 2 || r.Grants != 1 {
		t.Fatalf("removal %+v (%v), want 2 tokens and 1 grant", r, err)
	}
	if _, err := s.OIDCClientByID(ctx, "ho-tich"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the client is still there: %v", err)
	}
	if _, err := s.OIDCRefreshTokenByHash(ctx, Digest("rt-g1"), now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the removed client's refresh token: %v, want ErrNotFound", err)
	}
	if _, err := s.OIDCAccessTokenByID(ctx, "at-g1", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the removed client's access token: %v, want ErrNotFound", err)
	}
	if _, err := s.OIDCAuthRequestByID(ctx, "g1", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the removed client's grant: %v, want ErrNotFound", err)
	}
	if _, err := s.OIDCRefreshTokenByHash(ctx, Digest("rt-g2"), now); err != nil {
		t.Fatalf("another client's refresh token: %v", err)
	}
	if _, err := s.DeleteOIDCClient(ctx, "ho-tich", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove twice: %v, want ErrNotFound", err)
	}
}
