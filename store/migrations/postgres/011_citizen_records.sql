-- Citizens are now added, edited and removed by the operator (console, command line), not only
-- seeded.

-- A phone number belongs to one citizen: its SMS go to the number's one SIM, held by one device.
CREATE UNIQUE INDEX citizens_phone ON citizens (phone);

-- Whether the citizen's password and passcode are still the published demo ones. The server
-- keeps only hashes, so this is how the console knows whose secrets it may print (login cards,
-- the demo sheet). Whoever creates a citizen with the demo secrets sets it; any reset clears it.
-- Until now every citizen was seeded with the demo secrets, unless an operator reset one since,
-- which the audit trail records.
ALTER TABLE citizens ADD COLUMN password_is_demo BIGINT NOT NULL DEFAULT 0;
ALTER TABLE citizens ADD COLUMN passcode_is_demo BIGINT NOT NULL DEFAULT 0;
UPDATE citizens SET
    password_is_demo = (id NOT IN (SELECT citizen_id FROM audit_events WHERE actor = 'console' AND action = 'password_reset'))::int,
    passcode_is_demo = (id NOT IN (SELECT citizen_id FROM audit_events WHERE actor = 'console' AND action = 'passcode_reset'))::int;
