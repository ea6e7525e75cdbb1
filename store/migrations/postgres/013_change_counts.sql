-- Counts of changes made to a table outside its own calls (see the SQLite version): a demo
-- reset or a deleted citizen bumps "qr_logins".
CREATE TABLE change_counts (
    name TEXT COLLATE "C" PRIMARY KEY,
    n    BIGINT NOT NULL
);
