package store

// What instances sharing one PostgreSQL database need from each other beyond the rows:
// wake-ups (NOTIFY/LISTEN), one janitor at a time (a session advisory lock), and start-up
// steps that must not undo what another instance is doing.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Shared reports whether other server instances may use this database at the same time
// (PostgreSQL). An SQLite database belongs to one server process.
func (s *Store) Shared() bool { return s.pg }

// NotifyChannel is the PostgreSQL channel of Notify and Listen.
const NotifyChannel = "dvclogin"

// MaxNotifyPayload is the longest payload Notify sends (PostgreSQL's limit is 8000 bytes).
const MaxNotifyPayload = 7900

// Notify sends payload to every Listen on the database, once the statement commits. On
// SQLite it does nothing: there is nobody else to tell.
func (s *Store) Notify(ctx context.Context, payload string) error {
	if !s.pg {
		return nil
	}
	if len(payload) > MaxNotifyPayload {
		return fmt.Errorf("store: notify payload of %d bytes", len(payload))
	}
	// A reader: NOTIFY writes no row and must not wait for the write lock.
	_, err := s.r.ExecContext(ctx, `SELECT pg_notify('`+NotifyChannel+`', ?)`, payload)
	return err
}

// Listen holds a connection of its own that listens on NotifyChannel, and calls deliver with
// each payload, in order, until ctx ends. up(true, nil) is called each time the connection
// listens (the first time and after each reconnection: what was sent in between is lost),
// up(false, err) when it is lost or cannot be opened. A lost connection is opened again after a pause that grows from 100 ms to
// 5 s. A connection that stays silent is checked every ping, so a server or a network gone
// quietly is noticed. On SQLite it returns at once.
func (s *Store) Listen(ctx context.Context, ping time.Duration, deliver func(payload string), up func(bool, error)) {
	if !s.pg {
		return
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, ping, deliver, func() {
			backoff = 100 * time.Millisecond
			up(true, nil)
		})
		if ctx.Err() != nil {
			return
		}
		up(false, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, ping time.Duration, deliver func(string), listening func()) error {
	cfg, err := pgx.ParseConfig(s.url)
	if err != nil {
		return errors.New("store: the PostgreSQL URL cannot be read")
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// The connection says "a server runs here" for as long as it lives: a restore, which
	// replaces what every server holds in memory, refuses while it is held (and one that is
	// under way holds this start back until it is done).
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock_shared($1)`, instancesLock); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+NotifyChannel); err != nil {
		return err
	}
	listening()
	for {
		wctx, cancel := context.WithTimeout(ctx, ping)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			deliver(n.Payload)
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded) || conn.IsClosed():
			return err
		}
		// Silent for a whole ping: ask the server whether it is still there.
		pctx, cancel := context.WithTimeout(ctx, ping)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return err
		}
	}
}

// instancesLock is the key of the advisory lock every serving instance holds shared on its
// listening connection, and a restore takes exclusively ("DVCL" and "I").
const instancesLock = int64(ApplicationID)<<8 | 'I'

// InstancesRunning counts the server instances that listen on the database now (the sessions
// holding instancesLock); 0 on SQLite, where the file's own lock tells.
func (s *Store) InstancesRunning(ctx context.Context) (int, error) {
	if !s.pg {
		return 0, nil
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1 AND granted`,
		instancesLock>>32, instancesLock&0xffffffff).Scan(&n)
	return n, err
}

// takeInstancesLock takes instancesLock exclusively until tx ends, or fails with ErrInUse
// while a server instance holds it.
func takeInstancesLock(ctx context.Context, tx *sql.Tx) error {
	var got bool
	if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock(?)`, instancesLock).Scan(&got); err != nil {
		return err
	}
	if !got {
		return fmt.Errorf("%w: a server instance listens on the database", ErrInUse)
	}
	return nil
}

// janitorLock is the key of the session advisory lock a purge holds, so that the instances on
// one database purge one at a time ("DVCL" and "J").
const janitorLock = int64(ApplicationID)<<8 | 'J'

// Exclusively runs fn while no other instance on the database runs an Exclusively of its own,
// and reports whether it ran: it does not wait for the other one, which does the same work.
// The lock is a PostgreSQL session lock on a connection held for the run: an instance that
// dies releases it with its connection. On SQLite fn just runs.
func (s *Store) Exclusively(ctx context.Context, fn func(context.Context) error) (bool, error) {
	if !s.pg {
		return true, fn(ctx)
	}
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(?)`, janitorLock).Scan(&got); err != nil {
		return false, err
	}
	if !got {
		return false, nil
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, janitorLock); err != nil {
			// The lock must not outlive the run on a pooled connection.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return true, fn(ctx)
}

// DropStaleAttempts removes the attempts ReserveAttempt took that have had no outcome since
// before: cut short by an instance that ended between the two. Unlike DropUnfinishedAttempts
// it leaves the attempts other instances have in flight; before must be PendingGrace or more
// ago, after which a pending attempt no longer counts anyway.
func (s *Store) DropStaleAttempts(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM login_attempts WHERE success = 0 AND reason = 'pending' AND at < ?`, ms(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SeedCitizens creates cs when there are no citizens yet, in one transaction, and reports
// whether it did: of instances starting together on an empty database one seeds, and the
// others find its citizens.
func (s *Store) SeedCitizens(ctx context.Context, cs []Citizen) (bool, error) {
	seeded := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM citizens`).Scan(&n); err != nil || n > 0 {
			return err
		}
		seeded = true
		return insertCitizens(ctx, tx, cs)
	})
	return seeded && err == nil, err
}
