package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"time"

	"dvclogin/app"
	"dvclogin/app/web"
	"dvclogin/store"
)

// dataFolder is the database an operator command works on: -data (env DVC_DATA) or -db (env
// DVC_DB) as the server takes them, and -seed for a database that is not made yet.
type dataFolder struct {
	dir  string
	db   string // a PostgreSQL URL; "" = SQLite in dir
	seed bool
}

// dataFlags adds -data, -db and -seed to fs.
func dataFlags(fs *flag.FlagSet) *dataFolder {
	d := &dataFolder{}
	seed, err := strconv.ParseBool(env("DVC_SEED", "true"))
	if err != nil {
		seed = true
	}
	fs.StringVar(&d.dir, "data", env("DVC_DATA", app.DefaultConfig().DataDir), "data folder of the server (env DVC_DATA)")
	fs.StringVar(&d.db, "db", env("DVC_DB", ""), "PostgreSQL URL of the server's database instead of SQLite in -data (env DVC_DB)")
	fs.BoolVar(&d.seed, "seed", seed, "seed the demo data when this command creates the database (env DVC_SEED)")
	return d
}

// config is the server's configuration for this database.
func (d *dataFolder) config() app.Config {
	cfg := app.DefaultConfig()
	cfg.DataDir, cfg.DB, cfg.Seed = d.dir, d.db, d.seed
	return cfg
}

// database is what store.Open opens: the folder's database file or the PostgreSQL URL.
func (d *dataFolder) database() string { return d.config().Database() }

// where names the database for the operator: the folder, or the URL without its password.
func (d *dataFolder) where() string {
	if d.db == "" {
		return d.dir
	}
	if u, err := url.Parse(d.db); err == nil {
		return u.Redacted()
	}
	return "PostgreSQL"
}

// open opens the database. One that is not made yet (no file in the folder, or a PostgreSQL
// database without dvclogin's tables) is made first exactly as the server's first start makes
// it (keys, console password, the demo data unless -seed=false), so a class can be prepared
// before the server ever ran; a generated console password is told on stderr, once, as the
// banner would.
func (d *dataFolder) open(ctx context.Context, stderr io.Writer) (*store.Store, error) {
	if d.db != "" && !store.IsPostgresURL(d.db) {
		return nil, errors.New("-db (DVC_DB) phải là địa chỉ PostgreSQL dạng postgres://NGƯỜI_DÙNG:MẬT_KHẨU@MÁY:CỔNG/TÊN_CSDL; để trống để dùng SQLite trong thư mục -data")
	}
	made, err := store.Made(ctx, d.database())
	if err != nil {
		return nil, d.explain(err)
	}
	if !made {
		if err := d.create(ctx, stderr); err != nil {
			return nil, err
		}
	}
	st, err := store.Open(ctx, d.database())
	return st, d.explain(err)
}

// explain says in the operator's words why a PostgreSQL database was refused.
func (d *dataFolder) explain(err error) error {
	var newer *store.NewerSchemaError
	switch {
	case d.db == "" || err == nil:
		return err
	case errors.As(err, &newer):
		return fmt.Errorf("cơ sở dữ liệu PostgreSQL %s được tạo bởi một phiên bản dvclogin mới hơn (lược đồ %d, chương trình này chỉ biết đến %d): hãy dùng phiên bản dvclogin mới hơn", d.where(), newer.Version, newer.Known)
	case errors.Is(err, store.ErrNotDvclogin):
		return fmt.Errorf("cơ sở dữ liệu PostgreSQL %s có bảng nhưng không phải của dvclogin: hãy chỉ -db tới một cơ sở dữ liệu trống hoặc của dvclogin", d.where())
	}
	return fmt.Errorf("cơ sở dữ liệu PostgreSQL %s: %w", d.where(), err)
}

func (d *dataFolder) create(ctx context.Context, stderr io.Writer) error {
	cfg := d.config()
	cfg.AdminPassword = os.Getenv("DVC_ADMIN_PASSWORD")
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg)
	if err != nil {
		return fmt.Errorf("create the database in %s: %w", d.where(), err)
	}
	defer a.Close()
	fmt.Fprintf(stderr, "Đã tạo cơ sở dữ liệu mới trong %s", d.where())
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
