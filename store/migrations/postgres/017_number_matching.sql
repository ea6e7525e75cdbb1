-- Settings an operator changes in the console while the server runs, and number matching on a
-- QR login (see the SQLite version).
CREATE TABLE settings (
    name       TEXT COLLATE "C" PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
ALTER TABLE qr_logins ADD COLUMN match_number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE qr_logins ADD COLUMN match_choices TEXT NOT NULL DEFAULT '';
ALTER TABLE qr_logins ADD COLUMN match_picked BIGINT NOT NULL DEFAULT 0;
