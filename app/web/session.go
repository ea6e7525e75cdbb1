package web

import (
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

// SessionKind describes one actor's session: its cookie and lifetimes. Each actor has its own
// cookie and never reads another's.
type SessionKind struct {
	Kind     string        // stored kind: portal | idp | console
	Cookie   string        // cookie name
	Path     string        // cookie path
	Idle     time.Duration // ends after this much inactivity
	Absolute time.Duration // ends this long after creation regardless of activity
}

// RawSession is a loaded session whose data is still JSON; use Get and Set.
type RawSession struct {
	store.Session
	kind SessionKind
	id   string // the raw id, only known when the cookie was just read or issued
}

// ID returns the raw session id (for binding challenges to this browser: store its digest).
func (s *RawSession) ID() string { return s.id }

// Get decodes the session data into v.
func (s *RawSession) Get(v any) error {
	return json.Unmarshal([]byte(s.Data), v)
}

// Set encodes v as the session data (saved by Sessions.Save or Sessions.Regenerate).
func (s *RawSession) Set(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.Data = string(b)
	return nil
}

// Sessions loads and saves server-side sessions behind HttpOnly cookies.
type Sessions struct {
	Store  *store.Store
	Now    func() time.Time
	Secure bool
}

// Load returns the browser's live session of kind k, or nil when there is none.
func (m *Sessions) Load(c echo.Context, k SessionKind) (*RawSession, error) {
	return m.load(c, k)
}

func (m *Sessions) load(c echo.Context, k SessionKind) (*RawSession, error) {
	ck, err := c.Cookie(k.Cookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	now := m.Now()
	st, err := m.Store.SessionByHash(c.Request().Context(), k.Kind, store.Digest(ck.Value), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(st.SeenAt) > k.Idle {
		_ = m.Store.DeleteSession(c.Request().Context(), st.IDHash)
		return nil, nil
	}
	return &RawSession{Session: st, kind: k, id: ck.Value}, nil
}

// New returns a fresh unsaved session of kind k.
func (m *Sessions) New(k SessionKind) *RawSession {
	return &RawSession{kind: k, Session: m.newRow(k)}
}

func (m *Sessions) newRow(k SessionKind) store.Session {
	now := m.Now()
	return store.Session{Kind: k.Kind, Data: "{}", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(k.Absolute)}
}

// Save stores s, creating it (and its cookie) when new and touching its last-seen time.
func (m *Sessions) Save(c echo.Context, s *RawSession) error {
	s.SeenAt = m.Now()
	if s.IDHash == "" {
		return m.Regenerate(c, s)
	}
	return m.Store.UpdateSession(c.Request().Context(), s.Session)
}

// Regenerate gives s a new random id and cookie and deletes the old id, in one transaction.
// Call it after every authentication factor.
func (m *Sessions) Regenerate(c echo.Context, s *RawSession) error {
	old := s.IDHash
	s.id = RandomToken(32)
	s.IDHash = store.Digest(s.id)
	s.SeenAt = m.Now()
	if err := m.Store.ReplaceSession(c.Request().Context(), old, s.Session); err != nil {
		return err
	}
	m.setCookie(c, s.kind, s.id)
	return nil
}

// Destroy ends the browser's session of kind k and clears its cookie.
func (m *Sessions) Destroy(c echo.Context, k SessionKind) error {
	if ck, err := c.Cookie(k.Cookie); err == nil && ck.Value != "" {
		if err := m.Store.DeleteSession(c.Request().Context(), store.Digest(ck.Value)); err != nil {
			return err
		}
	}
	m.setCookie(c, k, "")
	return nil
}

// setCookie sets or clears the session cookie. No Expires on live cookies: a browser session
// cookie plus the server-side expiry is enough, and it does not depend on the client's clock.
func (m *Sessions) setCookie(c echo.Context, k SessionKind, value string) {
	ck := &http.Cookie{Name: k.Cookie, Value: value, Path: k.Path, HttpOnly: true, Secure: m.Secure,
		SameSite: http.SameSiteLaxMode}
	if value == "" {
		ck.MaxAge = -1
	}
	c.SetCookie(ck)
}

// RandomTokenFrom turns key material into a URL-safe token (for derived client secrets).
func RandomTokenFrom(key []byte) string {
	return base64.RawURLEncoding.EncodeToString(key)
}
