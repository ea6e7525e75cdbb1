-- Every SMS the server sends, whatever it carries (a login code, a resend, a notice), for the
-- SMS budget: per account and per client IP in sliding windows. In-app notices cost nothing and
-- are not recorded here.
CREATE TABLE sms_sends (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    citizen_id TEXT NOT NULL,
    ip         TEXT NOT NULL,             -- the client key that set it off (an IPv6 address's /64)
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

-- The last attempt-log row when an operator last unlocked the citizen: the per-account count of
-- wrong codes (an hour across logins) counts only later rows, so an unlock is a fresh start for
-- codes too. A row id, not a time: it is exact even within one clock tick.
ALTER TABLE citizens ADD COLUMN code_failures_cleared_id INTEGER NOT NULL DEFAULT 0;

-- Account-wide attempt limits (the console's one operator account) count one kind from every IP.
CREATE INDEX login_attempts_kind ON login_attempts (kind, success, at);
