package store

// The OpenID Connect provider's token signing keys.

import (
	"context"
	"database/sql"
	"time"
)

// OIDCSigningKey is a stored token signing key.
type OIDCSigningKey struct {
	ID         string // JWK key id
	Algorithm  string
	PrivateDER []byte // PKCS #8
	CreatedAt  time.Time
}

// OIDCSigningKeys returns every signing key, newest first.
func (s *Store) OIDCSigningKeys(ctx context.Context) ([]OIDCSigningKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, algorithm, private_der, created_at FROM oidc_signing_keys
		ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OIDCSigningKey
	for rows.Next() {
		var k OIDCSigningKey
		var created int64
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PrivateDER, &created); err != nil {
			return nil, err
		}
		k.CreatedAt = fromMS(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// EnsureOIDCSigningKey returns the newest signing key, creating one with gen when there is
// none. gen runs outside any transaction (RSA key generation takes a while); if another
// instance stored a key meanwhile, that one wins and the generated key is dropped.
func (s *Store) EnsureOIDCSigningKey(ctx context.Context, gen func() (OIDCSigningKey, error)) (OIDCSigningKey, error) {
	keys, err := s.OIDCSigningKeys(ctx)
	if err != nil || len(keys) > 0 {
		if err != nil {
			return OIDCSigningKey{}, err
		}
		return keys[0], nil
	}
	k, err := gen()
	if err != nil {
		return k, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM oidc_signing_keys`).Scan(&n); err != nil || n > 0 {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_signing_keys (id, algorithm, private_der, created_at)
			VALUES (?, ?, ?, ?)`, k.ID, k.Algorithm, k.PrivateDER, ms(k.CreatedAt))
		return err
	})
	if err != nil {
		return k, err
	}
	keys, err = s.OIDCSigningKeys(ctx)
	if err != nil {
		return k, err
	}
	return keys[0], nil
}
