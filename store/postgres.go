package store

// PostgreSQL: the same store on a database server, through pgx's database/sql driver. The
// store's SQL is written once, in SQLite's spelling; the connections below adapt it on the
// way: ? placeholders become $n, Go booleans become the 0/1 integers the schema stores, and
// every write takes one lock, so that writes are serialised exactly as on SQLite's single
// writer (counted limits, check-then-insert, ids that grow in commit order).

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// writeLock is the key of the transaction-scoped advisory lock every write takes (the letters
// "DVCL", like SQLite's application id). It is per database: two dvclogin databases on one
// server do not wait for each other.
const writeLock = ApplicationID

// IsPostgresURL reports whether target names a PostgreSQL database rather than a file.
func IsPostgresURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// openPostgres opens the database at url: a pool of writers that take the write lock and a
// pool of read-only readers.
func openPostgres(url string) (w, r *sql.DB, err error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL, password included.
		return nil, nil, errors.New("store: the PostgreSQL URL cannot be read (postgres://user:password@host:port/database)")
	}
	rcfg := cfg.Copy()
	if rcfg.RuntimeParams == nil {
		rcfg.RuntimeParams = map[string]string{}
	}
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	w = sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg), true})
	r = sql.OpenDB(pgConnector{stdlib.GetConnector(*rcfg), false})
	// The writers queue at the lock in the server; a few connections keep the next one ready
	// while the current one commits.
	w.SetMaxOpenConns(4)
	w.SetMaxIdleConns(4)
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return w, r, nil
}

// pgConnector hands out pgConns.
type pgConnector struct {
	inner  driver.Connector
	writer bool
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("store: unexpected PostgreSQL connection %T", conn)
	}
	return &pgConn{Conn: sc, writer: c.writer}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is one connection: it rewrites each query and, on a writer, takes the write lock at
// the start of every transaction and around every statement outside one.
type pgConn struct {
	*stdlib.Conn
	writer bool
	inTx   bool
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(pgQuery(query))
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, pgQuery(query))
}

// CheckNamedValue stores a Go bool as the 0/1 integer of the schema, as SQLite does.
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
	}
	return nil
}

func (c *pgConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	if c.writer {
		if _, err := c.Conn.ExecContext(ctx, lockQuery, nil); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	c.inTx = true
	return pgTx{tx, c}, nil
}

var lockQuery = fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, writeLock)

// pgTx ends a transaction and notes it on its connection.
type pgTx struct {
	driver.Tx
	c *pgConn
}

func (t pgTx) Commit() error   { t.c.inTx = false; return t.Tx.Commit() }
func (t pgTx) Rollback() error { t.c.inTx = false; return t.Tx.Rollback() }

// locked reports whether a statement must run in a transaction of its own to take the lock.
func (c *pgConn) locked() bool { return c.writer && !c.inTx }

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	query = pgQuery(query)
	if !c.locked() {
		return c.Conn.ExecContext(ctx, query, args)
	}
	tx, err := c.BeginTx(ctx, driver.TxOptions{})
	if err != nil {
		return nil, err
	}
	res, err := c.Conn.ExecContext(ctx, query, args)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return res, tx.Commit()
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	query = pgQuery(query)
	if !c.locked() {
		return c.Conn.QueryContext(ctx, query, args)
	}
	tx, err := c.BeginTx(ctx, driver.TxOptions{})
	if err != nil {
		return nil, err
	}
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	sr, ok := rows.(*stdlib.Rows)
	if !ok {
		rows.Close()
		tx.Rollback()
		return nil, fmt.Errorf("store: unexpected PostgreSQL rows %T", rows)
	}
	return &pgRows{Rows: sr, tx: tx}, nil
}

// pgRows commits the statement's own transaction when the rows are closed (a RETURNING
// statement outside a transaction).
type pgRows struct {
	*stdlib.Rows
	tx driver.Tx
}

func (r *pgRows) Close() error {
	if err := r.Rows.Close(); err != nil {
		r.tx.Rollback()
		return err
	}
	return r.tx.Commit()
}

// pgQueries caches the rewritten form of each query text.
var pgQueries sync.Map

// pgQuery rewrites SQLite's placeholders (? and ?NNN) into PostgreSQL's ($n), leaving
// string literals, quoted names and comments alone.
func pgQuery(q string) string {
	if v, ok := pgQueries.Load(q); ok {
		return v.(string)
	}
	out := rewritePlaceholders(q)
	pgQueries.Store(q, out)
	return out
}

func rewritePlaceholders(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case ch == '\'' || ch == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == ch {
					if j+1 < len(q) && q[j+1] == ch { // a doubled quote stays inside
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(q))
			b.WriteString(q[i:end])
			i = end - 1
		case ch == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case ch == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(q[i:end])
			i = end - 1
		case ch == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j > i+1 { // ?NNN names its parameter
				var k int
				fmt.Sscan(q[i+1:j], &k)
				n = max(n, k)
				b.WriteString("$" + q[i+1:j])
			} else {
				n++
				fmt.Fprintf(&b, "$%d", n)
			}
			i = j - 1
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// Made reports whether the database target (as Open takes it) was made already: the SQLite
// file exists, or the PostgreSQL database holds dvclogin's tables. It creates nothing.
func Made(ctx context.Context, target string) (bool, error) {
	if !IsPostgresURL(target) {
		_, err := os.Stat(target)
		return !errors.Is(err, fs.ErrNotExist), nil
	}
	w, r, err := openPostgres(target)
	if err != nil {
		return false, err
	}
	defer w.Close()
	defer r.Close()
	v, err := schemaVersion(ctx, r, true)
	return v > 0, err
}
