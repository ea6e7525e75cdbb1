-- The citizen's own view of where they are signed in ("Quản lý đăng nhập") and how they
-- logged in ("Lịch sử đăng nhập"): each browser session remembers the address and browser
-- that opened it, each grant (its auth request, then its refresh tokens) the browser whose IdP
-- session completed it, and each login is
-- recorded with its method, service, address and browser.
ALTER TABLE sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE oidc_auth_requests ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE oidc_auth_requests ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
-- A refresh token carries them on from its grant's auth request (purged minutes after the
-- login) through every rotation.
ALTER TABLE oidc_refresh_tokens ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE oidc_refresh_tokens ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';

CREATE TABLE login_history (
    id         INTEGER PRIMARY KEY,
    citizen_id TEXT NOT NULL,
    at         INTEGER NOT NULL,
    method     TEXT NOT NULL,                   -- qr | password_sms | password_app | password_totp | sso | app
    client_id  TEXT NOT NULL DEFAULT '',        -- the service; '' for the VNeID app itself
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_history_citizen ON login_history (citizen_id, at);
