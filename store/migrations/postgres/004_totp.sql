-- Authenticator-app (TOTP) enrollment. A new secret waits here, sealed like the active one in
-- citizens.totp_secret, until the citizen proves with a first code that the authenticator holds
-- it: a secret the citizen never confirmed must not become a login factor, and a re-enrollment
-- must not drop the working one before the new one works.
ALTER TABLE citizens ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE citizens ADD COLUMN totp_pending_at BIGINT NOT NULL DEFAULT 0;
