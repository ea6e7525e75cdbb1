-- Settings an operator changes in the console while the server runs ("Cấu hình"), by name. A
-- demo reset keeps them: they are the room's configuration, not demo data.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Number matching ("Đối chiếu số") on a QR login, when the setting was on at the scan: the number
-- the desktop shows (10–99), the three the phone offers (comma-separated, the right one among
-- them) and the one the citizen picked (0 until then; a wrong one denies the login).
ALTER TABLE qr_logins ADD COLUMN match_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE qr_logins ADD COLUMN match_choices TEXT NOT NULL DEFAULT '';
ALTER TABLE qr_logins ADD COLUMN match_picked INTEGER NOT NULL DEFAULT 0;
