-- Core aggregates. Times are Unix milliseconds (UTC); booleans are 0/1.

CREATE TABLE citizens (
    id                TEXT PRIMARY KEY,          -- opaque, stable: the OIDC "sub"
    id_number         TEXT NOT NULL UNIQUE,      -- số định danh cá nhân, 12 digits
    full_name         TEXT NOT NULL,
    birth_date        TEXT NOT NULL,             -- YYYY-MM-DD
    gender            TEXT NOT NULL,             -- 'Nam' | 'Nữ'
    phone             TEXT NOT NULL,
    level             INTEGER NOT NULL CHECK (level IN (1, 2)),
    password_hash     TEXT NOT NULL,             -- argon2id PHC string
    passcode_hash     TEXT NOT NULL,             -- argon2id PHC string
    web_login         INTEGER NOT NULL DEFAULT 0,
    password_failures INTEGER NOT NULL DEFAULT 0,
    locked_until      INTEGER NOT NULL DEFAULT 0,
    passcode_failures INTEGER NOT NULL DEFAULT 0,
    passcode_cooldown_until INTEGER NOT NULL DEFAULT 0,
    passcode_locked   INTEGER NOT NULL DEFAULT 0,
    totp_secret       TEXT NOT NULL DEFAULT '',
    totp_last_step    INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
);

-- Every authentication attempt, for regulation (per-IP window) and the audit view.
CREATE TABLE login_attempts (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    ip         TEXT NOT NULL,
    id_number  TEXT NOT NULL DEFAULT '',
    citizen_id TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,                   -- password | otp | passcode | console
    success    INTEGER NOT NULL,
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_attempts_ip ON login_attempts (ip, success, at);

-- Server-side sessions of every kind (portal, idp, console, app). The cookie or bearer token
-- holds a random id; only its SHA-256 digest is stored here.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',        -- citizen id once authenticated
    data       TEXT NOT NULL DEFAULT '{}',      -- JSON owned by the kind's actor
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_subject ON sessions (kind, subject);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Second-factor challenges of the direct login, bound to one OIDC auth request and one
-- browser session.
CREATE TABLE otp_challenges (
    id              TEXT PRIMARY KEY,
    auth_request_id TEXT NOT NULL,
    session_hash    TEXT NOT NULL,
    citizen_id      TEXT NOT NULL REFERENCES citizens(id),
    channel         TEXT NOT NULL,              -- sms | app | totp
    code_hash       TEXT NOT NULL DEFAULT '',
    expires_at      INTEGER NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    sends           INTEGER NOT NULL DEFAULT 0,
    last_sent_at    INTEGER NOT NULL DEFAULT 0,
    used_at         INTEGER NOT NULL DEFAULT 0,
    dead            INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE INDEX otp_challenges_auth ON otp_challenges (auth_request_id);

-- SMS and in-app notices that reached a citizen's (simulated) phone: the outbox.
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    citizen_id TEXT NOT NULL DEFAULT '',
    channel    TEXT NOT NULL,                   -- sms | app
    sender     TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    body       TEXT NOT NULL,
    purpose    TEXT NOT NULL DEFAULT '',        -- login_otp | notice | ...
    sent_at    INTEGER NOT NULL
);
CREATE INDEX messages_citizen ON messages (citizen_id, sent_at);

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,                   -- portal | idp | phone | console | system
    action     TEXT NOT NULL,
    citizen_id TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at);

-- Server secrets generated on first start (cookie/CSRF keys, QR frame key, OIDC crypto key).
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
