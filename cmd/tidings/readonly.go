package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"tidings/store"
	"tidings/store/sqlite"
)

// readsOnly reports whether the command only reads the database, so that
// a database file this process may not write is opened read-only for it
// rather than refused. show marks the item it prints read: on a read-only
// database it leaves it unread and says so.
func readsOnly(command string) bool {
	switch command {
	case "items", "show", "search", "feeds", "export":
		return true
	}
	return false
}

// openReadOnlyStore opens the SQLite database at path read-only, after
// the writable open failed with first (wrapping sqlite.ErrReadOnly), and
// tells w that nothing is written: no config sync, no state change.
func openReadOnlyStore(ctx context.Context, path string, first error, w io.Writer) (store.Store, error) {
	db, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open database: %w (and to read it: %w)", first, err)
	}
	msg := first.Error()
	if i := strings.Index(msg, ": reading it works"); i >= 0 {
		msg = msg[:i]
	}
	fmt.Fprintf(w, "tidings: %s; reading it, changing nothing (no config sync, no read marks).\n", strings.TrimPrefix(msg, "open database: "))
	return db, nil
}
