package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"time"

	"dvclogin/app"
	"dvclogin/app/web"
	"dvclogin/store"
)

// dataFolder is the data folder an operator command works on: -data (env DVC_DATA) as the
// server takes it, and -seed for a folder that has no database yet.
type dataFolder struct {
	dir  string
	seed bool
}

// dataFlags adds -data and -seed to fs.
func dataFlags(fs *flag.FlagSet) *dataFolder {
	d := &dataFolder{}
	seed, err := strconv.ParseBool(env("DVC_SEED", "true"))
	if err != nil {
		seed = true
	}
	fs.StringVar(&d.dir, "data", env("DVC_DATA", app.DefaultConfig().DataDir), "data folder of the server (env DVC_DATA)")
	fs.BoolVar(&d.seed, "seed", seed, "seed the demo data when this command creates the database (env DVC_SEED)")
	return d
}

// database is the folder's database file.
func (d *dataFolder) database() string { return app.DatabaseFile(d.dir) }

// open opens the folder's database. A folder without one gets it first exactly as the
// server's first start makes it (keys, console password, the demo data unless -seed=false),
// so a class can be prepared before the server ever ran; a generated console password is
// told on stderr, once, as the banner would.
func (d *dataFolder) open(ctx context.Context, stderr io.Writer) (*store.Store, error) {
	if _, err := os.Stat(d.database()); errors.Is(err, fs.ErrNotExist) {
		if err := d.create(ctx, stderr); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, d.database())
}

func (d *dataFolder) create(ctx context.Context, stderr io.Writer) error {
	cfg := app.DefaultConfig()
	cfg.DataDir, cfg.Seed = d.dir, d.seed
	cfg.AdminPassword = os.Getenv("DVC_ADMIN_PASSWORD")
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg)
	if err != nil {
		return fmt.Errorf("create the database in %s: %w", d.dir, err)
	}
	defer a.Close()
	fmt.Fprintf(stderr, "Đã tạo cơ sở dữ liệu mới trong %s", d.dir)
	if a.Seeded {
		fmt.Fprint(stderr, " (kèm dữ liệu demo)")
	}
	fmt.Fprintln(stderr, ".")
	if a.GeneratedAdminPassword != "" {
		fmt.Fprintf(stderr, "Mật khẩu trang quản trị (chỉ hiện một lần): %s\n", a.GeneratedAdminPassword)
	}
	return nil
}

// newHasher hashes with the server's argon2id parameters: the server verifies with the
// parameters stored in each hash, and these are the ones its own hashes use.
func newHasher() *web.Hasher { return web.NewHasher(app.DefaultConfig().Argon2, 0) }

// auditCLI records an operator's action at the command line; a failure to audit fails the
// command, which has nobody else to tell.
func auditCLI(ctx context.Context, st *store.Store, action, citizenID, detail string) error {
	return st.Audit(ctx, store.Event{At: time.Now(), Actor: "cli", Action: action, CitizenID: citizenID, Detail: detail})
}
