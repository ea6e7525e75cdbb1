-- QR logins (seed flow 1): one row per QR code a login page shows. The id is public (it is in
-- the QR); the frame secret never leaves the server, and of the binding secret (held by the
-- browser that started the login, in an HttpOnly cookie) only the digest is kept.
CREATE TABLE qr_logins (
    id                 TEXT PRIMARY KEY,
    auth_request_id    TEXT NOT NULL,
    client_name        TEXT NOT NULL DEFAULT '',    -- who asks, shown on the phone
    frame_secret       BYTEA  NOT NULL,               -- HMAC key of the rotating frames
    binding_hash       TEXT NOT NULL,               -- SHA-256 of the browser's binding secret
    state              TEXT NOT NULL CHECK (state IN ('waiting', 'scanned', 'confirmed', 'denied', 'expired', 'cancelled')),
    citizen_id         TEXT NOT NULL DEFAULT '',    -- set on scan
    app_session_hash   TEXT NOT NULL DEFAULT '',    -- the app session that scanned owns the login
    pending_permission BIGINT NOT NULL DEFAULT 0,  -- scanned while "Đăng nhập trên website" was off
    browser            TEXT NOT NULL DEFAULT '',    -- "Chrome 124 trên Windows"
    ip                 TEXT NOT NULL DEFAULT '',    -- the starting browser's address
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    scanned_at         BIGINT NOT NULL DEFAULT 0,
    decided_at         BIGINT NOT NULL DEFAULT 0,  -- confirmed, denied, cancelled or expired
    finished_at        BIGINT NOT NULL DEFAULT 0   -- the browser redeemed a confirmed login
);
CREATE INDEX qr_logins_ip ON qr_logins (ip, created_at);
CREATE INDEX qr_logins_citizen ON qr_logins (citizen_id, state, expires_at);
CREATE INDEX qr_logins_expiry ON qr_logins (expires_at);
