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
