package fever_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
	"tidings/web/fever"
)

// The benchmark's data, as the store's per-user benchmarks have it: one
// user subscribed to 1,000 feeds of 1,000,000 items in all, nine in ten
// of them read, so 100,000 or so unread.
const (
	benchFeeds  = 1000
	benchItems  = 1_000_000
	benchUser   = "reader"
	benchSecret = "fever-bench-token"
)

// openBench returns a reader over the benchmark's database, built once
// and kept in the temporary directory for the next run (TIDINGS_FEVER_BENCH_DB
// names another place), with the user's Fever key.
func openBench(b *testing.B) (*reader.Reader, store.User, string) {
	b.Helper()
	ctx := context.Background()
	path := os.Getenv("TIDINGS_FEVER_BENCH_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "tidings-bench-fever-v1.db")
	}
	if _, err := os.Stat(path); err != nil {
		buildBench(b, path)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	r := reader.New(reader.Options{Store: db})
	key := reader.FeverKey(benchUser, benchSecret)
	u, _, err := r.AuthenticateFever(ctx, key)
	if err != nil {
		b.Fatalf("%s: %v; remove the file to build it again", path, err)
	}
	return r, u, key
}

// buildBench makes the database at path: schema and user through the
// store, the million items with SQL, as the store's own benchmark does.
func buildBench(b *testing.B, path string) {
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
	u, err := db.CreateUser(ctx, benchUser, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.AddToken(ctx, store.Token{UserID: u.ID, Label: "bench", Hash: reader.TokenHash(benchSecret),
		FeverKey: reader.FeverKey(benchUser, benchSecret), CreatedAt: time.Now()}); err != nil {
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
		if _, err := tx.ExecContext(ctx, q, u.ID, benchFeeds, benchItems); err != nil {
			tx.Rollback()
			b.Fatalf("build the benchmark's data: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
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

// BenchmarkUnreadItemIDs measures POST /api/fever/?api&unread_item_ids
// for a user with 1,000,000 stored items and 100,000 unread on SQLite,
// over loopback HTTP as an app asks, with the other ID and item calls of
// a sync beside it; "store" is the store's ItemIDs alone, for how much of
// the call is the query.
func BenchmarkUnreadItemIDs(b *testing.B) {
	r, u, key := openBench(b)
	benchSync(b, r, u, key)
}

// benchSync runs the calls of BenchmarkUnreadItemIDs on r's store.
func benchSync(b *testing.B, r *reader.Reader, u store.User, key string) {
	ctx := context.Background()
	n, err := r.CountItems(ctx, u.ID, store.Query{Unread: true})
	if err != nil || n < 90_000 || n > 110_000 {
		b.Fatalf("the benchmark's user has %d unread, %v", n, err)
	}
	srv := httptest.NewServer(fever.New(fever.Options{Reader: r}))
	b.Cleanup(srv.Close)
	for _, q := range []string{"api&unread_item_ids", "api&saved_item_ids", "api&items&since_id=500000", "api&feeds&groups"} {
		b.Run(q, func(b *testing.B) {
			body := url.Values{"api_key": {key}}.Encode()
			for b.Loop() {
				resp, err := http.Post(srv.URL+"/api/fever/?"+q, "application/x-www-form-urlencoded", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || n < 50 {
					b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
				}
			}
		})
	}
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			ids, err := r.ItemIDs(ctx, u.ID, store.Query{Unread: true, ByID: true, Oldest: true})
			if err != nil || len(ids) != n {
				b.Fatalf("%d IDs, %v", len(ids), err)
			}
		}
	})
}
