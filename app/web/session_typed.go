package web

import (
	"context"
	"encoding/json"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/store"
)

// SessionStore is one actor's browser sessions with data of type T: its own cookie, its own
// kind in the sessions table, its lifetimes. Handlers load a *Session[T], change Data and save
// it; the JSON encoding stays here.
type SessionStore[T any] struct {
	m    *Sessions
	kind SessionKind
}

// NewSessionStore returns the sessions of kind k kept by m.
func NewSessionStore[T any](m *Sessions, k SessionKind) *SessionStore[T] {
	return &SessionStore[T]{m: m, kind: k}
}

// Session is a loaded session: the stored row (subject, times, client key) and its data.
// The row's own Data field holds the encoding of Data and is written by Save.
type Session[T any] struct {
	store.Session
	Data T
	id   string // the raw id, only known when the cookie was just read or issued
}

// ID returns the raw session id (for binding challenges to this browser: store its digest).
func (s *Session[T]) ID() string { return s.id }

// Kind returns the session kind this store keeps.
func (ss *SessionStore[T]) Kind() SessionKind { return ss.kind }

// Load returns the browser's live session, or nil when there is none. Data that no longer
// decodes (a session written by an older version) counts as no session rather than a broken
// page.
func (ss *SessionStore[T]) Load(c echo.Context) (*Session[T], error) {
	raw, err := ss.m.load(c, ss.kind)
	if err != nil || raw == nil {
		return nil, err
	}
	s := &Session[T]{Session: raw.Session, id: raw.id}
	if err := json.Unmarshal([]byte(raw.Data), &s.Data); err != nil {
		return nil, nil
	}
	return s, nil
}

// New returns a fresh unsaved session with zero data.
func (ss *SessionStore[T]) New() *Session[T] {
	return &Session[T]{Session: ss.m.newRow(ss.kind)}
}

// LoadOrNew returns the browser's live session, or a fresh unsaved one.
func (ss *SessionStore[T]) LoadOrNew(c echo.Context) (*Session[T], error) {
	s, err := ss.Load(c)
	if err != nil || s != nil {
		return s, err
	}
	return ss.New(), nil
}

// Save stores s, creating it (and its cookie) when new and touching its last-seen time.
func (ss *SessionStore[T]) Save(c echo.Context, s *Session[T]) error {
	if err := s.encode(); err != nil {
		return err
	}
	if s.IDHash == "" {
		return ss.Regenerate(c, s)
	}
	s.SeenAt = ss.m.Now()
	return ss.m.Store.UpdateSession(c.Request().Context(), s.Session)
}

// Touch saves s when it was last seen at least every ago: it keeps a session alive for its
// idle timeout without a write on every request (pages that poll would write every second).
func (ss *SessionStore[T]) Touch(c echo.Context, s *Session[T], every time.Duration) error {
	if ss.m.Now().Sub(s.SeenAt) < every {
		return nil
	}
	return ss.Save(c, s)
}

// Regenerate gives s a new random id and cookie and deletes the old id, in one transaction.
// Call it after every authentication factor.
func (ss *SessionStore[T]) Regenerate(c echo.Context, s *Session[T]) error {
	if err := s.encode(); err != nil {
		return err
	}
	s.id = RandomToken(32)
	old := s.IDHash
	s.IDHash = store.Digest(s.id)
	s.SeenAt = ss.m.Now()
	if err := ss.m.Store.ReplaceSession(c.Request().Context(), old, s.Session); err != nil {
		return err
	}
	ss.m.setCookie(c, ss.kind, s.id)
	return nil
}

// Destroy ends the browser's session and clears its cookie.
func (ss *SessionStore[T]) Destroy(c echo.Context) error {
	return ss.m.Destroy(c, ss.kind)
}

// CountAnonymous counts the live sessions not (yet) authenticated that the client clientKey
// created since since: the bound on sessions anyone can make without logging in.
func (ss *SessionStore[T]) CountAnonymous(ctx context.Context, clientKey string, since time.Time) (int, error) {
	return ss.m.Store.CountAnonymousSessions(ctx, ss.kind.Kind, clientKey, since, ss.m.Now())
}

func (s *Session[T]) encode() error {
	b, err := json.Marshal(s.Data)
	if err != nil {
		return err
	}
	s.Session.Data = string(b)
	return nil
}
