package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"tidings/store"
)

// TestQueryTimeout: a listing, count or search that runs past the query
// timeout stops with store.ErrQueryTimeout, which says what to do; one the
// caller gives up on keeps the caller's error; without a limit all run.
func TestQueryTimeout(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	me := uid(t, db)
	feed, err := db.Subscribe(ctx, me, store.Subscription{Feed: store.Feed{URL: "https://slow.test/feed"}, Tags: []string{"t"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveFetch(ctx, feed.ID, store.FetchResult{Now: time.Now(), Items: benchItems("s", 200)}); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func(ctx context.Context) error{
		"Items": func(ctx context.Context) error {
			_, _, err := db.Items(ctx, me, store.Query{Search: "item", Limit: 10})
			return err
		},
		"ItemIDs":    func(ctx context.Context) error { _, err := db.ItemIDs(ctx, me, store.Query{Unread: true}); return err },
		"CountItems": func(ctx context.Context) error { _, err := db.CountItems(ctx, me, store.Query{Tag: "t"}); return err },
		"MarkAllRead": func(ctx context.Context) error {
			_, err := db.MarkAllRead(ctx, me, store.Query{Search: "item"})
			return err
		},
		"Subscriptions": func(ctx context.Context) error { _, err := db.Subscriptions(ctx, me, true); return err },
		"Tags":          func(ctx context.Context) error { _, err := db.Tags(ctx, me); return err },
		"UnreadCounts":  func(ctx context.Context) error { _, err := db.UnreadCounts(ctx, me); return err },
	}
	db.SetQueryTimeout(time.Nanosecond)
	for name, call := range calls {
		if err := call(ctx); !errors.Is(err, store.ErrQueryTimeout) {
			t.Errorf("%s past the timeout: %v; want ErrQueryTimeout", name, err)
		}
	}
	db.SetQueryTimeout(time.Hour)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	for name, call := range calls {
		if err := call(gone); err == nil || errors.Is(err, store.ErrQueryTimeout) {
			t.Errorf("%s given up by the caller: %v; want the caller's error, not ErrQueryTimeout", name, err)
		}
	}
	db.SetQueryTimeout(0)
	for name, call := range calls {
		if err := call(ctx); err != nil {
			t.Errorf("%s without a limit: %v", name, err)
		}
	}
}
