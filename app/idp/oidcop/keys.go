package oidcop

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"dvclogin/store"
)

// signingKey is an RSA token signing key. It implements op.SigningKey and op.Key (its public
// half).
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

// SignatureAlgorithm implements op.SigningKey: RS256, which every OIDC client supports.
func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }

// Key implements op.SigningKey.
func (k *signingKey) Key() any { return k.key }

// ID implements op.SigningKey and op.Key.
func (k *signingKey) ID() string { return k.id }

// publicKey is the published half of a signing key.
type publicKey struct{ *signingKey }

// Algorithm implements op.Key.
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }

// Use implements op.Key.
func (k publicKey) Use() string { return "sig" }

// Key implements op.Key.
func (k publicKey) Key() any { return &k.key.PublicKey }

// loadSigningKeys returns the current signing key and every published key, generating and
// storing an RSA 2048 key on first start: a restart keeps issued tokens verifiable.
func loadSigningKeys(ctx context.Context, st *store.Store, now time.Time) (*signingKey, []op.Key, error) {
	if _, err := st.EnsureOIDCSigningKey(ctx, func() (store.OIDCSigningKey, error) {
		return newSigningKey(now)
	}); err != nil {
		return nil, nil, fmt.Errorf("oidc signing key: %w", err)
	}
	stored, err := st.OIDCSigningKeys(ctx)
	if err != nil {
		return nil, nil, err
	}
	var current *signingKey
	var published []op.Key
	for _, s := range stored {
		if s.Algorithm != string(jose.RS256) {
			continue
		}
		pk, err := x509.ParsePKCS8PrivateKey(s.PrivateDER)
		if err != nil {
			return nil, nil, fmt.Errorf("oidc signing key %s: %w", s.ID, err)
		}
		rk, ok := pk.(*rsa.PrivateKey)
		if !ok {
			return nil, nil, fmt.Errorf("oidc signing key %s: not an RSA key", s.ID)
		}
		k := &signingKey{id: s.ID, key: rk}
		if current == nil {
			current = k // newest first
		}
		published = append(published, publicKey{k})
	}
	if current == nil {
		return nil, nil, fmt.Errorf("oidc signing key: none usable")
	}
	return current, published, nil
}

// newSigningKey generates an RSA 2048 key whose id is its RFC 7638 thumbprint.
func newSigningKey(now time.Time) (store.OIDCSigningKey, error) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return store.OIDCSigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(rk)
	if err != nil {
		return store.OIDCSigningKey{}, err
	}
	jwk := jose.JSONWebKey{Key: &rk.PublicKey}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return store.OIDCSigningKey{}, err
	}
	return store.OIDCSigningKey{ID: base64.RawURLEncoding.EncodeToString(sum), Algorithm: string(jose.RS256),
		PrivateDER: der, CreatedAt: now}, nil
}
