package postgres

import (
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tidings/store"
)

// TestUpgradeUnreadSet migrates a schema to version 6, fills it with two
// users, a shared feed, read, starred and kept items, and opens it:
// migration 7 fills unread_items from the subscriptions and read states,
// so the unread IDs listed from it are those the items say, and it stays
// so as items come in.
func TestUpgradeUnreadSet(t *testing.T) {
	ctx := t.Context()
	dsn, schema := freshSchemaNamed(t)
	migs, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, cc, schema, migs[:6]); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, dsn)
	for _, q := range []string{
		`INSERT INTO users (id, name, created_at) OVERRIDING SYSTEM VALUE VALUES (1, 'ann', now()), (2, 'ben', now())`,
		`INSERT INTO feeds (id, url, created_at) OVERRIDING SYSTEM VALUE VALUES (1, 'https://a.test/feed', now()), (2, 'https://b.test/feed', now())`,
		// ann follows both feeds, ben the second.
		`INSERT INTO subscriptions (user_id, feed_id, origin, created_at) VALUES (1, 1, 'user', now()), (1, 2, 'user', now()), (2, 2, 'user', now())`,
		`INSERT INTO items (id, feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen) OVERRIDING SYSTEM VALUE
			SELECT i, 1 + i % 2, '', 'g' || i, 'https://x.test/' || i, 'h' || i, 'Item ' || i, '', now(), now()
			FROM generate_series(1, 20) i`,
		// A kept item of a feed gone, starred by ann and not read.
		`INSERT INTO items (id, feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen) OVERRIDING SYSTEM VALUE
			VALUES (30, NULL, 'https://gone.test/feed', 'g30', 'https://gone.test/1', 'h30', 'Kept', '', now(), now())`,
		`SELECT setval(pg_get_serial_sequence('items', 'id'), 30)`,
		`INSERT INTO item_states (user_id, item_id, read, starred) VALUES
			(1, 1, true, false), (1, 2, true, false), (1, 3, false, true), (1, 4, true, true), (1, 30, false, true),
			(2, 1, true, false), (2, 3, true, false), (2, 6, false, true)`,
		`UPDATE feeds f SET item_count = (SELECT count(*) FROM items i WHERE i.feed_id = f.id)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	db := open(t, dsn)
	var rows int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM unread_items").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	// ann: 20 items, 3 read (1, 2, 4); ben: the 10 of feed 2 (odd IDs), 2
	// read; their unread starred items of no feed or of a feed not
	// followed (30, 6) are not rows.
	if rows != 17+8 {
		t.Errorf("unread_items has %d rows after the upgrade; want 25", rows)
	}
	var ann []int64
	for i := int64(1); i <= 20; i++ {
		if i != 1 && i != 2 && i != 4 {
			ann = append(ann, i)
		}
	}
	want := map[int64][]int64{1: append(ann, 30), 2: {5, 6, 7, 9, 11, 13, 15, 17, 19}}
	check := func(step string) {
		t.Helper()
		for user, ids := range want {
			got, err := db.ItemIDs(ctx, user, store.Query{Unread: true, ByID: true, Oldest: true})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, ids) {
				t.Errorf("%s: user %d's unread IDs = %v; want %v", step, user, got, ids)
			}
		}
	}
	check("upgraded")

	res, err := db.SaveFetch(ctx, 2, store.FetchResult{Now: time.Now(), Items: []store.Item{{GUID: "new", Title: "New"}}})
	if err != nil || res.New != 1 {
		t.Fatalf("SaveFetch after the upgrade = %+v, %v", res, err)
	}
	want[1] = append(want[1][:len(want[1])-1], 31, 30)
	slices.Sort(want[1])
	want[2] = append(want[2], 31)
	check("a new item of the shared feed")
}
