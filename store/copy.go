package store

// Moving an office's SQLite database to PostgreSQL: every table, row for row, in one
// transaction on the target.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrTargetNotEmpty refuses a copy into a database that already holds data.
var ErrTargetNotEmpty = errors.New("store: the target database is not empty")

// TableCount is how many rows of one table a copy moved.
type TableCount struct {
	Table string
	Rows  int
}

// copyBatch is how many rows one INSERT carries.
const copyBatch = 200

// CopyTo copies every row of s into dst, one of them SQLite and the other PostgreSQL, both
// migrated to the same version, dst empty (ErrTargetNotEmpty otherwise): an office's SQLite
// database moved to PostgreSQL, or PostgreSQL's data written into a new SQLite file (BackupTo).
// The tables go in the order the migrations made them, in one transaction on dst: a failure
// leaves dst as it was. The source is read in one snapshot (a read-only transaction; on
// PostgreSQL a REPEATABLE READ one), so the copy is consistent even while servers write it.
// It returns the rows copied per table.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]TableCount, error) {
	return s.copyInto(ctx, dst, false)
}

// copyInto is CopyTo; with replace, the rows dst holds are deleted first, in the same
// transaction, instead of refused (RestoreFrom).
func (s *Store) copyInto(ctx context.Context, dst *Store, replace bool) ([]TableCount, error) {
	if s.pg == dst.pg {
		return nil, errors.New("store: a copy goes between SQLite and PostgreSQL")
	}
	sv, err := schemaVersion(ctx, s.r, s.pg)
	if err != nil {
		return nil, err
	}
	dv, err := schemaVersion(ctx, dst.r, dst.pg)
	if err != nil {
		return nil, err
	}
	if sv != dv {
		return nil, fmt.Errorf("store: source at schema %d, target at %d", sv, dv)
	}
	lite, pg := s, dst
	if s.pg {
		lite, pg = dst, s
	}
	tables, err := sqliteTables(ctx, lite.r)
	if err != nil {
		return nil, err
	}
	if err := sameTables(ctx, pg.r, tables); err != nil {
		return nil, err
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if s.pg {
		// One snapshot for every table: what any writer commits meanwhile is wholly out.
		opts.Isolation = sql.LevelRepeatableRead
	}
	src, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer src.Rollback()
	var counts []TableCount
	err = dst.tx(ctx, func(tx *sql.Tx) error {
		// The references are checked at commit, when every table is there.
		defer_ := `SET CONSTRAINTS ALL DEFERRED`
		if !dst.pg {
			defer_ = `PRAGMA defer_foreign_keys = ON`
		}
		if _, err := tx.ExecContext(ctx, defer_); err != nil {
			return err
		}
		if replace {
			if err := takeInstancesLock(ctx, tx); err != nil {
				return err
			}
			for _, t := range slices.Backward(tables) {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
					return fmt.Errorf("%s: %w", t, err)
				}
			}
		}
		for _, t := range tables {
			var any int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+t+` LIMIT 1) AS r`).Scan(&any); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			if any > 0 {
				return fmt.Errorf("%w: table %s has rows", ErrTargetNotEmpty, t)
			}
		}
		for _, t := range tables {
			n, err := copyTable(ctx, src, tx, t, dst.pg)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t, err)
			}
			counts = append(counts, TableCount{Table: t, Rows: n})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sqliteTables lists the tables to copy in the order they were made (every table but the
// record of the schema, which the target keeps for itself).
func sqliteTables(ctx context.Context, q querier) ([]string, error) {
	return names(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY rowid`)
}

// sameTables checks that PostgreSQL has exactly the tables SQLite has: a row is never left
// behind in a table the other side does not know.
func sameTables(ctx context.Context, pg querier, tables []string) error {
	have, err := names(ctx, pg, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`)
	if err != nil {
		return err
	}
	for _, t := range have {
		if !slices.Contains(tables, t) {
			return fmt.Errorf("store: table %s is on PostgreSQL only", t)
		}
	}
	for _, t := range tables {
		if !slices.Contains(have, t) {
			return fmt.Errorf("store: table %s is on SQLite only", t)
		}
	}
	return nil
}

// names runs q, which selects one text column.
func names(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// pgColumns lists table's columns on PostgreSQL, and which of them the database generates
// always (an identity standing for SQLite's implicit rowid).
func pgColumns(ctx context.Context, tx *sql.Tx, table string) (cols []string, always map[string]bool, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT column_name, is_identity, coalesce(identity_generation, '')
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	always = map[string]bool{}
	for rows.Next() {
		var name, identity, gen string
		if err := rows.Scan(&name, &identity, &gen); err != nil {
			return nil, nil, err
		}
		cols = append(cols, name)
		if identity == "YES" && gen == "ALWAYS" {
			always[name] = true
		}
	}
	return cols, always, rows.Err()
}

func sqliteColumns(ctx context.Context, q querier, table string) ([]string, error) {
	return names(ctx, q, `SELECT name FROM pragma_table_info(?)`, table)
}

// copyTable copies one table's rows from src to dst (PostgreSQL with toPG, else SQLite) and,
// on PostgreSQL, moves the identity counters past them (SQLite's follow the rows by
// themselves).
func copyTable(ctx context.Context, src, dst *sql.Tx, table string, toPG bool) (int, error) {
	pgTx, liteTx := dst, src
	if !toPG {
		pgTx, liteTx = src, dst
	}
	pgCols, always, err := pgColumns(ctx, pgTx, table)
	if err != nil {
		return 0, err
	}
	if len(pgCols) == 0 {
		return 0, fmt.Errorf("no such table on PostgreSQL")
	}
	liteCols, err := sqliteColumns(ctx, liteTx, table)
	if err != nil {
		return 0, err
	}
	// PostgreSQL's column rowid stands for SQLite's implicit one, which both sides name so.
	var cols []string
	for _, c := range pgCols {
		if slices.Contains(liteCols, c) || c == "rowid" {
			cols = append(cols, c)
		}
	}
	for _, c := range liteCols {
		if !slices.Contains(pgCols, c) {
			return 0, fmt.Errorf("column %s is not on PostgreSQL", c)
		}
	}
	override := ""
	for _, c := range cols {
		if always[c] && toPG {
			override = " OVERRIDING SYSTEM VALUE"
		}
	}
	order := "rowid"
	if !toPG && !slices.Contains(cols, "rowid") {
		order = "1" // PostgreSQL has no rowid here: the first column (the key) orders the rows
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` ORDER BY `+order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		k := len(batch) / len(cols)
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		values := strings.TrimSuffix(strings.Repeat(one+", ", k), ", ")
		_, err := dst.ExecContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`)`+override+` VALUES `+values, batch...)
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		batch = append(batch, vals...)
		n++
		if n%copyBatch == 0 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if err := flush(); err != nil {
		return n, err
	}
	if !toPG {
		return n, nil
	}
	// Rows inserted with their ids leave the identity counters behind: the next id must come
	// after them.
	for _, c := range pgCols {
		var seq sql.NullString
		if err := dst.QueryRowContext(ctx, `SELECT pg_get_serial_sequence(?, ?)`, table, c).Scan(&seq); err != nil {
			return n, err
		}
		if !seq.Valid || n == 0 {
			continue
		}
		if _, err := dst.ExecContext(ctx, `SELECT setval(?, (SELECT max(`+c+`) FROM `+table+`))`, seq.String); err != nil {
			return n, err
		}
	}
	return n, nil
}
