package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"

	"tidings/fetch/fetchtest"
	"tidings/store/postgres"
)

// publishedGUIDs gathers the GUIDs srv has shown per feed URL into seen:
// it shows the newest few of each feed only.
func publishedGUIDs(srv *fetchtest.Server, seen map[string][]string) {
	for i := range srv.Len() {
		for _, g := range srv.ItemGUIDs(i) {
			if !slices.Contains(seen[srv.URL(i)], g) {
				seen[srv.URL(i)] = append(seen[srv.URL(i)], g)
			}
		}
	}
}

// storedExactlyOnce reports whether the database at dsn holds each item
// published once, and no other; diff says how it does not.
func storedExactlyOnce(t *testing.T, dsn string, published map[string][]string) (ok bool, diff string) {
	t.Helper()
	got := pgItemGUIDs(t, dsn)
	var b strings.Builder
	for u, want := range published {
		want, have := slices.Clone(want), slices.Clone(got[u])
		slices.Sort(want)
		slices.Sort(have)
		if !slices.Equal(want, have) {
			fmt.Fprintf(&b, "%s: stored %v, want each of %v once\n", u, have, want)
		}
	}
	for u := range got {
		if _, ok := published[u]; !ok {
			fmt.Fprintf(&b, "%s: stored, never published\n", u)
		}
	}
	return b.Len() == 0, b.String()
}

// pgItemGUIDs returns the GUIDs of the items stored at dsn per feed URL,
// each as often as it is stored.
func pgItemGUIDs(t *testing.T, dsn string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT feed_url, guid FROM items")
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string][]string)
	for rows.Next() {
		var u, g string
		if err := rows.Scan(&u, &g); err != nil {
			t.Fatal(err)
		}
		got[u] = append(got[u], g)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// pgHeldClaims counts the feeds still claimed at now or later.
func pgHeldClaims(t *testing.T, conn *pgx.Conn, schema string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(),
		"SELECT count(*) FROM "+schema+".feeds WHERE claimed_until > now()").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFetchPostgres: `tidings fetch` on PostgreSQL (a schema of the test's
// own on the local server) stores every item of every feed once; a second
// run stores only what was published since, once; a third, with nothing
// new, stores nothing; no run leaves a feed claimed.
func TestFetchPostgres(t *testing.T) {
	dsn, schema, conn := pgSchema(t)
	const feeds, items = 10, 3
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: items, Addrs: fetchtest.LoopbackAddrs(2)})
	h := newHarness(t, "")
	if err := os.WriteFile(h.configPath, []byte(fmt.Sprintf("database = %q\n%s", dsn, privateConfig)), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	importAll(t, db, srv)
	published := map[string][]string{}
	publishedGUIDs(srv, published)

	r := h.mustRun(exitOK, "fetch")
	if want := fmt.Sprintf("Fetched %d feeds: %d new items, 0 updated, 0 not modified, 0 errors.", feeds, feeds*items); !strings.Contains(r.stdout, want) {
		t.Errorf("first fetch lacks %q:\n%s", want, r.stdout)
	}
	if ok, diff := storedExactlyOnce(t, dsn, published); !ok {
		t.Errorf("after the first fetch:\n%s", diff)
	}
	if n := pgHeldClaims(t, conn, schema); n != 0 {
		t.Errorf("%d feeds still claimed after the first fetch", n)
	}

	srv.AddItemsAll(2)
	publishedGUIDs(srv, published)
	r = h.mustRun(exitOK, "fetch", "--all")
	if want := fmt.Sprintf("Fetched %d feeds: %d new items, 0 updated, 0 not modified, 0 errors.", feeds, feeds*2); !strings.Contains(r.stdout, want) {
		t.Errorf("second fetch lacks %q:\n%s", want, r.stdout)
	}
	if ok, diff := storedExactlyOnce(t, dsn, published); !ok {
		t.Errorf("after the second fetch:\n%s", diff)
	}

	r = h.mustRun(exitOK, "fetch", "--all")
	if want := fmt.Sprintf("Fetched %d feeds: 0 new items, 0 updated, %d not modified, 0 errors.", feeds, feeds); !strings.Contains(r.stdout, want) {
		t.Errorf("third fetch lacks %q:\n%s", want, r.stdout)
	}
	if ok, diff := storedExactlyOnce(t, dsn, published); !ok {
		t.Errorf("after the third fetch:\n%s", diff)
	}
	if n := pgHeldClaims(t, conn, schema); n != 0 {
		t.Errorf("%d feeds still claimed after the last fetch", n)
	}
}

// TestRunPostgres: `tidings run` on PostgreSQL (a schema of the test's own
// on the local server) fetches every feed, stores what is published while
// it runs, each item once, answers /healthz with 200, and at SIGINT exits
// 0 with no feed left claimed.
func TestRunPostgres(t *testing.T) {
	dsn, schema, conn := pgSchema(t)
	const feeds = 8
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: 3, Addrs: fetchtest.LoopbackAddrs(2)})
	dir := t.TempDir()
	cfg := daemonConfig(t, dir, "[fetch]\nallow_private_networks = true\ntimeout = \"5s\"", "@every 1s", srv.URLs()...)
	// daemonConfig points at a SQLite file: point it at the schema.
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text = []byte(strings.Replace(string(text), fmt.Sprintf("database = %q", filepath.Join(dir, "tidings.db")),
		fmt.Sprintf("database = %q", dsn), 1))
	if err := os.WriteFile(cfg, text, 0o644); err != nil {
		t.Fatal(err)
	}
	published := map[string][]string{}
	publishedGUIDs(srv, published)
	complete := func() bool { ok, _ := storedExactlyOnce(t, dsn, published); return ok }

	d := startDaemon(t, dir, cfg)
	eventually(t, "every item stored", complete)
	if code, body := d.get("/healthz"); code != 200 || !strings.Contains(body, `"database":"ok"`) {
		t.Errorf("/healthz: %d %s; want 200 with the database ok", code, body)
	}
	// Published while the daemon runs: fetched within its schedule, once.
	for round := range 2 {
		srv.AddItemsAll(2)
		publishedGUIDs(srv, published)
		eventually(t, fmt.Sprintf("the items of round %d stored", round+1), complete)
	}
	// Fetched a few more times with nothing new: still once each.
	before := make([]int64, feeds)
	for i := range feeds {
		before[i] = srv.FeedRequests(i)
	}
	eventually(t, "two more fetches of every feed", func() bool {
		for i := range feeds {
			if srv.FeedRequests(i) < before[i]+2 {
				return false
			}
		}
		return true
	})
	d.signal(syscall.SIGINT)
	if code := d.wait(); code != 0 {
		t.Fatalf("exit status %d after SIGINT, want 0", code)
	}
	if ok, diff := storedExactlyOnce(t, dsn, published); !ok {
		t.Errorf("after the run:\n%s", diff)
	}
	if n := pgHeldClaims(t, conn, schema); n != 0 {
		t.Errorf("%d feeds still claimed after the daemon stopped", n)
	}
}
