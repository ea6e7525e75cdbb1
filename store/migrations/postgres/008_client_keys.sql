-- Per-IP limits count by client key, not by address: an IPv4 address, or the /64 prefix of an
-- IPv6 address (one subscriber gets a whole /64 and can hop between its 2^64 addresses). The
-- full address stays in ip for the audit views and the phone's "requested from" line. Rows
-- from before this migration keep their address as key; they age out of every window.
ALTER TABLE login_attempts ADD COLUMN ip_key TEXT NOT NULL DEFAULT '';
UPDATE login_attempts SET ip_key = ip;
CREATE INDEX login_attempts_ip_key ON login_attempts (ip_key, success, at);

ALTER TABLE qr_logins ADD COLUMN ip_key TEXT NOT NULL DEFAULT '';
UPDATE qr_logins SET ip_key = ip;
CREATE INDEX qr_logins_ip_key ON qr_logins (ip_key, created_at);

-- A browser's session before login (the portal's, while the citizen is at the identity
-- provider) records the client key that created it: one client may hold only so many.
ALTER TABLE sessions ADD COLUMN client_key TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_anonymous ON sessions (kind, client_key, created_at) WHERE subject = '';
