// Package sqlite is tidings' embedded storage backend: one SQLite file
// (modernc.org/sqlite, pure Go) in WAL mode, with full-text search by FTS5.
//
// Open refuses a file that tidings did not make and a schema newer than this
// binary, without writing to the file. Migrations are numbered .sql files
// embedded in the binary and applied on open, one transaction per file.
//
// Every write runs in a BEGIN IMMEDIATE transaction on a single connection,
// so goroutines of one process queue up instead of failing with
// SQLITE_BUSY; other processes on the same file are waited for by
// busy_timeout. Reads use a separate pool and, under WAL, never wait for a
// writer.
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"tidings/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// versionTable records the applied migrations; its presence is what marks a
// file as a tidings database.
const versionTable = "tidings_migrations"

// busyTimeout is how long a statement waits for another process's lock:
// long enough for a large import in another process to finish.
const busyTimeout = 30 * time.Second

// DB is a tidings store in one SQLite file. It implements store.Store and
// is safe for concurrent use.
type DB struct {
	path  string
	write *sql.DB // one connection: every write transaction queues here
	read  *sql.DB // a pool for queries
	// stmts caches prepared statements of the write connection: parsing
	// SQL costs more than running most of these statements.
	stmts stmtCache
	// QueryDeadline bounds the user's listings, counts and searches.
	store.QueryDeadline
	// corrupt is the first error that found the file damaged: once set,
	// no write transaction starts (writing into a damaged file can only
	// spread the damage).
	corrupt atomic.Pointer[error]
}

var _ store.Store = (*DB)(nil)

// Open opens the tidings database at path, creating it (and its directory)
// if needed and migrating it to this binary's schema.
//
// A file that is not a tidings database is refused with an error wrapping
// store.ErrNotTidings, one migrated by a newer tidings with one wrapping
// store.ErrSchemaTooNew; in both cases the file is not written to.
//
// Errors start with the file's absolute path ("/x/tidings.db: the file is
// not an SQLite database; ..."), not with "open database": the caller says
// what it was doing.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	migs, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("%s: create its directory: %w", abs, err)
	}
	if err := checkWritable(abs); err != nil {
		return nil, err
	}
	if err := probe(ctx, abs, len(migs)); err != nil {
		return nil, err
	}

	common := url.Values{}
	common.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	common.Add("_pragma", "foreign_keys(1)")
	common.Add("_pragma", "synchronous(NORMAL)")

	wq := cloneValues(common)
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", dsn(abs, wq))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db := &DB{path: abs, write: w}

	// WAL is a property of the file; setting it once here (after probe has
	// vouched for the file) makes every later connection use it.
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: enable WAL: %w", abs, err)
	}
	if err := db.migrate(ctx, migs); err != nil {
		w.Close()
		return nil, err
	}

	if err := db.stmts.prepare(ctx, w, hotStatements()); err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: %w", abs, err)
	}

	rq := cloneValues(common)
	rq.Add("_pragma", "query_only(1)")
	// A user's listings walk indexes of a million rows: through a map of
	// the file instead of a read() per page, and with 32 MiB of pages
	// kept per connection instead of 2 (BenchmarkUnreadPage). Only the
	// readers: on the writer the mapped pages would count in the memory
	// of every fetch (a cold fetch --all of 1,000 feeds went from 76 to
	// 155 MB).
	rq.Add("_pragma", "mmap_size(268435456)")
	rq.Add("_pragma", "cache_size(-32768)")
	r, err := sql.Open("sqlite", dsn(abs, rq))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: %w", abs, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.read = r
	return db, nil
}

// checkWritable says, before SQLite's own "attempt to write a readonly
// database" or "unable to open database file (14)", which permission is
// missing: write permission on the file, or on its directory, where SQLite
// creates the -wal and -shm files next to it.
func checkWritable(abs string) error {
	f, err := os.OpenFile(abs, os.O_RDWR, 0)
	if err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return permissionError(abs, false, err)
	}
	dir := filepath.Dir(abs)
	t, err := os.CreateTemp(dir, ".tidings-write-test-*")
	if err != nil {
		return permissionError(dir, true, err)
	}
	t.Close()
	return os.Remove(t.Name())
}

// permissionError is the error of a file (or, isDir, a directory) tidings
// may not write: what is missing and what to do, wrapping err.
func permissionError(path string, isDir bool, err error) error {
	if !readOnlyCause(err) {
		return fmt.Errorf("%s: %w", path, err)
	}
	why := "no write permission for you"
	if errors.Is(err, syscall.EROFS) {
		why = "on a read-only file system"
	}
	if isDir {
		return fmt.Errorf("%s: this directory is not writable (%s), and SQLite creates the database's -wal and -shm files in it: "+
			"reading the database works; to change it, give yourself write permission on the directory (chmod u+w %s), "+
			"or point database at a writable place: %w (%w)", path, why, path, ErrReadOnly, err)
	}
	return fmt.Errorf("%s: this file is read-only (%s): reading it works; to change it, "+
		"give yourself write permission (chmod u+w %s), or copy it somewhere writable: %w (%w)", path, why, path, ErrReadOnly, err)
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes both connection pools.
func (db *DB) Close() error {
	var errs []error
	db.stmts.close()
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database %s: %w", db.path, err)
	}
	return nil
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// dsn builds an SQLite URI for an absolute path; escaping keeps '?', '#'
// and '%' in file names from being read as URI syntax.
func dsn(abs string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// sqliteHeader starts every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// probe checks, without writing to it, that an existing file at path is a
// tidings database no newer than known migrations. A missing or empty file
// passes: Open creates the schema.
func probe(ctx context.Context, abs string, known int) error {
	f, err := os.Open(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", abs, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", abs, err)
	}
	if st.IsDir() {
		f.Close()
		return fmt.Errorf("%s: it is a directory; set database to a file path", abs)
	}
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	f.Close()
	if n == 0 && (err == io.EOF || err == nil) {
		return nil
	}
	if err != nil && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("%s: %w", abs, err)
	}
	if !bytes.Equal(head[:n], sqliteHeader) {
		return fmt.Errorf("%s: the file is not an SQLite database; "+
			"point database at another path (tidings leaves this file alone): %w", abs, store.ErrNotTidings)
	}

	// query_only: no statement can write through this connection. (Not
	// mode=ro: a read-only connection to a WAL file leaves -wal and -shm
	// files behind, which a read-write one removes on close.)
	q := url.Values{}
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	if readOnlyFS(filepath.Dir(abs)) {
		// SQLite cannot make the -shm file of a WAL database there; and
		// nothing can change the file there either.
		q.Add("mode", "ro")
		q.Add("immutable", "1")
	}
	conn, err := sql.Open("sqlite", dsn(abs, q))
	if err != nil {
		return fmt.Errorf("%s: %w", abs, err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)

	rows, err := conn.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table'")
	if isCorrupt(err) {
		return damagedFile(abs, err)
	}
	if err != nil {
		return fmt.Errorf("%s: cannot read it as SQLite (%v); "+
			"point database at another path (tidings leaves this file alone): %w", abs, err, store.ErrNotTidings)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("%s: %w", abs, err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); isCorrupt(err) {
		return damagedFile(abs, err)
	} else if err != nil {
		return fmt.Errorf("%s: %w", abs, err)
	}
	if err := rows.Err(); isCorrupt(err) {
		return damagedFile(abs, err)
	} else if err != nil {
		return fmt.Errorf("%s: cannot read it as SQLite (%v): %w", abs, err, store.ErrNotTidings)
	}
	if len(tables) == 0 {
		return nil // an empty SQLite database: ours to initialise
	}
	if !contains(tables, versionTable) {
		return fmt.Errorf("%s: it is an SQLite database of another program (tables %s); "+
			"point database at another path (tidings leaves this file alone): %w",
			abs, strings.Join(firstN(tables, 5), ", "), store.ErrNotTidings)
	}
	var version int
	if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM "+versionTable).Scan(&version); isCorrupt(err) {
		return damagedFile(abs, err)
	} else if err != nil {
		return fmt.Errorf("%s: read schema version: %w", abs, err)
	}
	if version > known {
		return tooNew(abs, version, known)
	}
	return nil
}

// isCorrupt reports whether err is SQLite's SQLITE_CORRUPT: a file that
// starts as an SQLite database and is damaged (cut short, pages
// overwritten). SQLITE_NOTADB, a header followed by something else, is
// another program's file.
func isCorrupt(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CORRUPT
}

// damagedFile is Open's error for a file with SQLite's header that SQLite
// finds damaged: most likely a tidings database cut short or overwritten,
// so it is called damaged, not another program's; nothing is written to it.
func damagedFile(abs string, err error) error {
	return fmt.Errorf("%w: %s starts as an SQLite database but is damaged (%v); tidings leaves it alone: "+
		"restore a copy made by 'tidings backup', or copy what can be read with 'sqlite3 %s .recover'",
		store.ErrCorrupt, abs, err, abs)
}

func tooNew(abs string, version, known int) error {
	return fmt.Errorf("%s: schema version %d, this tidings knows up to %d; upgrade tidings: %w",
		abs, version, known, store.ErrSchemaTooNew)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstN(list []string, n int) []string {
	if len(list) > n {
		return append(list[:n:n], "...")
	}
	return list
}

// migration is one numbered schema file.

// migrate applies the migrations not yet applied, each in its own
// transaction. The version is re-read inside each transaction, so two
// processes opening a new file at once apply each migration once.
func (db *DB) migrate(ctx context.Context, migs []store.Migration) error {
	if _, err := db.write.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+versionTable+
		" (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"); err != nil {
		return fmt.Errorf("%s: create version table: %w", db.path, db.diskFull(err))
	}
	for _, m := range migs {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var version int
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM "+versionTable).Scan(&version); err != nil {
				return err
			}
			if version > len(migs) {
				return tooNew(db.path, version, len(migs))
			}
			if version >= m.Version {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO "+versionTable+" (version, applied_at) VALUES (?, ?)",
				m.Version, toMillis(time.Now()))
			return err
		})
		if errors.Is(err, store.ErrSchemaTooNew) {
			return err
		}
		if err != nil {
			return fmt.Errorf("%s: apply migration %s: %w", db.path, m.Name, err)
		}
	}
	return nil
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE, on the single write
// connection) and commits if fn returns nil. A full disk's error wraps
// store.ErrDiskFull (diskFull).
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := db.corrupt.Load(); err != nil {
		return *err
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.diskFull(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return db.diskFull(err)
	}
	return db.diskFull(tx.Commit())
}

// diskFull makes SQLite's SQLITE_FULL ("database or disk is full") an
// error wrapping store.ErrDiskFull that names the file and says what to do.
// SQLite rolls back the statement or transaction that failed, so nothing
// is half written.
//
// It also makes SQLITE_CORRUPT and SQLITE_NOTADB met by a write an error
// wrapping store.ErrCorrupt (see damaged).
func (db *DB) diskFull(err error) error {
	var se *sqlite.Error
	if err == nil || errors.Is(err, store.ErrDiskFull) || errors.Is(err, store.ErrCorrupt) || !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return db.damaged(err.Error())
	case sqlite3.SQLITE_FULL:
	default:
		return err
	}
	return fmt.Errorf("%w: free some space on the disk of %s (or of the temporary directory); "+
		"what was saved before is intact, and feeds not saved are fetched again: %w", store.ErrDiskFull, db.path, err)
}

// damaged records that the file is damaged (what found it: an error, or
// quick_check's report) and returns the error wrapping store.ErrCorrupt
// that every later write gets. The first such error is kept.
func (db *DB) damaged(what string) error {
	err := fmt.Errorf("%w: %s: %s; tidings writes nothing more to it: stop every tidings using it, "+
		"copy what can be read with 'sqlite3 %s .recover', or restore a copy made by 'tidings backup'",
		store.ErrCorrupt, db.path, what, db.path)
	db.corrupt.CompareAndSwap(nil, &err)
	return *db.corrupt.Load()
}

// Damaged returns nil while the file is intact; once a statement or a
// Check found it damaged, the error wrapping store.ErrCorrupt that every
// write gets from then on, saying what to do.
func (db *DB) Damaged() error {
	if err := db.corrupt.Load(); err != nil {
		return *err
	}
	return nil
}

// Check runs SQLite's PRAGMA quick_check over the whole file: nil when it
// finds nothing wrong; else an error wrapping store.ErrCorrupt with the
// first problems it reports, and no write is made from then on.
func (db *DB) Check(ctx context.Context) error {
	rows, err := db.read.QueryContext(ctx, "PRAGMA quick_check(20)")
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_CORRUPT || se.Code()&0xff == sqlite3.SQLITE_NOTADB) {
			return db.damaged(err.Error())
		}
		return fmt.Errorf("check %s: %w", db.path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("check %s: %w", db.path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_CORRUPT || se.Code()&0xff == sqlite3.SQLITE_NOTADB) {
			return db.damaged(err.Error())
		}
		return fmt.Errorf("check %s: %w", db.path, err)
	}
	if len(problems) > 0 {
		return db.damaged("quick_check found: " + strings.Join(problems, "; "))
	}
	return nil
}

// Backup writes a consistent copy of the database to path (VACUUM INTO),
// while other connections and processes go on reading and writing. path
// must not exist: the copy never overwrites a file.
func (db *DB) Backup(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("back up to %s: the file exists; name a new file", abs)
	}
	// On the write connection: the read pool is read-only, and VACUUM
	// INTO writes the new file. It reads one snapshot, so writes of other
	// processes go on; this process's wait for the copy to end.
	if _, err := db.write.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		return fmt.Errorf("back up %s to %s: %w", db.path, abs, db.diskFull(err))
	}
	return nil
}

// stmtCache holds statements prepared on the write connection, by SQL
// text. It is filled once by Open (a statement cannot be prepared on the
// single write connection while a transaction holds it) and read-only
// after.
type stmtCache struct {
	m map[string]*sql.Stmt
}

func (c *stmtCache) prepare(ctx context.Context, w *sql.DB, queries []string) error {
	c.m = make(map[string]*sql.Stmt, len(queries))
	for _, q := range queries {
		st, err := w.PrepareContext(ctx, q)
		if err != nil {
			c.close()
			return fmt.Errorf("prepare statements: %w", err)
		}
		c.m[q] = st
	}
	return nil
}

func (c *stmtCache) close() {
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// txStmt returns query as a statement of tx: the one prepared by Open if
// there is one, else prepared now for this transaction only.
func (db *DB) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.m[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

// readTx runs fn in a read transaction on the read pool, so that what fn
// reads in several queries is one snapshot.
func (db *DB) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// toMillis is the one conversion of times into the database: milliseconds
// since the Unix epoch, UTC, with 0 for the zero time.
func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMillis is the inverse of toMillis.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// queryer is what *sql.Tx and *sql.DB have in common for reads.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}
