-- Counts of changes made to a table outside its own calls, so that a process that follows rows
-- of it (the server's held QR event streams) learns of them with one small read: a demo reset
-- (from the console or from the command line, another process) or a deleted citizen bumps
-- "qr_logins". Kept by a reset, which bumps it.
CREATE TABLE change_counts (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
);
