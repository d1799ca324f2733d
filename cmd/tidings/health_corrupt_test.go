package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tidings/fetch"
	"tidings/fetch/fetchtest"
	"tidings/store"
	"tidings/store/postgres"
	"tidings/store/sqlite"
	"tidings/web"
)

// Both backends tell the daemon's health check when they found their
// database damaged.
var (
	_ damageReporter = (*sqlite.DB)(nil)
	_ damageReporter = (*postgres.DB)(nil)
)

// pgSchema makes a schema of the test's own on the test server
// (TIDINGS_TEST_POSTGRES, or the local one), dropped when the test ends.
// It returns a connection string whose search_path is that schema, the
// schema's name and a connection for setting things up. Without a server
// the test skips, but never under CI=true.
func pgSchema(t *testing.T) (dsn, schema string, conn *pgx.Conn) {
	t.Helper()
	dsn = os.Getenv("TIDINGS_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL not reachable (%v); CI=true: the test must run", err)
		}
		t.Skipf("PostgreSQL not reachable (%v); set TIDINGS_TEST_POSTGRES", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	schema = "tidings_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema, conn
}

// claimCounter is a real store that counts the claims asked of it.
type claimCounter struct {
	*postgres.DB
	claims atomic.Int64
}

func (c *claimCounter) ClaimFeeds(ctx context.Context, r store.ClaimRequest) ([]store.Feed, error) {
	c.claims.Add(1)
	return c.DB.ClaimFeeds(ctx, r)
}

// TestRunDamagedPostgres: the PostgreSQL server says the items table is
// damaged (a trigger raises data_corrupted, so the server's error comes
// through the real driver) when the daemon saves its first fetches. The
// daemon's store writes nothing more, the log says so once however many
// saves and claims fail after, and /healthz answers 503 with what to do.
func TestRunDamagedPostgres(t *testing.T) {
	dsn, schema, conn := pgSchema(t)
	ctx := t.Context()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	const feeds = 3
	var requests atomic.Int64
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: 5, OnRequest: func(*http.Request) { requests.Add(1) }})
	for _, u := range srv.URLs() {
		if _, err := addFeed(t, db, store.Subscription{Feed: store.Feed{URL: u}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `CREATE FUNCTION `+schema+`.damaged() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'invalid page in block 7 of relation base/16384/16390' USING ERRCODE = 'data_corrupted'; END $$`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TRIGGER damaged BEFORE INSERT ON `+schema+`.items FOR EACH ROW EXECUTE FUNCTION `+schema+`.damaged()`); err != nil {
		t.Fatal(err)
	}

	var buf syncBuffer
	st := &claimCounter{DB: db}
	d := &daemon{store: st, log: slog.New(slog.NewTextHandler(&buf, nil))}
	d.sched = fetch.NewScheduler(fetch.SchedulerOptions{
		Store:   st,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true}),
		Logger:  d.log,
		// Claims come again at once: the test counts them, not time.
		Poll: time.Millisecond,
	})
	healthz := httptest.NewServer(web.Health(d.health))
	t.Cleanup(healthz.Close)
	if code, body := getHealth(t, healthz.URL); code != http.StatusOK {
		t.Fatalf("/healthz before the damage: %d %v", code, body)
	}

	runCtx, stop := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- d.sched.Run(runCtx) }()
	// Wait for the saves of the first round to fail, then for many claims
	// after: every one of them meets the damage.
	var claimsThen int64
	for {
		if s := d.sched.Status(); s.LastRound.Errors == feeds && claimsThen == 0 {
			claimsThen = st.claims.Load()
		}
		if claimsThen > 0 && st.claims.Load() >= claimsThen+20 {
			break
		}
		select {
		case err := <-runErr:
			t.Fatalf("the scheduler stopped: %v\n%s", err, buf.String())
		case <-ctx.Done():
			t.Fatalf("the first round never ended in %d failed saves: %+v\n%s", feeds, d.sched.Status(), buf.String())
		case <-time.After(time.Millisecond):
		}
	}
	stop()
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}

	fields, err := d.health(ctx)
	if !errors.Is(err, store.ErrCorrupt) || fields["database"] != "damaged" || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("health of a damaged database: %v, %v; want store.ErrCorrupt saying what to do, database damaged", fields, err)
	}
	code, body := getHealth(t, healthz.URL)
	if msg, _ := body["error"].(string); code != http.StatusServiceUnavailable || body["status"] != "error" || body["database"] != "damaged" ||
		!strings.Contains(msg, "tidings writes nothing more") || !strings.Contains(msg, "data_corrupted") && !strings.Contains(msg, "XX001") {
		t.Errorf("/healthz of a damaged database: %d %v; want 503 saying the database is damaged and what to do", code, body)
	}

	out := buf.String()
	if n := strings.Count(out, `msg="the database is damaged`); n != 1 || !strings.Contains(out, "pg_dump") {
		t.Errorf("%d log lines say the database is damaged; want 1 for %d failed saves and %d claims:\n%s", n, feeds, st.claims.Load(), out)
	}
	if strings.Contains(out, "level=ERROR msg=\"claim due feeds failed") || strings.Contains(out, "level=ERROR msg=\"saving a fetched feed failed") {
		t.Errorf("the damage was logged again as failed claims or saves:\n%s", out)
	}
	var items int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+schema+".items").Scan(&items); err != nil {
		t.Fatal(err)
	}
	if items != 0 || requests.Load() != feeds {
		t.Errorf("%d items stored, %d requests made; want none stored and each feed fetched once (no claim after the damage)", items, requests.Load())
	}
	if err := db.Damaged(); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Damaged: %v; want store.ErrCorrupt", err)
	}
}

// getHealth gets /healthz and decodes its body.
func getHealth(t *testing.T, base string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("/healthz body: %v", err)
	}
	return resp.StatusCode, body
}
