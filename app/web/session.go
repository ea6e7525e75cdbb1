package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/store"
)

// RandomToken returns n random bytes from the system CSPRNG, base64url without padding.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// RandomTokenFrom turns key material into a URL-safe token (for derived client secrets).
func RandomTokenFrom(key []byte) string {
	return base64.RawURLEncoding.EncodeToString(key)
}

// SessionKind describes one actor's session: its cookie and lifetimes. Each actor has its own
// cookie and never reads another's.
type SessionKind struct {
	Kind     string        // stored kind: portal | idp | console
	Cookie   string        // cookie name
	Path     string        // cookie path
	Idle     time.Duration // ends after this much inactivity
	Absolute time.Duration // ends this long after creation regardless of activity
}

// Sessions keeps server-side sessions behind HttpOnly cookies for every actor; each actor
// reaches its own through a SessionStore.
type Sessions struct {
	Store  *store.Store
	Now    func() time.Time
	Secure bool
}

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
// The row's own Data field holds the encoding of Data and is written by Save and Regenerate.
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
	ck, err := c.Cookie(ss.kind.Cookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	ctx := c.Request().Context()
	now := ss.m.Now()
	row, err := ss.m.Store.SessionByHash(ctx, ss.kind.Kind, store.Digest(ck.Value), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(row.SeenAt) > ss.kind.Idle {
		_ = ss.m.Store.DeleteSession(ctx, row.IDHash)
		return nil, nil
	}
	s := &Session[T]{Session: row, id: ck.Value}
	if err := json.Unmarshal([]byte(row.Data), &s.Data); err != nil {
		return nil, nil
	}
	return s, nil
}

// New returns a fresh unsaved session with zero data.
func (ss *SessionStore[T]) New() *Session[T] {
	now := ss.m.Now()
	return &Session[T]{Session: store.Session{Kind: ss.kind.Kind, Data: "{}", CreatedAt: now, SeenAt: now,
		ExpiresAt: now.Add(ss.kind.Absolute)}}
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
	if s.IDHash == "" {
		return ss.Regenerate(c, s)
	}
	if err := s.encode(); err != nil {
		return err
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
	old := s.IDHash
	s.id = RandomToken(32)
	s.IDHash = store.Digest(s.id)
	s.SeenAt = ss.m.Now()
	// Where and in which browser it was opened: the citizen's list of sessions shows it.
	s.IP, s.UserAgent = c.RealIP(), c.Request().UserAgent()
	if len(s.UserAgent) > maxUserAgent {
		s.UserAgent = s.UserAgent[:maxUserAgent]
	}
	if err := ss.m.Store.ReplaceSession(c.Request().Context(), old, s.Session); err != nil {
		return err
	}
	ss.setCookie(c, s.id)
	return nil
}

// maxUserAgent is how much of a User-Agent header a session keeps: enough to name the browser.
const maxUserAgent = 512

// Destroy ends the browser's session and clears its cookie.
func (ss *SessionStore[T]) Destroy(c echo.Context) error {
	if ck, err := c.Cookie(ss.kind.Cookie); err == nil && ck.Value != "" {
		if err := ss.m.Store.DeleteSession(c.Request().Context(), store.Digest(ck.Value)); err != nil {
			return err
		}
	}
	ss.setCookie(c, "")
	return nil
}

// CountAnonymous counts the live sessions not (yet) authenticated that the client clientKey
// created since since: the bound on sessions anyone can make without logging in.
func (ss *SessionStore[T]) CountAnonymous(ctx context.Context, clientKey string, since time.Time) (int, error) {
	return ss.m.Store.CountAnonymousSessions(ctx, ss.kind.Kind, clientKey, since, ss.m.Now())
}

// setCookie sets or clears the session cookie. No Expires on live cookies: a browser session
// cookie plus the server-side expiry is enough, and it does not depend on the client's clock.
func (ss *SessionStore[T]) setCookie(c echo.Context, value string) {
	ck := &http.Cookie{Name: ss.kind.Cookie, Value: value, Path: ss.kind.Path, HttpOnly: true, Secure: ss.m.Secure,
		SameSite: http.SameSiteLaxMode}
	if value == "" {
		ck.MaxAge = -1
	}
	c.SetCookie(ck)
}

func (s *Session[T]) encode() error {
	b, err := json.Marshal(s.Data)
	if err != nil {
		return err
	}
	s.Session.Data = string(b)
	return nil
}
