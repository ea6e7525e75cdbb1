// Package app is the composition root: it turns a Config into a running HTTP server with the
// four actors (portal, identity provider, phone simulator, operator console) mounted.
package app

import (
	"context"
	"crypto/rand"
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
	"dvclogin/app/web"
	"dvclogin/assets"
	"dvclogin/store"
)

// App is a configured dvclogin server.
type App struct {
	cfg   Config
	store *store.Store
	deps  *web.Deps
	echo  *echo.Echo
	ready atomic.Bool

	portal  *portal.Portal
	idp     *idp.IdP
	phone   *phone.Simulator
	console *console.Console

	// GeneratedAdminPassword is set when this start generated the console password; the
	// banner prints it once.
	GeneratedAdminPassword string
	// Seeded reports whether this start created the demo data.
	Seeded bool
}

// New opens the database, applies migrations, seeds demo data and builds the router.
func New(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, filepath.Join(cfg.DataDir, "dvclogin.db"))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a := &App{cfg: cfg, store: st}
	if err := a.build(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
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
	hasher := web.NewHasher(cfg.Argon2, cfg.HashQueue)
	d := &web.Deps{
		Store:        a.store,
		Log:          cfg.Logger,
		Now:          cfg.Now,
		Render:       render,
		Sessions:     &web.Sessions{Store: a.store, Now: cfg.Now, Secure: pub.Scheme == "https"},
		Hasher:       hasher,
		Hub:          web.NewHub(),
		PublicURL:    pub,
		Limits:       cfg.Limits,
		Master:       master,
		SecondFactor: cfg.SecondFactor,
	}
	d.SMS = &web.Outbox{Store: a.store, Command: cfg.SMSCommand, Webhook: cfg.SMSWebhook, Log: cfg.Logger,
		OnSend: func(m store.Message) { d.Hub.Publish("messages:" + m.CitizenID) }}
	d.PortalClientSecret = web.RandomTokenFrom(d.Key("client/dvc-portal"))
	if err := a.adminPassword(ctx, d); err != nil {
		return err
	}
	// Nothing of this process is in flight yet: an attempt still pending was cut short when the
	// previous one ended without warning.
	dropped, err := a.store.DropUnfinishedAttempts(ctx)
	if err != nil {
		return fmt.Errorf("unfinished login attempts: %w", err)
	}
	if dropped > 0 {
		cfg.Logger.Warn("dropped login attempts the previous process left unfinished", "count", dropped)
	}
	if cfg.Seed {
		n, err := a.store.CountCitizens(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			if err := Seed(ctx, a.store, hasher, cfg.Now()); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
			a.Seeded = true
		}
	}
	a.deps = d
	if err := a.buildActors(d); err != nil {
		return err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = web.ErrorHandler(d)
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	a.echo = e
	if err := a.routes(e); err != nil {
		return err
	}
	a.ready.Store(true)
	return nil
}

// buildActors gives each actor only what it uses: the portal no store and no secret but its
// own, the phone page no store, only the console the operator's password hash.
func (a *App) buildActors(d *web.Deps) error {
	site := d.Site()
	a.portal = portal.New(portal.Deps{
		Site:         site,
		Sessions:     d.Sessions,
		Session:      d.BrowserSession("portal", "/"),
		CSRF:         d.CSRFFor("portal", "/"),
		ClientSecret: d.PortalClientSecret,
		LogoutKey:    d.Key("portal/logout-state"),
		Audit:        a.store.Audit,
	})
	var err error
	if a.idp, err = idp.New(d); err != nil {
		return err
	}
	a.phone, err = phone.New(phone.Deps{Site: site, DemoCitizens: a.store.PresentDemoCitizens})
	if err != nil {
		return err
	}
	a.console = console.New(console.Deps{
		Site:              site,
		Store:             a.store,
		Hasher:            d.Hasher,
		Sessions:          d.Sessions,
		Session:           d.BrowserSession("console", "/console"),
		CSRF:              d.CSRFFor("console", "/console"),
		AdminPasswordHash: d.AdminPasswordHash,
		Limits:            d.Limits,
		SecondFactor:      d.SecondFactor,
		SMSCommand:        a.cfg.SMSCommand,
		SMSWebhook:        a.cfg.SMSWebhook,
	})
	return nil
}

func (a *App) adminPassword(ctx context.Context, d *web.Deps) error {
	if a.cfg.AdminPassword != "" {
		h := d.Hasher.HashNow(a.cfg.AdminPassword)
		d.AdminPasswordHash = h
		return a.store.SetSecret(ctx, "admin_password_hash", []byte(h))
	}
	h, err := a.store.Secret(ctx, "admin_password_hash", func() ([]byte, error) {
		a.GeneratedAdminPassword = web.RandomToken(9)
		return []byte(d.Hasher.HashNow(a.GeneratedAdminPassword)), nil
	})
	d.AdminPasswordHash = string(h)
	return err
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

// Hasher returns the password hasher (for tests: Saturate).
func (a *App) Hasher() *web.Hasher { return a.deps.Hasher }

// Config returns the validated configuration.
func (a *App) Config() Config { return a.cfg }

// Close releases the database.
func (a *App) Close() error { return a.store.Close() }

// Serve serves on ln until ctx ends, then shuts down gracefully (in-flight requests get up to
// 10 s; event streams are closed).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
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
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && e != nil {
		err = errors.Join(err, e)
	}
	return err
}

// janitor removes expired sessions once a minute.
func (a *App) janitor(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.store.PurgeExpired(ctx, a.cfg.Now()); err != nil && ctx.Err() == nil {
				a.cfg.Logger.Warn("purge expired sessions", "err", err)
			}
		}
	}
}
