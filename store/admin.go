package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The operator's tools on the whole database: what makes a file a dvclogin database, a reset
// to the demo data, a backup while serving and a restore while stopped.

// ApplicationID is written in the header of every dvclogin database (PRAGMA application_id,
// the letters "DVCL"), so that a restore can tell it from any other SQLite file.
const ApplicationID = 0x4456434C

var (
	// ErrNotSQLite is returned for a file that is not an SQLite database at all.
	ErrNotSQLite = errors.New("store: not an SQLite database")
	// ErrNotDvclogin is returned for an SQLite database of another program.
	ErrNotDvclogin = errors.New("store: not a dvclogin database")
	// ErrInUse is returned when another connection (a running server) has the database open.
	ErrInUse = errors.New("store: the database is open in another process")
	// ErrNoDatabase is returned when there is no database file where one was expected.
	ErrNoDatabase = errors.New("store: no database")
	// ErrExists is returned when a file to be written already exists.
	ErrExists = errors.New("store: file exists")
)

// NewerSchemaError is returned for a database written by a newer dvclogin: this binary does
// not know its last migrations and must not use it.
type NewerSchemaError struct {
	Version, Known int
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("store: database schema %d is newer than this program's %d", e.Version, e.Known)
}

// FileError is a refusal about one file: Err is one of the errors above or a
// *NewerSchemaError.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// LatestSchema is the number of the newest migration this binary carries.
func LatestSchema() (int, error) {
	list, err := migrationList(false) // PostgreSQL's have the same numbers
	if err != nil || len(list) == 0 {
		return 0, err
	}
	return list[len(list)-1].version, nil
}

// schemaVersion tells what db holds: 0 for an empty database, the number of its last migration
// for a dvclogin database this binary knows, else ErrNotDvclogin or a *NewerSchemaError. With
// pg, db is PostgreSQL and what counts is the tables of the connection's schema (PostgreSQL has
// no application id: a dvclogin database is known by its first migration).
func schemaVersion(ctx context.Context, db *sql.DB, pg bool) (int, error) {
	var appID, tables, migrationsTable int
	var err error
	if pg {
		err = db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE table_name = 'schema_migrations')
			FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`).Scan(&tables, &migrationsTable)
		if err != nil {
			return 0, err
		}
	} else {
		if err := db.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
			return 0, fmt.Errorf("%w: %v", ErrNotSQLite, err)
		}
		err = db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE name = 'schema_migrations')
			FROM sqlite_schema WHERE type = 'table'`).Scan(&tables, &migrationsTable)
		if err != nil {
			return 0, fmt.Errorf("%w: %v", ErrNotSQLite, err)
		}
	}
	switch {
	case appID != 0 && appID != ApplicationID:
		return 0, fmt.Errorf("%w: application id %#x", ErrNotDvclogin, appID)
	case tables == 0 && appID == 0:
		return 0, nil
	case migrationsTable == 0:
		return 0, fmt.Errorf("%w: no schema_migrations table", ErrNotDvclogin)
	}
	// Databases made before the header carried the application id are known by their first
	// migration.
	var version int
	var first string
	err = db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0),
		coalesce((SELECT name FROM schema_migrations ORDER BY version LIMIT 1), '') FROM schema_migrations`).Scan(&version, &first)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNotDvclogin, err)
	}
	if appID == 0 && first != "001_core.sql" {
		return 0, fmt.Errorf("%w: first migration %q", ErrNotDvclogin, first)
	}
	known, err := LatestSchema()
	if err != nil {
		return 0, err
	}
	if version > known {
		return version, &NewerSchemaError{Version: version, Known: known}
	}
	return version, nil
}

// markApplication writes ApplicationID into the header once.
func (s *Store) markApplication(ctx context.Context) error {
	var id int
	if err := s.w.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&id); err != nil || id == ApplicationID {
		return err
	}
	_, err := s.w.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, ApplicationID))
	return err
}

// fileURI is the SQLite URI of the file at path with the given query.
func fileURI(path, query string) string {
	u := url.URL{Scheme: "file", Opaque: filepath.ToSlash(path), RawQuery: query}
	return u.String()
}

// checkHeader refuses a file that is not an SQLite database before SQLite sees it: SQLite
// takes an empty file for an empty database.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &FileError{Path: path, Err: ErrNoDatabase}
	}
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteHeader) {
		return &FileError{Path: path, Err: ErrNotSQLite}
	}
	return nil
}

// CheckDatabase opens the database file at path read-only and returns its schema version if
// it is a whole dvclogin database this binary can use: ErrNoDatabase, ErrNotSQLite,
// ErrNotDvclogin (an empty database too) or a *NewerSchemaError otherwise.
func CheckDatabase(ctx context.Context, path string) (int, error) {
	if err := checkHeader(path); err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", fileURI(path, "mode=ro&_pragma=busy_timeout(5000)"))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	v, err := schemaVersion(ctx, db, false)
	if err != nil {
		return v, &FileError{Path: path, Err: err}
	}
	if v == 0 {
		return 0, &FileError{Path: path, Err: fmt.Errorf("%w: empty database", ErrNotDvclogin)}
	}
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&check); err != nil || check != "ok" {
		return v, &FileError{Path: path, Err: fmt.Errorf("%w: integrity check: %q %v", ErrNotSQLite, check, err)}
	}
	return v, nil
}

// Backup writes a consistent copy of the database file src to the new file dst while other
// processes keep using src: VACUUM INTO reads one snapshot, so a write committed meanwhile
// is either wholly in the copy or not at all. It never overwrites dst.
func Backup(ctx context.Context, src, dst string) error {
	if _, err := CheckDatabase(ctx, src); err != nil {
		return err
	}
	if _, err := os.Lstat(dst); err == nil {
		return &FileError{Path: dst, Err: ErrExists}
	}
	db, err := sql.Open("sqlite", fileURI(src, "mode=ro&_pragma=busy_timeout(5000)"))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	_, err = CheckDatabase(ctx, dst)
	return err
}

// Restore replaces the database at path with the dvclogin database in the file src, keeping
// a copy of the replaced one in the new file keep. It needs the database to itself: while any
// other connection (a running server, a backup) has it open, it refuses with ErrInUse. The
// lock is SQLite's own (the same on every platform), held from the check to the end, and the
// pages are copied by SQLite's backup API through that connection, so no other process ever
// sees a half-restored database.
func Restore(ctx context.Context, src, path, keep string) error {
	if _, err := CheckDatabase(ctx, src); err != nil {
		return err
	}
	_, statErr := os.Stat(path)
	existed := statErr == nil
	if existed {
		if _, err := os.Lstat(keep); err == nil {
			return &FileError{Path: keep, Err: ErrExists}
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	// locking_mode(EXCLUSIVE) keeps the lock once taken until the connection closes; with
	// busy_timeout(0) a database held open elsewhere is refused at once instead of waited for.
	db, err := sql.Open("sqlite", fileURI(path, "_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)"))
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return inUse(path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		return inUse(path, err)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return err
	}
	if existed {
		if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, keep); err != nil {
			return fmt.Errorf("keep a copy in %s: %w", keep, err)
		}
	}
	return conn.Raw(func(dc any) error {
		r, ok := dc.(interface {
			NewRestore(string) (*sqlite.Backup, error)
		})
		if !ok {
			return errors.New("store: the SQLite driver cannot restore")
		}
		b, err := r.NewRestore(fileURI(src, "mode=ro"))
		if err != nil {
			return err
		}
		if _, err := b.Step(-1); err != nil {
			b.Finish()
			return fmt.Errorf("restore from %s: %w", src, err)
		}
		return b.Finish()
	})
}

// inUse turns SQLite's "database is locked" (SQLITE_BUSY) on path into ErrInUse.
func inUse(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
		return &FileError{Path: path, Err: fmt.Errorf("%w: %v", ErrInUse, err)}
	}
	return err
}
