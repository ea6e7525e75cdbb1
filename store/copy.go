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

// CopyTo copies every row of s (an SQLite store) into dst (a PostgreSQL store, migrated to the
// same version and empty: ErrTargetNotEmpty otherwise), table by table in the order the
// migrations made them, in one transaction on dst: a failure leaves dst as it was. The source
// is read in one read transaction, so the copy is consistent even while a server writes it.
// It returns the rows copied per table.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]TableCount, error) {
	if s.pg || !dst.pg {
		return nil, errors.New("store: a copy goes from SQLite to PostgreSQL")
	}
	sv, err := schemaVersion(ctx, s.r, false)
	if err != nil {
		return nil, err
	}
	dv, err := schemaVersion(ctx, dst.r, true)
	if err != nil {
		return nil, err
	}
	if sv != dv {
		return nil, fmt.Errorf("store: source at schema %d, target at %d", sv, dv)
	}
	src, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer src.Rollback()
	tables, err := sqliteTables(ctx, src)
	if err != nil {
		return nil, err
	}
	var counts []TableCount
	err = dst.tx(ctx, func(tx *sql.Tx) error {
		// The references are checked at commit, when every table is there.
		if _, err := tx.ExecContext(ctx, `SET CONSTRAINTS ALL DEFERRED`); err != nil {
			return err
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
			n, err := copyTable(ctx, src, tx, t)
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

// sqliteTables lists the tables to copy in the order they were made (every table but the
// record of the schema, which the target keeps for itself).
func sqliteTables(ctx context.Context, q *sql.Tx) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY rowid`)
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

func sqliteColumns(ctx context.Context, src *sql.Tx, table string) ([]string, error) {
	rows, err := src.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
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

// copyTable copies one table's rows and moves the target's identity counters past them.
func copyTable(ctx context.Context, src, dst *sql.Tx, table string) (int, error) {
	pgCols, always, err := pgColumns(ctx, dst, table)
	if err != nil {
		return 0, err
	}
	if len(pgCols) == 0 {
		return 0, fmt.Errorf("no such table on PostgreSQL")
	}
	liteCols, err := sqliteColumns(ctx, src, table)
	if err != nil {
		return 0, err
	}
	var cols, sel []string
	for _, c := range pgCols {
		switch {
		case slices.Contains(liteCols, c):
			cols, sel = append(cols, c), append(sel, c)
		case c == "rowid":
			cols, sel = append(cols, c), append(sel, "rowid")
		}
	}
	for _, c := range liteCols {
		if !slices.Contains(pgCols, c) {
			return 0, fmt.Errorf("column %s is not on PostgreSQL", c)
		}
	}
	override := ""
	for _, c := range cols {
		if always[c] {
			override = " OVERRIDING SYSTEM VALUE"
		}
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+table+` ORDER BY rowid`)
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
