-- The OpenID Connect provider: authorization requests, codes, tokens and the signing key.
-- Codes and refresh tokens are bearer secrets: only their SHA-256 digests are stored. Access
-- tokens are encrypted by the provider around the row id, so the id alone grants nothing.

-- One row per authorization request. It is the login in progress (the login pages know it by
-- id), then the grant every token descends from: reusing its code revokes them all.
CREATE TABLE oidc_auth_requests (
    id                    TEXT PRIMARY KEY,         -- random; in the login page URL
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,            -- space separated
    state                 TEXT NOT NULL DEFAULT '',
    nonce                 TEXT NOT NULL DEFAULT '',
    response_type         TEXT NOT NULL,
    response_mode         TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    prompt                TEXT NOT NULL DEFAULT '', -- space separated
    max_age               BIGINT,                  -- seconds; NULL when the client set none
    login_hint            TEXT NOT NULL DEFAULT '',
    subject               TEXT NOT NULL DEFAULT '', -- citizen id once authenticated
    acr                   TEXT NOT NULL DEFAULT '',
    amr                   TEXT NOT NULL DEFAULT '', -- space separated
    auth_time             BIGINT NOT NULL DEFAULT 0,
    done                  BIGINT NOT NULL DEFAULT 0,
    code_hash             TEXT,                     -- NULL until the code is issued
    code_expires_at       BIGINT NOT NULL DEFAULT 0,
    code_used_at          BIGINT NOT NULL DEFAULT 0,
    created_at            BIGINT NOT NULL,
    expires_at            BIGINT NOT NULL          -- the login must finish before this
);
CREATE UNIQUE INDEX oidc_auth_requests_code ON oidc_auth_requests (code_hash) WHERE code_hash IS NOT NULL;
CREATE INDEX oidc_auth_requests_created ON oidc_auth_requests (created_at);

-- Access tokens (opaque to clients). grant_id is the auth request they descend from.
CREATE TABLE oidc_access_tokens (
    id         TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    acr        TEXT NOT NULL DEFAULT '',
    amr        TEXT NOT NULL DEFAULT '',
    auth_time  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX oidc_access_tokens_grant ON oidc_access_tokens (grant_id);
CREATE INDEX oidc_access_tokens_subject ON oidc_access_tokens (subject, client_id);
CREATE INDEX oidc_access_tokens_expiry ON oidc_access_tokens (expires_at);

-- Refresh tokens, rotated on every use. A used (rotated) token presented again means it was
-- copied: the whole grant is revoked.
CREATE TABLE oidc_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    acr        TEXT NOT NULL DEFAULT '',
    amr        TEXT NOT NULL DEFAULT '',
    auth_time  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,               -- absolute: rotation does not extend it
    used_at    BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX oidc_refresh_tokens_grant ON oidc_refresh_tokens (grant_id);
CREATE INDEX oidc_refresh_tokens_subject ON oidc_refresh_tokens (subject, client_id);
CREATE INDEX oidc_refresh_tokens_expiry ON oidc_refresh_tokens (expires_at);

-- Token signing keys. The newest is used; all are published so tokens signed before a
-- rotation still verify.
CREATE TABLE oidc_signing_keys (
    id          TEXT COLLATE "C" PRIMARY KEY,     -- the JWK "kid"
    algorithm   TEXT NOT NULL,                    -- RS256
    private_der BYTEA  NOT NULL,                    -- PKCS #8
    created_at  BIGINT NOT NULL
);
