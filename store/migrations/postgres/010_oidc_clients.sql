-- OpenID Connect clients an operator registered (CLI "dvclogin clients" or the console's
-- "Ứng dụng tích hợp"), beside the built-in ones that live in code. The provider reads this
-- table at each use, so a client added or removed while the server runs counts at once.
CREATE TABLE oidc_clients (
    id                        TEXT COLLATE "C" PRIMARY KEY,          -- the client_id: [a-z0-9][a-z0-9._-]{2,63}
    name                      TEXT NOT NULL,             -- the service's name the citizen is shown
    secret_hash               TEXT NOT NULL DEFAULT '',  -- hex SHA-256 of the generated secret; '' for a public client
    public                    BIGINT NOT NULL DEFAULT 0,-- no secret: PKCE S256 instead
    redirect_uris             TEXT NOT NULL,             -- space separated (a registered URI has no spaces)
    post_logout_redirect_uris TEXT NOT NULL DEFAULT '',  -- space separated
    created_at                BIGINT NOT NULL,
    secret_rotated_at         BIGINT NOT NULL DEFAULT 0,-- when the secret was last replaced; 0 = never
    CHECK ((public = 1) = (secret_hash = ''))
);
