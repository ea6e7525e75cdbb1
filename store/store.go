// Package store keeps every piece of state that matters in one database: an SQLite file (the
// default), or PostgreSQL when several instances share it (postgres.go).
//
// Times are stored as INTEGER Unix milliseconds (UTC) everywhere; callers pass the current time
// in, so an injected clock drives expiry in tests. Secrets never reach the database in the clear:
// passwords and passcodes are argon2id PHC strings, and codes, session ids and tokens are stored
// as SHA-256 digests.
package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, so CGO_ENABLED=0 builds work)
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrations embed.FS

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a conditional update found the row in another state than
// expected: somebody else won the race, or the state already moved on.
var ErrConflict = errors.New("store: state changed")

// Store is the one handle on the database: a single writer connection and a pool of readers.
type Store struct {
	w   *sql.DB // SQLite: exactly one connection: SQLite has one writer, so queueing here beats SQLITE_BUSY
	r   *sql.DB // read-only pool; WAL lets readers run while the writer commits
	pg  bool    // PostgreSQL: w's connections take the write lock (postgres.go)
	url string  // PostgreSQL: what Open was given, for the connection Listen holds
}

// QRLoginsChangedElsewhere counts the changes made to QR logins outside the QR login's own
// calls, by any process on the database (a demo reset deletes them, a deleted citizen's are
// cancelled): whoever follows logins and is told of their own changes some other way reads
// them again when the count moves.
func (s *Store) QRLoginsChangedElsewhere(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT n FROM change_counts WHERE name = 'qr_logins'`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// qrLoginsChanged bumps QRLoginsChangedElsewhere in transaction tx.
func qrLoginsChanged(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO change_counts (name, n) VALUES ('qr_logins', 1)
		ON CONFLICT (name) DO UPDATE SET n = change_counts.n + 1`)
	return err
}

// WALSizeLimit is the size the write-ahead log is truncated back to when it starts over after a
// checkpoint: the 1,000 pages of an automatic checkpoint.
const WALSizeLimit = 4 << 20

// Open opens the database target and applies pending migrations: a PostgreSQL URL
// (postgres://…, see IsPostgresURL), else the SQLite file at that path, created if needed.
func Open(ctx context.Context, target string) (*Store, error) {
	if IsPostgresURL(target) {
		w, r, err := openPostgres(target)
		if err != nil {
			return nil, err
		}
		s := &Store{w: w, r: r, pg: true, url: target}
		if _, err := schemaVersion(ctx, s.w, true); err != nil {
			s.Close()
			return nil, err
		}
		if err := s.migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}
	path := target
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	// busy_timeout comes first so that every later pragma already waits instead of failing
	// when another process holds the lock. WAL lets readers proceed during writes.
	// synchronous(NORMAL) is durable across application crashes in WAL mode (only an OS crash
	// can lose the last transactions) and is 5-10x faster than FULL on this kind of machine.
	// foreign_keys is off by default in SQLite and must be set per connection.
	// auto_vacuum(INCREMENTAL) comes before journal_mode: switching a new file to WAL writes its
	// first page, after which the mode can no longer be chosen without a VACUUM
	// (useIncrementalVacuum does that once for a database made before).
	// journal_size_limit: the WAL file is reused from its start after each checkpoint but never
	// shrinks by itself, so it would keep the size of its largest burst (a checkpoint that could
	// not finish while readers held old pages); with the limit, SQLite truncates it back when it
	// starts over. A soak saw it creep from 4.1 to 5.0 MB in 20 minutes without it.
	common := "_pragma=busy_timeout(5000)&_pragma=auto_vacuum(INCREMENTAL)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)" +
		fmt.Sprintf("&_pragma=journal_size_limit(%d)", WALSizeLimit)
	u := url.URL{Scheme: "file", Opaque: filepath.ToSlash(path)}
	w, err := sql.Open("sqlite", u.String()+"?"+common+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// One writer connection that takes the write lock when a transaction begins
	// (_txlock=immediate): a transaction never upgrades from reader to writer halfway and
	// never meets SQLITE_BUSY on commit.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", u.String()+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	s := &Store{w: w, r: r}
	// Another program's database, or one a newer dvclogin already migrated, is left alone.
	if _, err := schemaVersion(ctx, w, false); err != nil {
		s.Close()
		return nil, err
	}
	// A database created before incremental vacuum was chosen is rebuilt once in that mode.
	if err := useIncrementalVacuum(ctx, w); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.markApplication(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.w.Close(), s.r.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.r.PingContext(ctx)
}

// migration is one embedded schema change: its number and file.
type migration struct {
	version int
	name    string // path in the embedded folder
}

// migrationList returns the embedded migrations in the order they apply: SQLite's, or with pg
// PostgreSQL's, which have the same numbers and names (TestMigrationsMatch).
func migrationList(pg bool) ([]migration, error) {
	dir := "migrations"
	if pg {
		dir = "migrations/postgres"
	}
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	versions, err := migrationVersions(names)
	if err != nil {
		return nil, err
	}
	out := make([]migration, len(names))
	for i, name := range names {
		out[i] = migration{version: versions[i], name: name}
	}
	return out, nil
}

func (s *Store) migrate(ctx context.Context) error {
	table := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`
	if s.pg {
		table = strings.ReplaceAll(table, "applied_at INTEGER", "applied_at BIGINT")
	}
	if _, err := s.w.ExecContext(ctx, table); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	list, err := migrationList(s.pg)
	if err != nil {
		return err
	}
	for _, m := range list {
		base := filepath.Base(m.name)
		body, err := migrations.ReadFile(m.name)
		if err != nil {
			return err
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, base, ms(time.Now()))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// migrationVersions reads each migration's number from its name. A number is recorded as
// applied once: of two files with one number (branches merged without renumbering) the second
// would never run, so that is refused before anything is applied.
func migrationVersions(names []string) ([]int, error) {
	versions := make([]int, len(names))
	seen := map[int]string{}
	for i, name := range names {
		base := filepath.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", base)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s have the same number", other, base)
		}
		seen[v], versions[i] = base, v
	}
	return versions, nil
}

// tx runs fn in one write transaction on the single writer connection.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ms turns a time into the stored representation.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS turns a stored time back into a time.Time; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Digest is the stored form of a high-entropy secret (session id, token, OTP bound to a
// challenge): hex SHA-256. High-entropy values need no salt or slow hash.
func Digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// affectedOne reports ErrConflict when a conditional UPDATE changed nothing.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrConflict
	}
	return nil
}
