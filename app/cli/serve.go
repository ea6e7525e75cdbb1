package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"dvclogin/app"
	"dvclogin/app/load"
	"dvclogin/app/version"
)

// serve parses the server's flags, builds the app and serves until SIGINT/SIGTERM.
func serve(ctx context.Context, args []string, s Streams) (err error) {
	cfg, opts, err := parseServeFlags(args, s.Err)
	if err != nil || opts.version {
		if opts.version {
			fmt.Fprint(s.Out, version.Get())
		}
		return err
	}
	started := currentLaunch(args, s.In)
	if started.holdsWindow() {
		defer func() {
			if err != nil {
				holdWindow(s, err)
			}
		}()
	}
	cfg.Logger = slog.New(slog.NewTextHandler(s.Err, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// The OIDC library logs through the default logger: route it into the same structured log.
	slog.SetDefault(cfg.Logger)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.RetentionBelowRules {
		cfg.Logger.Warn("login attempts and sent SMS are kept shorter than the brute-force rules count back: the rules forget older failures (demonstration only)",
			"attempts", a.Config().Retention.LoginAttempts, "sms", a.Config().Retention.SMSSends)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if a.Hashed {
		// A first start hashed the demo secrets and the console password, 19 MiB of argon2id
		// memory each: give it back to the system now rather than over minutes.
		debug.FreeOSMemory()
	}
	ln, err := net.Listen("tcp", a.Config().Addr)
	if err != nil {
		return err
	}
	a.PrintBanner(s.Out, ln.Addr())
	if started.shouldOpenBrowser(opts.open) {
		go openWhenHealthy(ctx, started.goos, healthURL(ln.Addr()), a.Config().PublicURL, cfg.Logger)
	}
	err = a.Serve(ctx, ln)
	cfg.Logger.Info("stopped")
	return err
}

// gcPercent is the collector's GOGC when the environment does not set one. Each running
// argon2id hash holds 19 MiB that is garbage the moment it ends; with the default of 100 the
// heap grows to twice what is live before the collector runs, 175 MB of RSS under 64
// concurrent logins against 144 MB at 50, at the same throughput (BENCHMARKS.md). The hashes'
// memory holds no pointers, so the extra cycles cost little. A soft memory limit (GOMEMLIMIT)
// does as well at 64 users but makes the collector spin at 256, whose live heap is above it.
const gcPercent = 50

// runLoad is the load driver, a program of its own with its own flags.
func runLoad(ctx context.Context, args []string, s Streams) error {
	return load.Main(ctx, args, s.Out, s.Err)
}

// env returns the environment variable name, or def when it is unset: every flag's default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// serveOptions are the server's flags that are about this process, not the app.
type serveOptions struct {
	open    openChoice // -open, DVC_OPEN
	version bool       // -version: print the version instead of serving
}

// parseServeFlags reads the server's flags, each with an environment variable as its default
// (the flag wins).
func parseServeFlags(args []string, stderr io.Writer) (app.Config, serveOptions, error) {
	cfg := app.DefaultConfig()
	var opts serveOptions
	fs := flag.NewFlagSet("dvclogin serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed, err := strconv.ParseBool(env("DVC_SEED", "true"))
	if err != nil {
		return cfg, opts, fmt.Errorf("DVC_SEED: %w", err)
	}
	if v, ok := os.LookupEnv("DVC_OPEN"); ok {
		if err := opts.open.Set(v); err != nil {
			return cfg, opts, fmt.Errorf("DVC_OPEN: %w", err)
		}
	}
	useTLS, err := strconv.ParseBool(env("DVC_TLS", "false"))
	if err != nil {
		return cfg, opts, fmt.Errorf("DVC_TLS: %w", err)
	}
	fs.StringVar(&cfg.Addr, "addr", env("DVC_ADDR", cfg.Addr), "listen address (env DVC_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", env("DVC_DATA", cfg.DataDir), "folder for the SQLite database and keys (env DVC_DATA)")
	fs.StringVar(&cfg.DB, "db", env("DVC_DB", ""), "PostgreSQL URL postgres://USER:PASSWORD@HOST:PORT/DATABASE instead of SQLite in -data (env DVC_DB)")
	fs.StringVar(&cfg.PublicURL, "public-url", env("DVC_PUBLIC_URL", ""), "base URL in QR codes and the OIDC issuer (env DVC_PUBLIC_URL; default http(s)://<LAN IPv4>:<port>)")
	fs.BoolVar(&cfg.Seed, "seed", seed, "create the demo data on an empty database (env DVC_SEED)")
	fs.StringVar(&cfg.AdminPassword, "admin-password", env("DVC_ADMIN_PASSWORD", ""), "operator console password (env DVC_ADMIN_PASSWORD; generated on first start)")
	fs.BoolVar(&cfg.TLS, "tls", useTLS, "serve HTTPS with a certificate from the server's own authority in DATA/tls (env DVC_TLS)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", env("DVC_TLS_CERT", ""), "serve HTTPS with the office's certificate, PEM (env DVC_TLS_CERT; needs -tls-key)")
	fs.StringVar(&cfg.TLSKey, "tls-key", env("DVC_TLS_KEY", ""), "the private key of -tls-cert, PEM (env DVC_TLS_KEY)")
	fs.StringVar(&cfg.SecondFactor, "second-factor", env("DVC_SECOND_FACTOR", cfg.SecondFactor), "default second factor of the direct login: sms or app (env DVC_SECOND_FACTOR)")
	fs.StringVar(&cfg.SMSCommand, "sms-command", env("DVC_SMS_COMMAND", ""), "also deliver each SMS by running COMMAND <phone> <text> (env DVC_SMS_COMMAND)")
	fs.StringVar(&cfg.SMSWebhook, "sms-webhook", env("DVC_SMS_WEBHOOK", ""), "also deliver each SMS by POSTing JSON to this URL (env DVC_SMS_WEBHOOK)")
	fs.DurationVar(&cfg.Limits.QRFrameStep, "qr-frame", cfg.Limits.QRFrameStep, "QR frames rotate this often")
	fs.DurationVar(&cfg.Limits.QRFrameAccept, "qr-accept", cfg.Limits.QRFrameAccept, "a QR frame is accepted this long after it was shown")
	fs.DurationVar(&cfg.Limits.QRLoginTTL, "qr-ttl", cfg.Limits.QRLoginTTL, "a QR login request lives this long")
	fs.DurationVar(&cfg.Limits.PasswordLock, "lock", cfg.Limits.PasswordLock, "how long 5 wrong passwords lock an account")
	fs.DurationVar(&cfg.Limits.OTPTTL, "otp-ttl", cfg.Limits.OTPTTL, "lifetime of an OTP / in-app login code")
	fs.IntVar(&cfg.Limits.SMSAccountMax, "sms-account-max", cfg.Limits.SMSAccountMax, "SMS one account may receive in 15 minutes (codes, resends, notices)")
	fs.IntVar(&cfg.Limits.SMSAccountHourMax, "sms-account-hour-max", cfg.Limits.SMSAccountHourMax, "SMS one account may receive in an hour")
	fs.IntVar(&cfg.Limits.SMSIPHourMax, "sms-ip-hour-max", cfg.Limits.SMSIPHourMax, "SMS one client IP may set off in an hour, across accounts")
	fs.DurationVar(&cfg.Limits.SessionIdle, "session-idle", cfg.Limits.SessionIdle, "a portal, login or console session ends after this much inactivity")
	fs.DurationVar(&cfg.Limits.AccessTokenTTL, "access-token-ttl", cfg.Limits.AccessTokenTTL, "lifetime of an OIDC access token")
	ret := retentionFlag{&cfg.Retention}
	if v, ok := os.LookupEnv("DVC_RETENTION"); ok {
		if err := ret.Set(v); err != nil {
			return cfg, opts, fmt.Errorf("DVC_RETENTION: %w", err)
		}
	}
	fs.Var(ret, "retention", "how long old rows are kept, NAME=VALUE,... (env DVC_RETENTION; names: "+ret.names()+")")
	fs.BoolVar(&cfg.RetentionBelowRules, "retention-below-rules", false,
		"demonstrations only: keep -retention attempts= and sms= even below the windows the brute-force rules count (the rules then forget older failures)")
	fs.DurationVar(&cfg.PurgeEvery, "purge-every", time.Minute, "how often old rows are purged")
	proxies := fs.String("trusted-proxies", env("DVC_TRUSTED_PROXIES", ""), "comma-separated CIDRs of load balancers whose X-Forwarded-For names the client (env DVC_TRUSTED_PROXIES)")
	fs.Var(&opts.open, "open", "open the portal in the default browser once it answers (env DVC_OPEN; default: on a double-click in a desktop session)")
	fs.BoolVar(&opts.version, "version", false, "print the version and exit")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return cfg, opts, err
	}
	// "dvclogin -addr :8080 serve" names the default command among its flags.
	if len(pos) > 0 && !(len(pos) == 1 && pos[0] == "serve") {
		return cfg, opts, errors.New("unexpected argument " + strconv.Quote(pos[0]) + " (flags come after the command: dvclogin serve -addr :8080)")
	}
	if opts.version {
		return cfg, opts, nil
	}
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.TrustedProxies = append(cfg.TrustedProxies, p)
		}
	}
	return cfg, opts, cfg.Validate()
}
