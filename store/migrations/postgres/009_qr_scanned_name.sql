-- The phone holder's masked name, written by the scan: the desktop's status shows it on every
-- poll, and reading it from the QR row spares a citizen lookup per poll.
ALTER TABLE qr_logins ADD COLUMN scanned_name TEXT NOT NULL DEFAULT '';
