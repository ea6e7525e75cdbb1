-- A refresh whose answer was lost may be retried with the old refresh token for a few seconds
-- (store.RefreshRetryLeeway), while nothing of that answer was used: a refresh token remembers
-- its successor, a successor the access token issued with it, and an access token when it was
-- first used.
ALTER TABLE oidc_refresh_tokens ADD COLUMN successor TEXT NOT NULL DEFAULT '';
ALTER TABLE oidc_refresh_tokens ADD COLUMN access_id TEXT NOT NULL DEFAULT '';
ALTER TABLE oidc_access_tokens ADD COLUMN used_at BIGINT NOT NULL DEFAULT 0;
