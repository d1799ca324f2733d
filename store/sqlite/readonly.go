package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strconv"
	"syscall"

	"tidings/store"
)

// ErrReadOnly marks the errors of Open for a database file (or directory)
// this process may not write: OpenReadOnly can still read it.
var ErrReadOnly = errors.New("the database may only be read")

// readOnlyCause reports whether err is a missing write permission or a
// read-only file system.
func readOnlyCause(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// OpenReadOnly opens an existing tidings database to read it, and never
// writes to it: for a file this process may only read (Open refuses it
// with an error wrapping ErrReadOnly), so that listing, showing, searching
// and exporting still work. The schema must be this binary's: an older one
// needs a writing Open to migrate it first. Every write fails with
// SQLite's "attempt to write a readonly database".
//
// On a read-only file system, where SQLite cannot create the -shm file a
// WAL database needs, the file is opened as immutable: nothing can change
// it there.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	migs, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	if err := probe(ctx, abs, len(migs)); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "query_only(1)")
	db, version, err := openRO(ctx, abs, q)
	if err != nil && readOnlyFS(filepath.Dir(abs)) {
		q.Set("immutable", "1")
		db, version, err = openRO(ctx, abs, q)
	}
	if err != nil {
		return nil, err
	}
	if version < len(migs) {
		db.Close()
		return nil, fmt.Errorf("%s: the database needs an upgrade to this tidings' schema (version %d, this tidings has %d), "+
			"and it may only be read: run any tidings command once with write permission on it: %w",
			abs, version, len(migs), ErrReadOnly)
	}
	return db, nil
}

// openRO opens both pools on abs with q and returns the schema version.
func openRO(ctx context.Context, abs string, q url.Values) (*DB, int, error) {
	w, err := sql.Open("sqlite", dsn(abs, q))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	var version int
	if err := w.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM "+versionTable).Scan(&version); err != nil {
		w.Close()
		return nil, 0, fmt.Errorf("%s: open it to read: %w", abs, err)
	}
	r, err := sql.Open("sqlite", dsn(abs, q))
	if err != nil {
		w.Close()
		return nil, 0, fmt.Errorf("%s: %w", abs, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db := &DB{path: abs, write: w, read: r}
	return db, version, nil
}
