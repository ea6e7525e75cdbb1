-- Logins at a counter or kiosk by device code (RFC 8628): the kiosk holds the device code
-- (stored as its digest), the citizen's app names the request by its user code.
CREATE TABLE device_grants (
    id               TEXT PRIMARY KEY,      -- the grant the tokens descend from
    device_code_hash TEXT NOT NULL UNIQUE,
    user_code        TEXT NOT NULL UNIQUE,  -- without its dash
    client_id        TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    ip               TEXT NOT NULL,
    ip_key           TEXT NOT NULL,
    browser          TEXT NOT NULL,
    state            TEXT NOT NULL,         -- pending, approved, denied, redeemed
    citizen_id       TEXT NOT NULL DEFAULT '',
    acr              TEXT NOT NULL DEFAULT '',
    amr              TEXT NOT NULL DEFAULT '',
    auth_time        INTEGER NOT NULL DEFAULT 0,
    interval_s       INTEGER NOT NULL,      -- the polling interval, grown by slow_down
    polled_at        INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);
CREATE INDEX device_grants_ip ON device_grants (ip_key, expires_at);
CREATE INDEX device_grants_expires ON device_grants (expires_at);
