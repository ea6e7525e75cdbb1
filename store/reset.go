package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
)

// keptTables survive a reset: the server's secrets (master secret, console password), the
// OIDC signing keys, the OIDC clients integrators registered (their services must not stop
// working because a class ended; their grants and tokens go with the demo data), the change
// counts (a reset bumps them: a count that started again could meet its old value), the
// settings the operator changed in the console (the room's configuration, such as number
// matching), and the record of the schema. Every other table, including any added later, holds demo data and is
// emptied.
var keptTables = map[string]bool{"schema_migrations": true, "secrets": true, "oidc_signing_keys": true, "oidc_clients": true,
	"change_counts": true, "settings": true}

// DemoData counts rows of the demo data, grouped as an operator thinks of them.
type DemoData struct {
	Citizens int
	Sessions int // browser and app sessions of every kind
	Logins   int // OIDC authorization requests (logins in progress and grants) and QR logins
	Tokens   int // OIDC access and refresh tokens
	Codes    int // OTP challenges, device activation and SIM transfer codes
	Devices  int // phones and the SIMs they hold
	Messages int // SMS and in-app notices
	Attempts int // login attempts and SMS sends the limits count
	Audit    int // audit events and the citizens' login history
	Other    int // rows of tables not named above
}

// add counts n rows of table in their group.
func (d *DemoData) add(table string, n int) {
	switch table {
	case "citizens":
		d.Citizens += n
	case "sessions":
		d.Sessions += n
	case "oidc_auth_requests", "qr_logins", "device_grants":
		d.Logins += n
	case "oidc_access_tokens", "oidc_refresh_tokens":
		d.Tokens += n
	case "otp_challenges", "device_activations", "sim_transfers":
		d.Codes += n
	case "devices", "sims":
		d.Devices += n
	case "messages":
		d.Messages += n
	case "login_attempts", "sms_sends", "unknown_id_failures":
		d.Attempts += n
	case "audit_events", "login_history":
		d.Audit += n
	default:
		d.Other += n
	}
}

// demoTables lists the tables a reset empties.
func demoTables(ctx context.Context, pg bool, q querier) ([]string, error) {
	query := `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if pg {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
			AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	all, err := names(ctx, q, query)
	return slices.DeleteFunc(all, func(name string) bool { return keptTables[name] }), err
}

// quoteIdent quotes a table name taken from the schema.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// CountDemoData counts what a reset would delete (the confirmation lists it).
func (s *Store) CountDemoData(ctx context.Context) (DemoData, error) {
	var d DemoData
	tables, err := demoTables(ctx, s.pg, s.r)
	if err != nil {
		return d, err
	}
	for _, t := range tables {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+quoteIdent(t)).Scan(&n); err != nil {
			return d, err
		}
		d.add(t, n)
	}
	return d, nil
}

// Reset is what ResetDemo puts back.
type Reset struct {
	Citizens    []Citizen // the demo citizens, hashes included
	KeepSession string    // digest of the one session that survives (the operator who asked); "" for none
	Event       Event     // the first event of the new audit trail: who reset
}

// ResetDemo empties every table of demo data and seeds r.Citizens, in one transaction: every
// citizen, session, OIDC grant and token, QR login, code, device, SIM, message, attempt and
// audit event is gone at once, and a reader sees either the old data or the new. Keys and
// secrets stay. It returns what it deleted.
func (s *Store) ResetDemo(ctx context.Context, r Reset) (DemoData, error) {
	var d DemoData
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// Foreign keys are checked at commit, when the referencing rows are gone too: no
		// table order to keep in step with the schema. (PostgreSQL's foreign keys are all
		// DEFERRABLE for this.)
		deferFKs := `PRAGMA defer_foreign_keys = ON`
		if s.pg {
			deferFKs = `SET CONSTRAINTS ALL DEFERRED`
		}
		if _, err := tx.ExecContext(ctx, deferFKs); err != nil {
			return err
		}
		tables, err := demoTables(ctx, s.pg, tx)
		if err != nil {
			return err
		}
		d = DemoData{}
		for _, t := range tables {
			query, args := `DELETE FROM `+quoteIdent(t), []any{}
			if t == "sessions" {
				query, args = query+` WHERE id_hash <> ?`, append(args, r.KeepSession)
			}
			res, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			d.add(t, int(n))
		}
		if err := insertCitizens(ctx, tx, r.Citizens); err != nil {
			return err
		}
		if err := qrLoginsChanged(ctx, tx); err != nil {
			return err
		}
		return insertEvent(ctx, tx, r.Event)
	})
	return d, err
}
