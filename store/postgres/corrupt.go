package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"tidings/store"
)

// PostgreSQL's SQLSTATEs for a damaged database (class XX): a data page
// that fails its checks, and an index whose structure is wrong. XX000
// (internal_error) is left out: it says nothing about the data.
const (
	codeDataCorrupted  = "XX001"
	codeIndexCorrupted = "XX002"
)

// corruptPG returns the server's error of err when it says the database
// is damaged.
func corruptPG(err error) *pgconn.PgError {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == codeDataCorrupted || pe.Code == codeIndexCorrupted) {
		return pe
	}
	return nil
}

// damagedError is the error of a server that found the database damaged:
// it wraps store.ErrCorrupt and the server's error, and says what to do.
func damagedError(pe *pgconn.PgError) error {
	what := "restore the database from a dump (pg_dump) or a base backup"
	if pe.Code == codeIndexCorrupted {
		what = "rebuild the index the server names (REINDEX)"
	}
	return fmt.Errorf("%w: the PostgreSQL server says: %w; tidings writes nothing more to it: "+
		"stop every tidings using it, %s, then start tidings again", store.ErrCorrupt, pe, what)
}

// corrupted makes a server's data_corrupted or index_corrupted error one
// wrapping store.ErrCorrupt (damagedError); other errors pass unchanged.
func corrupted(err error) error {
	if err == nil || errors.Is(err, store.ErrCorrupt) {
		return err
	}
	if pe := corruptPG(err); pe != nil {
		return damagedError(pe)
	}
	return err
}

// damage is the first error by which the server said the database is
// damaged, as seen by any statement of the store, read or write. Once it
// is set the store writes nothing more: its transactions and claims
// return it without starting, and every connection it acquires is made
// read-only, so that the server refuses the other writes too.
type damage struct {
	err atomic.Pointer[error]
}

// found records a server's corruption error, the first one kept.
func (d *damage) found(pe *pgconn.PgError) {
	err := damagedError(pe)
	d.err.CompareAndSwap(nil, &err)
}

// load returns the recorded error, nil while the database is intact.
func (d *damage) load() error {
	if p := d.err.Load(); p != nil {
		return *p
	}
	return nil
}

// readOnlyKey marks, in a connection's custom data, one made read-only
// after the damage was found.
const readOnlyKey = "tidings_read_only"

// watch makes cfg's connections report their corruption errors to d, and
// makes each connection read-only before its next use once d has one.
func (d *damage) watch(cfg *pgxpool.Config) {
	cfg.ConnConfig.Tracer = damageTracer{d}
	cfg.PrepareConn = func(ctx context.Context, c *pgx.Conn) (bool, error) {
		if d.load() == nil || c.PgConn().CustomData()[readOnlyKey] != nil {
			return true, nil
		}
		if _, err := c.Exec(ctx, "SET SESSION default_transaction_read_only = on"); err != nil {
			return false, fmt.Errorf("make the connection read-only, the database being damaged: %w", err)
		}
		c.PgConn().CustomData()[readOnlyKey] = true
		return true, nil
	}
}

// damageTracer sees the error of every statement and batch of the pool's
// connections, and records those that say the database is damaged.
type damageTracer struct{ d *damage }

var (
	_ pgx.QueryTracer = damageTracer{}
	_ pgx.BatchTracer = damageTracer{}
)

func (t damageTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (t damageTracer) TraceQueryEnd(_ context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	t.saw(data.Err)
}

func (t damageTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (t damageTracer) TraceBatchQuery(_ context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	t.saw(data.Err)
}

func (t damageTracer) TraceBatchEnd(_ context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	t.saw(data.Err)
}

func (t damageTracer) saw(err error) {
	if pe := corruptPG(err); pe != nil {
		t.d.found(pe)
	}
}

// Damaged returns nil while the database is intact; once the server
// reported damaged data or a damaged index (SQLSTATE XX001, XX002) to any
// statement of this store, the error wrapping store.ErrCorrupt that says
// what to do, and the store writes nothing more until it is opened again.
func (db *DB) Damaged() error { return db.damage.load() }

// retry is the package's retry for a write of db: it returns the recorded
// damage without writing, once there is one.
func (db *DB) retry(fn func() error) error {
	if err := db.damage.load(); err != nil {
		return err
	}
	return retry(fn)
}
