package postgres

import (
	"sync"
	"testing"

	"tidings/store"
	"tidings/store/storetest"
)

// TestStore runs the conformance suite, with a second store on the same
// schema for its races between two processes.
func TestStore(t *testing.T) {
	server(t)         // skip once, not in every subtest, when there is no server
	var dsns sync.Map // *DB -> the connection string it was opened with
	storetest.Run(t, func(t *testing.T) store.Store {
		dsn := freshSchema(t)
		db := open(t, dsn)
		dsns.Store(db, dsn)
		return db
	}, storetest.Options{
		Reopen: func(t *testing.T, s store.Store) store.Store {
			dsn, ok := dsns.Load(s.(*DB))
			if !ok {
				t.Fatal("Reopen of a store the suite did not open")
			}
			return open(t, dsn.(string))
		},
	})
}
