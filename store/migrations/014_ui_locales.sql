-- The languages a client asks the login pages to speak (OpenID Connect ui_locales), in its
-- order of preference, space-separated.
ALTER TABLE oidc_auth_requests ADD COLUMN ui_locales TEXT NOT NULL DEFAULT '';
