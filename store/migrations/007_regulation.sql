-- Every SMS the server sends, whatever it carries (a login code, a resend, a notice), for the
-- SMS budget: per account and per client IP in sliding windows. In-app notices cost nothing and
-- are not recorded here.
CREATE TABLE sms_sends (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    citizen_id TEXT NOT NULL,
    ip         TEXT NOT NULL,
    purpose    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sms_sends_citizen ON sms_sends (citizen_id, at);
CREATE INDEX sms_sends_ip ON sms_sends (ip, at);

-- Wrong passwords typed for ID numbers that belong to no citizen, counted exactly like a
-- citizen's consecutive failures: an unknown ID "locks" after as many wrong passwords as a real
-- one, so the lock does not tell which ID numbers exist.
CREATE TABLE unknown_id_failures (
    id_number    TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0
);
