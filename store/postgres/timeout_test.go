package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"tidings/store"
)

// TestQueryTimeout: a listing or count that runs past the query timeout
// stops with store.ErrQueryTimeout; one the caller gives up on keeps the
// caller's error; without a limit they run.
func TestQueryTimeout(t *testing.T) {
	db := openEmpty(t)
	user := me(t, db)
	subscribeURL(t, db, user, "https://slow.test/feed")
	var _ store.QueryTimeouter = db
	calls := map[string]func(ctx context.Context) error{
		"Items":         func(ctx context.Context) error { _, _, err := db.Items(ctx, user, store.Query{}); return err },
		"ItemIDs":       func(ctx context.Context) error { _, err := db.ItemIDs(ctx, user, store.Query{}); return err },
		"CountItems":    func(ctx context.Context) error { _, err := db.CountItems(ctx, user, store.Query{}); return err },
		"Subscriptions": func(ctx context.Context) error { _, err := db.Subscriptions(ctx, user, true); return err },
		"UnreadCounts":  func(ctx context.Context) error { _, err := db.UnreadCounts(ctx, user); return err },
		"Tags":          func(ctx context.Context) error { _, err := db.Tags(ctx, user); return err },
	}
	for name, call := range calls {
		db.SetQueryTimeout(time.Nanosecond)
		if err := call(t.Context()); !errors.Is(err, store.ErrQueryTimeout) {
			t.Errorf("%s past the timeout = %v; want ErrQueryTimeout", name, err)
		}
		db.SetQueryTimeout(time.Hour)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := call(ctx); err == nil || errors.Is(err, store.ErrQueryTimeout) {
			t.Errorf("%s cancelled by the caller = %v; want the caller's error", name, err)
		}
		db.SetQueryTimeout(0)
		if err := call(t.Context()); err != nil {
			t.Errorf("%s without a limit = %v", name, err)
		}
	}
}
