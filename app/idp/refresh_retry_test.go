package idp_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"dvclogin/app/apptest"
)

// refreshed is a client holding the tokens of one login and of its first refresh, whose
// answer it may pretend to have lost.
type refreshed struct {
	env        *apptest.Env
	rp         *rp
	old, first *oauth2.Token // the login's tokens and the first refresh's
}

func newRefreshed(t *testing.T) *refreshed {
	t.Helper()
	env := apptest.New(t)
	r := newDemoRP(t, env, "profile", oidc.ScopeOfflineAccess)
	old, err := r.exchange(r.login(t, env.Client()))
	if err != nil {
		t.Fatal(err)
	}
	first, err := r.Refresh(context.Background(), old.RefreshToken)
	if err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	return &refreshed{env: env, rp: r, old: old, first: first}
}

func (f *refreshed) refresh(rt string) (*oauth2.Token, error) {
	return f.rp.Refresh(context.Background(), rt)
}

// wantInvalidGrant fails unless err is the token endpoint's invalid_grant.
func wantInvalidGrant(t *testing.T, what string, err error) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("%s: %v, want invalid_grant", what, err)
	}
}

// The answer to a refresh is lost (a crash, a dropped connection) and the client retries with
// the old refresh token within 30 s: it gets fresh tokens that work, and the lost ones are
// superseded, so presenting them later counts as the reuse of a copy.
func TestRefreshRetryWithinTheLeeway(t *testing.T) {
	f := newRefreshed(t)
	f.env.Clock.Advance(30 * time.Second)
	retried, err := f.refresh(f.old.RefreshToken)
	if err != nil {
		t.Fatalf("retry 30 s after the lost answer: %v", err)
	}
	if retried.RefreshToken == f.first.RefreshToken || retried.RefreshToken == f.old.RefreshToken {
		t.Fatal("the retry did not issue a fresh refresh token")
	}
	if st, _ := userinfoStatus(t, f.env, f.first.AccessToken); st == http.StatusOK {
		t.Fatal("the access token of the lost answer still works after the retry")
	}
	if st, _ := userinfoStatus(t, f.env, retried.AccessToken); st != http.StatusOK {
		t.Fatalf("the retry's access token: %d", st)
	}
	next, err := f.refresh(retried.RefreshToken)
	if err != nil {
		t.Fatalf("refresh with the retry's token: %v", err)
	}
	// The superseded successor presented after all: a copy is about, the grant dies.
	_, err = f.refresh(f.first.RefreshToken)
	wantInvalidGrant(t, "the superseded successor", err)
	if _, err := f.refresh(next.RefreshToken); err == nil {
		t.Fatal("the grant survived the reuse of a superseded successor")
	}
}

// Past the leeway, the old refresh token again is a copy in use somewhere: the grant dies.
func TestRefreshRetryAfterTheLeeway(t *testing.T) {
	f := newRefreshed(t)
	f.env.Clock.Advance(31 * time.Second)
	_, err := f.refresh(f.old.RefreshToken)
	wantInvalidGrant(t, "the old refresh token 31 s after its rotation", err)
	if _, err := f.refresh(f.first.RefreshToken); err == nil {
		t.Fatal("the successor survived the late reuse of its predecessor")
	}
}

// Once the successor was used, its answer was not lost: the old refresh token again is reuse,
// even within the leeway.
func TestRefreshRetryAfterTheSuccessorWasUsed(t *testing.T) {
	f := newRefreshed(t)
	second, err := f.refresh(f.first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.refresh(f.old.RefreshToken)
	wantInvalidGrant(t, "the old refresh token after its successor was used", err)
	if _, err := f.refresh(second.RefreshToken); err == nil {
		t.Fatal("the grant survived the reuse of a refresh token")
	}
}
