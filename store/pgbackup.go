package store

// Backup and restore of a PostgreSQL database through the same file an SQLite backup is: a
// dvclogin SQLite database, which restores on either.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
)

// BackupTo writes the data of s (PostgreSQL) to the new file dst as a dvclogin SQLite
// database, the same file Backup writes: read in one REPEATABLE READ snapshot while servers
// keep writing, built beside dst, then written by VACUUM INTO and checked. It never
// overwrites dst.
func (s *Store) BackupTo(ctx context.Context, dst string) error {
	if !s.pg {
		return errors.New("store: BackupTo is for PostgreSQL; Backup copies an SQLite file")
	}
	if _, err := os.Lstat(dst); err == nil {
		return &FileError{Path: dst, Err: ErrExists}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".dvclogin-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	work := filepath.Join(tmp, "dvclogin.db")
	lite, err := Open(ctx, work)
	if err != nil {
		return err
	}
	_, err = s.CopyTo(ctx, lite)
	if cerr := lite.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return Backup(ctx, work, dst)
}

// RestoreFrom replaces every row of s (PostgreSQL) with those of the dvclogin backup file src
// (an SQLite database, from Backup or BackupTo), in one transaction: a failure changes
// nothing. src is left as it is: an older schema is brought up to date in a copy. It refuses
// with ErrInUse while a server instance runs on the database (InstancesRunning), since each
// keeps keys and secrets in memory that the restore replaces.
func (s *Store) RestoreFrom(ctx context.Context, src string) ([]TableCount, error) {
	if !s.pg {
		return nil, errors.New("store: RestoreFrom is for PostgreSQL; Restore replaces an SQLite file")
	}
	if _, err := CheckDatabase(ctx, src); err != nil {
		return nil, err
	}
	if n, err := s.InstancesRunning(ctx); err != nil || n > 0 {
		if err == nil {
			err = ErrInUse
		}
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "dvclogin-restore-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	work := filepath.Join(tmp, "dvclogin.db")
	if err := Backup(ctx, src, work); err != nil {
		return nil, err
	}
	lite, err := Open(ctx, work) // migrated to this binary's schema, as PostgreSQL is
	if err != nil {
		return nil, err
	}
	defer lite.Close()
	return lite.copyInto(ctx, s, true)
}
