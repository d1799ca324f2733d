// Package postgres is tidings' multi-node storage backend: one PostgreSQL
// database (github.com/jackc/pgx/v5) shared by any number of `tidings run`
// processes, with full-text search by tsvector.
//
// Several processes share the work safely: ClaimFeeds leases due feeds with
// FOR UPDATE SKIP LOCKED, so two claimants never get the same feed, and a
// claimant that dies only holds its feeds until the lease ends. SaveFetch
// locks the feed's row first, so two saves of one feed run one after the
// other, and writes the state and items in one transaction.
//
// Open applies the embedded, numbered migrations (migrations/NNNN_name.sql)
// one transaction per file, under an advisory lock, so processes starting at
// once migrate a new database exactly once. It refuses a database whose
// tables belong to another program, and one migrated by a newer tidings,
// without writing to it.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"tidings/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// versionTable records the applied migrations; its presence is what marks a
// schema as tidings'.
const versionTable = "tidings_migrations"

// ourTables are the tables the migrations create. A schema that has one of
// them but no version table belongs to another program.
var ourTables = []string{"feeds", "items", "tombstones", "users", "tokens", "subscriptions", "tags",
	"subscription_tags", "item_states"}

// First keys of tidings' advisory locks ("tdn" and what the lock guards);
// the second key is the hash of the schema's name, so that tidings stores in
// several schemas of one database do not wait for each other.
const (
	lockMigrate int32 = 0x74646e01 // migrations of the schema
	lockSync    int32 = 0x74646e02 // SyncDeclared: one config sync at a time
)

// DB is a tidings store in a PostgreSQL database. It implements store.Store
// and is safe for concurrent use by goroutines and by processes.
type DB struct {
	pool *pgxpool.Pool
	// name describes the database in errors: no password.
	name string
	// QueryDeadline bounds the user's listings, counts and searches.
	store.QueryDeadline
	// damage is set when the server says the database is damaged; from
	// then on nothing is written (see Damaged).
	damage damage
}

var _ store.Store = (*DB)(nil)

// Open connects to the PostgreSQL database at dsn (a postgres:// URL or a
// "key=value" string as libpq takes them) and migrates the schema named
// first in its search_path (normally "public") to this binary's version.
//
// A schema with a feeds, items or tombstones table but no tidings version
// table is refused with an error wrapping store.ErrNotTidings; one migrated
// by a newer tidings with one wrapping store.ErrSchemaTooNew. Tables of
// other programs are left alone and do not stop tidings from adding its own.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w; give a URL like postgres://user@host:5432/tidings", err)
	}
	// Every time goes in and out as UTC; text output (psql, logs) too.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// tidings never waits for anything but the server inside a
	// transaction. A transaction left idle means its process hangs or lost
	// its network: the server ends it, so that the feed rows it locked
	// (which other claimants pass over) are free again. The URL may say
	// otherwise.
	if _, set := cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"]; !set {
		cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = strconv.FormatInt(idleTxTimeout.Milliseconds(), 10)
	}
	// tidings' queries read a page, a count or a list of IDs under a
	// LIMIT, which the planner costs as if it read every row: above
	// jit_above_cost it compiles them, which took longer than running
	// them (75 to 125 ms of the 10,000 unread IDs' 175 to 270 ms at
	// 1,000,000 items). The URL may say otherwise.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	name := describe(cfg.ConnConfig)
	migs, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, cfg.ConnConfig, name, migs); err != nil {
		return nil, err
	}
	db := &DB{name: name}
	db.damage.watch(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", name, err)
	}
	db.pool = pool
	return db, nil
}

// Name returns the database as messages show it: a postgres:// URL with
// the user, host, port and database, never the password.
func (db *DB) Name() string { return db.name }

// Close closes every connection of the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// describe names a database for messages, without its password.
func describe(c *pgx.ConnConfig) string {
	host := c.Host
	if !strings.HasPrefix(host, "/") {
		host = net.JoinHostPort(host, strconv.Itoa(int(c.Port)))
	}
	user := ""
	if c.User != "" {
		user = c.User + "@"
	}
	return "postgres://" + user + host + "/" + c.Database
}

// migration is one numbered schema file.

// migrate checks the schema and applies the migrations it lacks, each in
// its own transaction, on a connection of its own that holds an advisory
// lock throughout: a second process opening the same database waits, then
// finds the work done. Closing the connection releases the lock whatever
// happens.
func migrate(ctx context.Context, cc *pgx.ConnConfig, name string, migs []store.Migration) error {
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return fmt.Errorf("open database %s: %w; check that PostgreSQL runs there and that the user, "+
			"password and database name are right", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var schema pgtype.Text
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("open database %s: %w", name, err)
	}
	if !schema.Valid {
		return fmt.Errorf("open database %s: no schema of the search_path exists; "+
			"create it (CREATE SCHEMA) or fix search_path", name)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, hashtext(current_schema()))", lockMigrate); err != nil {
		return fmt.Errorf("open database %s: wait for another tidings migrating it: %w", name, err)
	}
	version, err := schemaVersion(ctx, conn, name, schema.String)
	if err != nil {
		return err
	}
	if version > len(migs) {
		return tooNew(name, version, len(migs))
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+versionTable+
		" (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"); err != nil {
		return fmt.Errorf("open database %s: create version table: %w%s", name, err, grantHint(err, schema.String, cc.User))
	}
	for _, m := range migs[version:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// No arguments: the simple protocol runs every statement of
			// the file.
			if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO "+versionTable+" (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("open database %s: apply migration %s: %w%s", name, m.Name, err, grantHint(err, schema.String, cc.User))
		}
	}
	return nil
}

// schemaVersion returns the schema's tidings version: 0 for a schema
// without tidings tables, or an error wrapping store.ErrNotTidings for one
// with tables of another program by our names.
func schemaVersion(ctx context.Context, conn *pgx.Conn, name, schema string) (int, error) {
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() ORDER BY table_name`)
	if err != nil {
		return 0, fmt.Errorf("open database %s: list tables: %w", name, err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("open database %s: list tables: %w", name, err)
	}
	if !slices.Contains(tables, versionTable) {
		var clash []string
		for _, t := range ourTables {
			if slices.Contains(tables, t) {
				clash = append(clash, t)
			}
		}
		if len(clash) > 0 {
			return 0, fmt.Errorf("open database %s: schema %s has tables of another program (%s); "+
				"give tidings a database or schema of its own (tidings leaves these alone): %w",
				name, schema, strings.Join(clash, ", "), store.ErrNotTidings)
		}
		return 0, nil
	}
	var version int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+versionTable).Scan(&version); err != nil {
		return 0, fmt.Errorf("open database %s: read schema version: %w", name, err)
	}
	return version, nil
}

// grantHint says what to do about a permission error while migrating.
func grantHint(err error, schema, user string) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42501" {
		return ""
	}
	return "; user " + user + " may not create tables in schema " + schema +
		": make it the schema's owner, or run GRANT CREATE ON SCHEMA " + schema + " TO " + user
}

func tooNew(name string, version, known int) error {
	return fmt.Errorf("open database %s: schema version %d, this tidings knows up to %d; upgrade tidings: %w",
		name, version, known, store.ErrSchemaTooNew)
}

// idleTxTimeout is how long the server lets a transaction of tidings sit
// idle before it ends it (idle_in_transaction_session_timeout).
const idleTxTimeout = 2 * time.Minute

// maxTries bounds how often tx runs a transaction that PostgreSQL aborted
// for a deadlock or a serialization failure, which a retry resolves.
const maxTries = 3

// tx runs fn in a read-write transaction and commits if fn returns nil. fn
// may run more than once, so it must set its results afresh each time.
// Once the server said the database is damaged, tx returns that error
// without beginning (see Damaged).
func (db *DB) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return db.retry(func() error { return pgx.BeginFunc(ctx, db.pool, fn) })
}

// retry runs fn, again while it fails with an error a retry resolves. A
// single statement needs no transaction of its own: it is one already.
// A full disk's error wraps store.ErrDiskFull (diskFull), a damaged
// database's store.ErrCorrupt (corrupted).
func retry(fn func() error) error {
	var err error
	for range maxTries {
		if err = fn(); !retryable(err) {
			break
		}
	}
	return corrupted(diskFull(err))
}

// diskFull makes PostgreSQL's disk_full (53100) an error wrapping
// store.ErrDiskFull that says what to do. The server rolled back the
// transaction that failed.
func diskFull(err error) error {
	var pe *pgconn.PgError
	if errors.Is(err, store.ErrDiskFull) || !errors.As(err, &pe) || pe.Code != "53100" {
		return err
	}
	return fmt.Errorf("%w: free some space on the PostgreSQL server's disk; "+
		"what was saved before is intact, and feeds not saved are fetched again: %w", store.ErrDiskFull, err)
}

// retryable reports a deadlock or serialization failure.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// uniqueViolation reports an error from a UNIQUE constraint.
func uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// fkViolation reports an error from a foreign key: what it points to is
// gone (a user removed meanwhile, by this process or another).
func fkViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// noUser is the error for a user ID that names no user.
func noUser(userID int64) error {
	return fmt.Errorf("user %d: %w", userID, store.ErrNotFound)
}

// checkUser returns noUser unless the user exists. Methods call it only
// when their answer is empty, where a missing user and a user with
// nothing look alike.
func checkUser(ctx context.Context, q querier, userID int64) error {
	var ok bool
	if err := q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)", userID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return noUser(userID)
	}
	return nil
}

// ts is the one conversion of times into the database: UTC, truncated to
// the microsecond timestamptz keeps, and NULL for the zero time.
func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}

// fromTS is the inverse of ts: NULL (and infinity) is the zero time,
// anything else comes back in UTC.
func fromTS(v pgtype.Timestamptz) time.Time {
	if !v.Valid || v.InfinityModifier != pgtype.Finite {
		return time.Time{}
	}
	return v.Time.UTC()
}

// stored is t as it reads back from the database, for comparing a new
// value with a stored one.
func stored(t time.Time) time.Time { return fromTS(ts(t)) }

// text makes s storable as PostgreSQL text, which refuses NUL and invalid
// UTF-8 (the fetcher should never hand over either): NULs are dropped and
// invalid bytes become U+FFFD.
func text(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// querier is what pgx.Tx, *pgx.Conn and *pgxpool.Pool have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// params collects the arguments of a query built from parts and names
// each by its position.
type params []any

// add appends v and returns its placeholder.
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}
