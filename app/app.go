// Package app is the composition root: it turns a Config into a running HTTP server with the
// four actors (portal, identity provider, phone simulator, operator console) mounted.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"dvclogin/app/console"
	"dvclogin/app/idp"
	"dvclogin/app/phone"
	"dvclogin/app/portal"
	"dvclogin/app/regulator"
	"dvclogin/app/tlscert"
	"dvclogin/app/web"
	"dvclogin/assets"
	"dvclogin/store"
)

// App is a configured dvclogin server.
type App struct {
	cfg       Config
	store     *store.Store
	hasher    *web.Hasher
	hub       *web.Hub
	relay     *web.Relay // nil on SQLite: no other instance to hear
	publicURL *url.URL
	render    *web.Renderer
	cert      *tlscert.Certificate // nil on plain HTTP
	echo      *echo.Echo
	ready     atomic.Bool

	portal  *portal.Portal
	idp     *idp.IdP
	phone   *phone.Simulator
	console *console.Console

	// GeneratedAdminPassword is set when this start generated the console password; the
	// banner prints it once.
	GeneratedAdminPassword string
	// Seeded reports whether this start created the demo data.
	Seeded bool
	// Hashed reports whether this start computed argon2id hashes (a first start, a new
	// console password), whose memory is worth giving back before serving.
	Hashed bool
}

// New opens the database, applies migrations, seeds demo data and builds the router.
func New(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a := &App{cfg: cfg, store: st}
	if err := a.build(ctx); err != nil {
		if a.relay != nil {
			a.relay.Close()
		}
		st.Close()
		return nil, err
	}
	return a, nil
}

// DatabaseFile is the database in the data folder dir.
func DatabaseFile(dir string) string { return filepath.Join(dir, "dvclogin.db") }

// Database is what store.Open opens: the PostgreSQL URL c.DB, or the SQLite file in c.DataDir.
func (c Config) Database() string {
	if c.DB != "" {
		return c.DB
	}
	return DatabaseFile(c.DataDir)
}

// shared is what the composition root builds once and hands out, piece by piece, to the
// actors that use it.
type shared struct {
	site     web.Site
	master   []byte // never leaves this package: actors get keys derived for one purpose
	sessions *web.Sessions
	hasher   *web.Hasher
	limits   web.Limits
}

// key derives the key for one purpose from the master secret.
func (sh *shared) key(purpose string) []byte { return web.DeriveKey(sh.master, purpose) }

// session is an actor's browser session: its own cookie "dvc_<kind>" on path, with the
// configured idle and absolute lifetimes.
func (sh *shared) session(kind, path string) web.SessionKind {
	return web.SessionKind{Kind: kind, Cookie: "dvc_" + kind, Path: path,
		Idle: sh.limits.SessionIdle, Absolute: sh.limits.SessionAbsolute}
}

// csrf is an actor's CSRF protection: its own cookie "dvc_<kind>_csrf" on path and a key
// derived for that actor alone.
func (sh *shared) csrf(kind, path string) *web.CSRF {
	return &web.CSRF{Key: sh.key("csrf/" + kind), Cookie: "dvc_" + kind + "_csrf", Path: path,
		Secure: sh.site.Secure(), Origin: sh.site.PublicURL.String()}
}

func (a *App) build(ctx context.Context) error {
	cfg := a.cfg
	master, err := a.store.Secret(ctx, "master", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return fmt.Errorf("master secret: %w", err)
	}
	render, err := web.NewRenderer(assets.FS)
	if err != nil {
		return err
	}
	pub, _ := url.Parse(cfg.PublicURL)
	a.publicURL, a.render = pub, render
	if err := a.loadCertificate(); err != nil {
		return fmt.Errorf("HTTPS certificate: %w", err)
	}
	a.hasher = web.NewHasher(cfg.Argon2, cfg.HashWait)
	oauthRoutes := map[string]bool{}
	sh := &shared{
		site:     web.Site{Log: cfg.Logger, Now: cfg.Now, Render: render, PublicURL: pub},
		master:   master,
		sessions: &web.Sessions{Store: a.store, Now: cfg.Now, Secure: pub.Scheme == "https"},
		hasher:   a.hasher,
		limits:   cfg.Limits,
	}
	// Nothing of this process is in flight yet: an attempt still pending was cut short when the
	// previous one ended without warning (on SQLite, the only process on the database).
	dropped, err := a.store.DropUnfinishedAttempts(ctx)
	if a.store.Shared() {
		// Other instances on the database may have theirs in flight: only those too old to
		// count any more go.
		dropped, err = a.store.DropStaleAttempts(ctx, cfg.Now().Add(-store.PendingGrace))
	}
	if err != nil {
		return fmt.Errorf("unfinished login attempts: %w", err)
	}
	if dropped > 0 {
		cfg.Logger.Warn("dropped login attempts the previous process left unfinished", "count", dropped)
	}
	// A first start hashes the demo secrets, the console password and makes the OIDC signing
	// key: the seed runs beside the other two, on another core.
	seeded := make(chan error, 1)
	seededHere := false // read after seeded
	if cfg.Seed {
		n, err := a.store.CountCitizens(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			// Instances starting together on an empty database: one seeds, the others
			// find its citizens.
			a.Seeded = true
			go func() {
				var err error
				seededHere, err = a.store.SeedCitizens(ctx, seededCitizens(a.hasher, cfg.Now()))
				seeded <- err
			}()
		}
	}
	if !a.Seeded {
		seeded <- nil
	}
	a.Hashed = a.Seeded
	adminHash, err := a.adminPassword(ctx, master)
	if err == nil {
		err = a.buildActors(sh, adminHash, oauthRoutes)
	}
	if serr := <-seeded; serr != nil {
		return fmt.Errorf("seed: %w", serr)
	}
	if a.Seeded && !seededHere {
		a.Seeded = false // another instance seeded first
	}
	if err != nil {
		return err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = web.ErrorHandler(cfg.Logger, render, oauthRoutes)
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	a.echo = e
	a.routes(e)
	a.ready.Store(true)
	return nil
}

// buildActors gives each actor only what it uses: the portal no store and no secret but its
// own, the phone page no store, only the console the operator's password hash, only the
// identity provider the hub and the SMS sender.
func (a *App) buildActors(sh *shared, adminHash string, oauthRoutes map[string]bool) error {
	cfg := a.cfg
	portalSecret := web.RandomTokenFrom(sh.key("client/dvc-portal"))
	a.portal = portal.New(portal.Deps{
		Site:         sh.site,
		Sessions:     sh.sessions,
		Session:      sh.session("portal", "/"),
		CSRF:         sh.csrf("portal", "/"),
		ClientSecret: portalSecret,
		LogoutKey:    sh.key("portal/logout-state"),
		Audit:        a.store.Audit,
		IdPRoots:     a.idpRoots(),
	})
	reg := regulator.New(a.store, sh.limits.Limits, cfg.Logger)
	hub := web.NewHub()
	a.hub = hub
	if a.store.Shared() {
		a.relay = web.StartRelay(hub, a.store, cfg.Logger)
	}
	sms := &web.Outbox{Store: a.store, Command: cfg.SMSCommand, Webhook: cfg.SMSWebhook, Log: cfg.Logger,
		OnSend: func(m store.Message) { hub.Publish("messages:" + m.CitizenID) }}
	var err error
	a.idp, err = idp.New(idp.Deps{
		Site:               sh.site,
		Store:              a.store,
		Hasher:             sh.hasher,
		Regulator:          reg,
		Hub:                hub,
		SMS:                sms,
		Sessions:           sh.sessions,
		Session:            sh.session("idp", "/idp"),
		CSRF:               sh.csrf("idp", "/idp"),
		Limits:             sh.limits,
		SecondFactor:       cfg.SecondFactor,
		OTPKey:             sh.key("otp"),
		TOTPKey:            sh.key("totp"),
		SessionListKey:     sh.key("idp/session-list"),
		OIDCCryptoKey:      sh.key("oidc/crypto"),
		PortalClientSecret: portalSecret,
		OAuthRoutes:        oauthRoutes,
	})
	if err != nil {
		return err
	}
	a.phone, err = phone.New(phone.Deps{Site: sh.site, DemoCitizens: a.store.PresentDemoCitizens, HTTPS: a.httpsInfo()})
	if err != nil {
		return err
	}
	a.console = console.New(console.Deps{
		Site:      sh.site,
		Store:     a.store,
		Hasher:    sh.hasher,
		Regulator: reg,
		Sessions:  sh.sessions,
		Session:   sh.session("console", "/console"),
		CSRF:      sh.csrf("console", "/console"),
		AdminPasswordHash: func(ctx context.Context) (string, error) {
			h, err := a.store.LookupSecret(ctx, "admin_password_hash")
			if err == nil && h == nil {
				return adminHash, nil
			}
			return string(h), err
		},
		Limits:       sh.limits,
		SecondFactor: cfg.SecondFactor,
		SMSCommand:   cfg.SMSCommand,
		SMSWebhook:   cfg.SMSWebhook,
		HTTPS:        a.httpsInfo(),
		ResetDemo: func(ctx context.Context, keepSession string, by store.Event) (store.DemoData, error) {
			return ResetDemo(ctx, a.store, sh.hasher, keepSession, by)
		},
	})
	return nil
}

// adminPassword returns the console password's hash: the configured password's, or the one
// stored, or a new generated one (printed once by the banner). A configured password is hashed
// only when it is not the one the stored hash was made of: a start with the same password pays
// no argon2id.
func (a *App) adminPassword(ctx context.Context, master []byte) (string, error) {
	if pw := a.cfg.AdminPassword; pw != "" {
		return a.configuredAdminPassword(ctx, master, pw)
	}
	h, err := a.store.Secret(ctx, "admin_password_hash", func() ([]byte, error) {
		a.GeneratedAdminPassword, a.Hashed = web.RandomToken(9), true
		return []byte(a.hasher.HashNow(a.GeneratedAdminPassword)), nil
	})
	return string(h), err
}

// configuredAdminPassword keeps the stored hash when its fingerprint says it was made of pw,
// and otherwise stores pw's new hash with the new fingerprint.
//
// The fingerprint is an HMAC of the stored hash and the password under a key derived from the
// master secret: it tells whether the configured password changed without an argon2id
// derivation, and an operator's change of the hash (or a hash stored without its fingerprint)
// no longer matches, so the configured password is hashed again. Whoever can read it has read
// the database, and with it the master secret from which every session, CSRF and signing key
// is derived.
func (a *App) configuredAdminPassword(ctx context.Context, master []byte, pw string) (string, error) {
	key := web.DeriveKey(master, "console/password-fingerprint")
	fingerprint := func(phc string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(phc))
		m.Write([]byte{0})
		m.Write([]byte(pw))
		return m.Sum(nil)
	}
	stored, err := a.store.LookupSecret(ctx, "admin_password_hash")
	if err != nil {
		return "", err
	}
	if stored != nil {
		fp, err := a.store.LookupSecret(ctx, "admin_password_fingerprint")
		if err != nil {
			return "", err
		}
		if fp != nil && hmac.Equal(fp, fingerprint(string(stored))) {
			return string(stored), nil
		}
	}
	h := a.hasher.HashNow(pw)
	a.Hashed = true
	// The hash goes first: a crash between the two writes leaves a fingerprint that does not
	// match, and the next start hashes again.
	if err := a.store.SetSecret(ctx, "admin_password_hash", []byte(h)); err != nil {
		return "", err
	}
	return h, a.store.SetSecret(ctx, "admin_password_fingerprint", fingerprint(h))
}

func ipExtractor(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		// Never believe X-Forwarded-For from the open network: the limiter key would be the
		// attacker's choice.
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, n, _ := net.ParseCIDR(p)
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Handler returns the HTTP handler (for tests: httptest.NewServer(app.Handler())).
func (a *App) Handler() http.Handler { return a.echo }

// Store returns the database handle (for tests and the operator tools).
func (a *App) Store() *store.Store { return a.store }

// Hub returns the hub that wakes event streams (for tests: Polling).
func (a *App) Hub() *web.Hub { return a.hub }

// Relay returns what connects the hub to the other instances on the database, nil on SQLite
// (for tests: Close cuts this instance off from the others).
func (a *App) Relay() *web.Relay { return a.relay }

// Hasher returns the password hasher (for tests: Saturate).
func (a *App) Hasher() *web.Hasher { return a.hasher }

// Config returns the validated configuration.
func (a *App) Config() Config { return a.cfg }

// Close ends the event streams and releases the database.
func (a *App) Close() error {
	a.idp.CloseStreams()
	if a.relay != nil {
		a.relay.Close()
	}
	return a.store.Close()
}

// Serve serves on ln until ctx ends, then shuts down gracefully (in-flight requests get up to
// 10 s; event streams are closed). With a certificate it serves HTTPS, and plain HTTP on the
// same port for what upgradePlainHTTP allows.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if a.cert != nil {
		ln = newHTTPSListener(ln, a.tlsConfig())
	}
	srv := &http.Server{
		Handler:           a.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// No WriteTimeout: it would cut server-sent event streams. Each stream ends itself when
		// its login ends, and idle connections are closed by IdleTimeout.
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		BaseContext:    func(net.Listener) context.Context { return ctx },
		ErrorLog:       slog.NewLogLogger(a.cfg.Logger.Handler(), slog.LevelWarn),
	}
	go a.janitor(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.ready.Store(false)
	a.idp.CloseStreams() // the server no longer tracks the connections it gave them
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && e != nil {
		err = errors.Join(err, e)
	}
	return err
}

// janitor purges what the retention no longer keeps, every Config.PurgeEvery (a minute by
// default), off the request path, on one instance at a time.
func (a *App) janitor(ctx context.Context) {
	every := a.cfg.PurgeEvery
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// Of the instances on one database, one purges at a time; the others skip.
			_, err := a.store.Exclusively(ctx, func(ctx context.Context) error {
				_, err := a.Purge(ctx)
				return err
			})
			if err != nil && ctx.Err() == nil {
				a.cfg.Logger.Warn("purge old rows", "err", err)
			}
		}
	}
}

// Purge deletes the rows the configured retention no longer keeps (expired sessions, old
// attempts, messages and audit events, finished logins and codes) in small batches, and
// returns how many went. The janitor runs it every minute.
func (a *App) Purge(ctx context.Context) (int64, error) {
	return a.store.Purge(ctx, a.cfg.Now(), a.cfg.Retention)
}
