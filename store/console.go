package store

import (
	"context"
	"time"
)

// ListAttempts returns the newest authentication attempts first, for the console's log view.
func (s *Store) ListAttempts(ctx context.Context, limit int) ([]Attempt, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at, ip, id_number, citizen_id, kind, success, reason
		FROM login_attempts ORDER BY at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var at int64
		if err := rows.Scan(&at, &a.IP, &a.IDNumber, &a.CitizenID, &a.Kind, &a.Success, &a.Reason); err != nil {
			return nil, err
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountMessagesSince counts the outbox messages sent at or after since.
func (s *Store) CountMessagesSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE sent_at >= ?`, ms(since)).Scan(&n)
	return n, err
}

// CountAuditSince counts audit events of one actor and action at or after since.
func (s *Store) CountAuditSince(ctx context.Context, actor, action string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM audit_events WHERE actor = ? AND action = ? AND at >= ?`,
		actor, action, ms(since)).Scan(&n)
	return n, err
}
