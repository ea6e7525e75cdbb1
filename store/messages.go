package store

import (
	"context"
	"time"
)

// Message is an SMS or an in-app notice that reached a citizen's (simulated) phone.
type Message struct {
	ID        int64
	CitizenID string
	Channel   string // sms | app
	Sender    string
	Recipient string
	Body      string
	Purpose   string // login_otp | notice | ...
	SentAt    time.Time
}

// AddMessage appends a message to the outbox.
func (s *Store) AddMessage(ctx context.Context, m Message) (int64, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO messages (citizen_id, channel, sender, recipient, body, purpose, sent_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, m.CitizenID, m.Channel, m.Sender, m.Recipient, m.Body, m.Purpose, ms(m.SentAt))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// MessagesFor returns a citizen's messages, newest first.
func (s *Store) MessagesFor(ctx context.Context, citizenID string, limit int) ([]Message, error) {
	return s.messages(ctx, `WHERE citizen_id = ?`, citizenID, limit)
}

// ListMessages returns the whole outbox, newest first.
func (s *Store) ListMessages(ctx context.Context, limit int) ([]Message, error) {
	return s.messages(ctx, `WHERE ? = ''`, "", limit)
}

func (s *Store) messages(ctx context.Context, where string, arg any, limit int) ([]Message, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, citizen_id, channel, sender, recipient, body, purpose, sent_at
		FROM messages `+where+` ORDER BY sent_at DESC, id DESC LIMIT ?`, arg, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var sent int64
		if err := rows.Scan(&m.ID, &m.CitizenID, &m.Channel, &m.Sender, &m.Recipient, &m.Body, &m.Purpose, &sent); err != nil {
			return nil, err
		}
		m.SentAt = fromMS(sent)
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountMessages counts a citizen's messages of one purpose sent at or after since.
func (s *Store) CountMessages(ctx context.Context, citizenID, purpose string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE citizen_id = ? AND purpose = ? AND sent_at >= ?`,
		citizenID, purpose, ms(since)).Scan(&n)
	return n, err
}
