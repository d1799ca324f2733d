package miniflux_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
	"tidings/web/miniflux"
)

// BenchmarkEntriesLimit100 measures GET /v1/entries?limit=100 (with its
// total) for a user with 20 feeds of 1,000 items each on SQLite: unread
// newest first, everything, and a page far in.
func BenchmarkEntriesLimit100(b *testing.B) {
	const feeds, items = 20, 1000
	e := newEnv(b, feeds, items)
	u, tok := e.user(b, "alice")
	ctx := context.Background()
	for i := range feeds {
		if _, err := e.r.Subscribe(ctx, u.ID, reader.SubscribeRequest{URL: e.feeds.URL(i), Tags: []string{"t" + string(rune('a'+i%5))}}); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []string{"limit=100&status=unread&direction=desc", "limit=100", "limit=100&offset=5000&order=id"} {
		b.Run(q, func(b *testing.B) { benchGet(b, e.srv.URL+"/v1/entries?"+q, tok) })
	}
}

func benchGet(b *testing.B, url, tok string) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Auth-Token", tok)
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// The scale benchmark's data: one user subscribed to scaleFeeds feeds of
// scaleItems items in all, nine in ten of them read, the feeds in 20
// categories but one in 50 without a tag (the category All).
const (
	scaleFeeds  = 1000
	scaleItems  = 1_000_000
	scaleUser   = "reader"
	scaleSecret = "miniflux-bench-token"
)

// openScale returns a reader over the scale benchmark's database, built
// once with SQL and kept in the temporary directory for the next run
// (TIDINGS_MINIFLUX_BENCH_DB names another place), and the user's token.
func openScale(b *testing.B) (*reader.Reader, store.User, string) {
	b.Helper()
	ctx := context.Background()
	path := os.Getenv("TIDINGS_MINIFLUX_BENCH_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "tidings-bench-miniflux-v1.db")
	}
	if _, err := os.Stat(path); err != nil {
		buildScale(b, path)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	r := reader.New(reader.Options{Store: db})
	u, _, err := r.AuthenticateToken(ctx, scaleSecret)
	if err != nil {
		b.Fatalf("%s: %v; remove the file to build it again", path, err)
	}
	return r, u, scaleSecret
}

// buildScale makes the database at path: schema, user and token through
// the store, feeds, tags and the million items with SQL.
func buildScale(b *testing.B, path string) {
	ctx := context.Background()
	tmp := path + ".building"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	start := time.Now()
	db, err := sqlite.Open(ctx, tmp)
	if err != nil {
		b.Fatal(err)
	}
	u, err := db.CreateUser(ctx, scaleUser, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.AddToken(ctx, store.Token{UserID: u.ID, Label: "bench", Hash: reader.TokenHash(scaleSecret),
		CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open("sqlite", tmp)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
		INSERT INTO feeds (url, title, wait_reason, created_at, last_fetch)
		SELECT 'https://bench' || i || '.test/feed', 'Feed ' || i, 'schedule', 0, 1700000000000 FROM n`,
		`INSERT INTO subscriptions (user_id, feed_id, origin, created_at) SELECT ?1, id, 'user', 0 FROM feeds`,
		`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)
		INSERT INTO tags (user_id, name) SELECT ?1, 'tag' || i FROM n`,
		`INSERT INTO subscription_tags (subscription_id, tag_id, pos)
		SELECT s.id, t.id, 0 FROM subscriptions s JOIN tags t ON t.user_id = ?1 AND t.name = 'tag' || (s.feed_id % 20)
		WHERE s.feed_id % 50 <> 0`,
		`INSERT INTO subscription_tags (subscription_id, tag_id, pos)
		SELECT s.id, t.id, 1 FROM subscriptions s JOIN tags t ON t.user_id = ?1 AND t.name = 'tag' || ((s.feed_id + 7) % 20)
		WHERE s.feed_id % 50 <> 0 AND s.feed_id % 3 = 0`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
		INSERT INTO items (feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen)
		SELECT 1 + i % ?2, '', 'g' || i, 'https://bench.test/' || i, 'h' || i, 'Item ' || i,
			'<p>The text of item ' || i || ', long enough to look like a summary of something.</p>',
			1700000000000 + i * 1000, 1700000000000 + i * 1000 FROM n`,
		`INSERT INTO item_states (user_id, item_id, read) SELECT ?1, id, 1 FROM items WHERE ((id * 2654435761) >> 12) % 10 <> 0`,
		`UPDATE feeds SET item_count = (SELECT count(*) FROM items WHERE feed_id = feeds.id)`,
		`UPDATE subscriptions SET read_count = (SELECT count(*) FROM items i WHERE i.feed_id = subscriptions.feed_id
			AND EXISTS (SELECT 1 FROM item_states st WHERE st.user_id = subscriptions.user_id AND st.item_id = i.id AND st.read = 1))`,
	} {
		if _, err := tx.ExecContext(ctx, q, u.ID, scaleFeeds, scaleItems); err != nil {
			tx.Rollback()
			b.Fatalf("build the benchmark's data: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	raw.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	b.Logf("built %s in %v", path, time.Since(start).Round(time.Second))
}

// BenchmarkEntriesScale measures GET /v1/entries?limit=100 and the other
// listings apps page through, for a user with 1,000 subscriptions and
// 1,000,000 items (100,000 or so unread) on SQLite, over loopback HTTP.
func BenchmarkEntriesScale(b *testing.B) {
	r, _, tok := openScale(b)
	srv := httptest.NewServer(miniflux.New(r, nil))
	b.Cleanup(srv.Close)
	for _, q := range []string{
		"entries?limit=100",
		"entries?limit=100&status=unread&direction=desc",
		"entries?limit=100&status=unread&category_id=3",
		"feeds/17/entries?limit=100&status=unread&direction=desc",
		"entries?limit=100&starred=true",
	} {
		b.Run(q, func(b *testing.B) { benchGet(b, srv.URL+"/v1/"+q, tok) })
	}
}
