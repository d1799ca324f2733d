package fever_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tidings/reader"
	"tidings/store"
	"tidings/store/postgres"
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

// BenchmarkUnreadItemIDsPostgres is BenchmarkUnreadItemIDs on PostgreSQL
// (TIDINGS_TEST_POSTGRES, or the local server), in a schema built once
// with SQL and kept for the next run.
func BenchmarkUnreadItemIDsPostgres(b *testing.B) {
	r, u, key := openBenchPostgres(b)
	benchSync(b, r, u, key)
}

// openBenchPostgres is openBench on PostgreSQL.
func openBenchPostgres(b *testing.B) (*reader.Reader, store.User, string) {
	b.Helper()
	ctx := context.Background()
	dsn := os.Getenv("TIDINGS_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatalf("PostgreSQL not reachable: %v", err)
		}
		b.Skipf("PostgreSQL not reachable (%v); set TIDINGS_TEST_POSTGRES", err)
	}
	defer conn.Close(ctx)
	const schema = "tidings_bench_fever_v1"
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", schema).Scan(&n); err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	if n == 0 {
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			b.Fatal(err)
		}
		if err := buildBenchPostgres(ctx, u.String()); err != nil {
			_, _ = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			b.Fatalf("build the benchmark's data: %v", err)
		}
	}
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	r := reader.New(reader.Options{Store: db})
	key := reader.FeverKey(benchUser, benchSecret)
	usr, _, err := r.AuthenticateFever(ctx, key)
	if err != nil {
		b.Fatalf("schema %s: %v; drop it to build it again", schema, err)
	}
	return r, usr, key
}

// buildBenchPostgres makes the benchmark's data in the (empty) database
// of dsn: schema and user through the store, the rest with SQL, as
// buildBench does on SQLite.
func buildBenchPostgres(ctx context.Context, dsn string) error {
	start := time.Now()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		return err
	}
	u, err := db.CreateUser(ctx, benchUser, "")
	if err == nil {
		_, err = db.AddToken(ctx, store.Token{UserID: u.ID, Label: "bench", Hash: reader.TokenHash(benchSecret),
			FeverKey: reader.FeverKey(benchUser, benchSecret), CreatedAt: time.Now()})
	}
	db.Close()
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	sizes := strings.NewReplacer("{user}", strconv.FormatInt(u.ID, 10), "{feeds}", strconv.Itoa(benchFeeds),
		"{items}", strconv.Itoa(benchItems))
	for _, q := range []string{
		`INSERT INTO feeds (url, title, wait_reason, created_at, last_fetch)
		SELECT 'https://bench' || i || '.test/feed', 'Feed ' || i, 'schedule', to_timestamp(0), to_timestamp(1700000000)
		FROM generate_series(1, {feeds}) i`,
		`INSERT INTO subscriptions (user_id, feed_id, origin, created_at) SELECT {user}, id, 'user', to_timestamp(0) FROM feeds`,
		`INSERT INTO items (feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen)
		SELECT (SELECT min(id) FROM feeds) + i % {feeds}, '', 'g' || i, 'https://bench.test/' || i, 'h' || i, 'Item ' || i,
			'<p>The text of item ' || i || ', long enough to look like a summary of something.</p>',
			to_timestamp(1700000000 + i), to_timestamp(1700000000 + i) FROM generate_series(1, {items}) i`,
		`INSERT INTO item_states (user_id, item_id, read) SELECT {user}, id, true FROM items
		WHERE ((id * 2654435761) >> 12) % 10 <> 0`,
		`UPDATE feeds SET item_count = (SELECT count(*) FROM items WHERE feed_id = feeds.id)`,
		`UPDATE subscriptions SET read_count = (SELECT count(*) FROM items i JOIN item_states st
			ON st.user_id = subscriptions.user_id AND st.item_id = i.id AND st.read WHERE i.feed_id = subscriptions.feed_id)`,
	} {
		if _, err := tx.Exec(ctx, sizes.Replace(q)); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "built the PostgreSQL benchmark data in %v\n", time.Since(start).Round(time.Second))
	return nil
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
	for _, q := range []string{"api&unread_item_ids", "api&saved_item_ids", "api&items&since_id=500000",
		"api&items&max_id=500000", "api&items&since_id=0", "api&items&max_id=0", "api&feeds&groups"} {
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
