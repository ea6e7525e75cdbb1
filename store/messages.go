package store

import (
	"context"
	"database/sql"
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
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO messages (citizen_id, channel, sender, recipient, body, purpose, sent_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.CitizenID, m.Channel, m.Sender, m.Recipient, m.Body, m.Purpose, ms(m.SentAt)).Scan(&id)
	return id, err
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

// SMSBudget is how many SMS may go out in sliding windows: per account (a short window and an
// hour) and per client IP that set them off (an hour, across accounts).
type SMSBudget struct {
	AccountMax     int
	AccountWindow  time.Duration
	AccountHourMax int
	IPHourMax      int
}

// SMSClientLimit is the index of the client IP's hour in a *LimitError from ReserveSMS; the
// lower ones are the account's (its short window, then its hour).
const SMSClientLimit = 2

// ReserveSMS takes one SMS for citizenID, set off from ip (counted by its ClientKey), out of the
// budget at now, or refuses with a *LimitError naming the full limit.
// Counting and recording are one transaction on the single writer, so parallel sends cannot
// together exceed the budget.
func (s *Store) ReserveSMS(ctx context.Context, citizenID, ip, purpose string, now time.Time, b SMSBudget) error {
	ip = ClientKey(ip)
	return s.tx(ctx, func(tx *sql.Tx) error {
		for i, l := range []struct {
			where string
			key   string
			max   int
			win   time.Duration
		}{
			{"citizen_id = ?", citizenID, b.AccountMax, b.AccountWindow},
			{"citizen_id = ?", citizenID, b.AccountHourMax, time.Hour},
			{"ip = ?", ip, b.IPHourMax, time.Hour},
		} {
			free, full, err := windowFull(ctx, tx, `SELECT at FROM sms_sends WHERE `+l.where+` AND at > ?`,
				[]any{l.key, ms(now.Add(-l.win))}, l.max, l.win)
			if err != nil {
				return err
			}
			if full {
				return &LimitError{Limit: i, FreeAt: free}
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sms_sends (at, citizen_id, ip, purpose) VALUES (?, ?, ?, ?)`,
			ms(now), citizenID, ip, purpose)
		return err
	})
}
