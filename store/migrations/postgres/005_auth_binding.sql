-- Every authorization request is bound to the browser that created it at /idp/authorize, and
-- its callback to the IdP session that completed it: whoever else opens its login page or polls
-- its callback gets nothing (a login link sent to a victim must not hand the victim's login to
-- the sender).
ALTER TABLE oidc_auth_requests ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';  -- digest of the creating browser's binding cookie
ALTER TABLE oidc_auth_requests ADD COLUMN session_hash TEXT NOT NULL DEFAULT '';  -- digest of the IdP session id that completed it
ALTER TABLE oidc_auth_requests ADD COLUMN client_key TEXT NOT NULL DEFAULT '';    -- client address (IPv6: its /64) that created it

-- Anonymous requests are capped per client address: this index counts them.
CREATE INDEX oidc_auth_requests_client_key ON oidc_auth_requests (client_key, expires_at) WHERE done = 0;
