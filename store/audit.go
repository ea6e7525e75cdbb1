package store

import (
	"context"
	"database/sql"
	"time"
)

// Event is one line of the audit trail.
type Event struct {
	ID        int64
	At        time.Time
	Actor     string
	Action    string
	CitizenID string
	IP        string
	Detail    string
}

// Audit appends an event to the audit trail.
func (s *Store) Audit(ctx context.Context, e Event) error {
	return insertEvent(ctx, s.w, e)
}

// execer is a connection or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertEvent(ctx context.Context, db execer, e Event) error {
	_, err := db.ExecContext(ctx, `INSERT INTO audit_events (at, actor, action, citizen_id, ip, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(e.At), e.Actor, e.Action, e.CitizenID, e.IP, e.Detail)
	return err
}

// ListAudit returns the newest events first.
func (s *Store) ListAudit(ctx context.Context, limit int) ([]Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, actor, action, citizen_id, ip, detail FROM audit_events
		ORDER BY at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.CitizenID, &e.IP, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
