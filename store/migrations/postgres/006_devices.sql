-- Devices and SIMs of the phone app (the VNeID app activates on a new phone with an SMS code to
-- the registered SIM). A device is a phone simulator in a browser or any API client; it holds a
-- random device key, of which only the SHA-256 digest is kept here.
CREATE TABLE devices (
    id         TEXT PRIMARY KEY,                -- random, public: named in sessions, SIMs, audit
    key_hash   TEXT NOT NULL UNIQUE,            -- SHA-256 of the device key
    label      TEXT NOT NULL DEFAULT '',        -- "Chrome 124 trên Android", from the first request
    created_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);

-- The SIM of each citizen's phone number sits in at most one device. Only that device reads the
-- SMS sent to the number.
CREATE TABLE sims (
    citizen_id TEXT PRIMARY KEY REFERENCES citizens(id) ON DELETE CASCADE DEFERRABLE,
    device_id  TEXT NOT NULL REFERENCES devices(id) DEFERRABLE,
    since      BIGINT NOT NULL
);

-- The app session remembers the device it was opened on.
ALTER TABLE sessions ADD COLUMN device_id TEXT NOT NULL DEFAULT '';

-- Activation of the app on a device that does not hold the citizen's SIM: a 6-digit code sent
-- by SMS to the SIM, kept as an HMAC bound to this row.
CREATE TABLE device_activations (
    rowid      BIGINT GENERATED ALWAYS AS IDENTITY, -- SQLite's implicit rowid: the newest of one millisecond
    id         TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL,
    citizen_id TEXT NOT NULL REFERENCES citizens(id) ON DELETE CASCADE DEFERRABLE,
    code_hash  TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    failures   BIGINT NOT NULL DEFAULT 0,
    used_at    BIGINT NOT NULL DEFAULT 0,
    dead       BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX device_activations_device ON device_activations (device_id, citizen_id, created_at);

-- Moving a SIM to another device: a one-time code shown as a QR (console or the holding app).
CREATE TABLE sim_transfers (
    code_hash      TEXT PRIMARY KEY,            -- SHA-256 of the transfer code
    citizen_id     TEXT NOT NULL REFERENCES citizens(id) ON DELETE CASCADE DEFERRABLE,
    created_by     TEXT NOT NULL,               -- console | phone
    from_device_id TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT NOT NULL DEFAULT 0,
    used_by_device TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sim_transfers_expiry ON sim_transfers (expires_at);
