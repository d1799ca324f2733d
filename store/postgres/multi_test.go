package postgres

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"tidings/store"
)

// The tests here use two *DB on one schema: two pools of connections, as
// two `tidings run` processes sharing a database have.

func TestTwoStoresClaimDisjoint(t *testing.T) {
	dsn := freshSchema(t)
	a, b := open(t, dsn), open(t, dsn)
	const n = 300
	list := make([]store.Subscription, n)
	for i := range list {
		list[i] = store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://multi%03d.test/feed", i)}}
	}
	if _, err := a.ImportFeeds(t.Context(), me(t, a), list); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var (
		mu  sync.Mutex
		got = make(map[int64][]string)
		wg  sync.WaitGroup
	)
	for _, s := range []struct {
		name string
		db   *DB
	}{{"a", a}, {"b", b}} {
		for w := range 6 {
			wg.Go(func() {
				for {
					feeds, err := s.db.ClaimFeeds(t.Context(), store.ClaimRequest{Now: now, Lease: time.Hour, Limit: 4})
					if err != nil {
						t.Errorf("ClaimFeeds through %s: %v", s.name, err)
						return
					}
					if len(feeds) == 0 {
						return
					}
					mu.Lock()
					for _, f := range feeds {
						got[f.ID] = append(got[f.ID], fmt.Sprintf("%s%d", s.name, w))
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(got) != n {
		t.Errorf("%d feeds claimed; want all %d", len(got), n)
	}
	byStore := make(map[byte]int)
	for id, who := range got {
		if len(who) != 1 {
			t.Errorf("feed %d claimed %d times, by %q", id, len(who), who)
		}
		byStore[who[0][0]]++
	}
	t.Logf("claims by store: a %d, b %d", byStore['a'], byStore['b'])

	// A claimant that died holds its feeds until the lease ends; then the
	// other store takes them.
	if feeds, err := b.ClaimFeeds(t.Context(), store.ClaimRequest{Now: now.Add(30 * time.Minute)}); err != nil || len(feeds) != 0 {
		t.Errorf("claim during the leases = %d feeds, %v; want none", len(feeds), err)
	}
	feeds, err := b.ClaimFeeds(t.Context(), store.ClaimRequest{Now: now.Add(time.Hour + time.Second), Lease: time.Minute})
	if err != nil || len(feeds) != n {
		t.Errorf("claim after the leases ran out = %d feeds, %v; want all %d", len(feeds), err, n)
	}
}

// TestTwoStoresSaveOneFeed saves the same new items of one feed from both
// stores at once: the feed's row lock makes the saves run one after the
// other, so the items are stored once and counted new once.
func TestTwoStoresSaveOneFeed(t *testing.T) {
	dsn := freshSchema(t)
	a, b := open(t, dsn), open(t, dsn)
	base := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	for round := range 10 {
		f := subscribeURL(t, a, me(t, a), fmt.Sprintf("https://same%d.test/feed", round))
		its := make([]store.Item, 50)
		for i := range its {
			its[i] = store.Item{GUID: fmt.Sprintf("g%d", i), Title: fmt.Sprintf("item %d", i),
				Content: "<p>same</p>", Published: base.Add(time.Duration(i) * time.Minute)}
		}
		r := store.FetchResult{Now: base, State: store.FeedState{LastFetch: base}, Items: its}
		var (
			wg       sync.WaitGroup
			resA     store.SaveResult
			resB     store.SaveResult
			errA     error
			errB     error
			start    = make(chan struct{})
			saveFrom = func(db *DB, res *store.SaveResult, err *error) {
				<-start
				*res, *err = db.SaveFetch(t.Context(), f.ID, r)
			}
		)
		wg.Go(func() { saveFrom(a, &resA, &errA) })
		wg.Go(func() { saveFrom(b, &resB, &errB) })
		close(start)
		wg.Wait()
		if errA != nil || errB != nil {
			t.Fatalf("round %d: SaveFetch errors %v, %v", round, errA, errB)
		}
		if resA.New+resB.New != len(its) || resA.Updated+resB.Updated != 0 {
			t.Errorf("round %d: saves counted %+v and %+v; want %d new in all", round, resA, resB, len(its))
		}
		got, err := b.Subscription(t.Context(), me(t, b), f.URL)
		if err != nil {
			t.Fatal(err)
		}
		if got.Items != len(its) {
			t.Errorf("round %d: %d items stored; want %d, each once", round, got.Items, len(its))
		}
	}
}

// TestTwoStoresSync runs SyncDeclared from both stores at once, as two
// processes reloading one config: neither fails, and the feeds are added once.
func TestTwoStoresSync(t *testing.T) {
	dsn := freshSchema(t)
	a, b := open(t, dsn), open(t, dsn)
	var decl []store.Subscription
	for i := range 40 {
		decl = append(decl, store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://decl%02d.test/feed", i)},
			ConfigFile: "c.toml", ConfigLine: i + 1})
	}
	user := me(t, a)
	var (
		wg         sync.WaitGroup
		resA, resB store.SyncResult
		errA, errB error
	)
	wg.Go(func() { resA, errA = a.SyncDeclared(t.Context(), user, []string{"c.toml"}, decl) })
	wg.Go(func() { resB, errB = b.SyncDeclared(t.Context(), user, []string{"c.toml"}, decl) })
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("SyncDeclared: %v, %v", errA, errB)
	}
	if len(resA.Added)+len(resB.Added) != len(decl) {
		t.Errorf("added %d and %d; want %d in all", len(resA.Added), len(resB.Added), len(decl))
	}
	feeds, err := a.Subscriptions(t.Context(), user, false)
	if err != nil || len(feeds) != len(decl) {
		t.Errorf("Feeds = %d, %v; want %d", len(feeds), err, len(decl))
	}
}

// TestRemoveWaitsForSave removes a config feed (SyncDeclared) while another
// process's save of it is in flight, holding the feed's row lock with an
// item written but not committed: the removal waits for the save, then
// removes its item too, so no item outlives its feed.
func TestRemoveWaitsForSave(t *testing.T) {
	dsn := freshSchema(t)
	db := open(t, withParam(dsn, "application_name", "tidings_remover"))
	user := me(t, db)
	if _, err := db.SyncDeclared(t.Context(), user, []string{"c.toml"}, []store.Subscription{{Feed: store.Feed{URL: "https://removed.test/feed"},
		ConfigFile: "c.toml", ConfigLine: 1}}); err != nil {
		t.Fatal(err)
	}
	f, err := db.Subscription(t.Context(), user, "https://removed.test/feed")
	if err != nil {
		t.Fatal(err)
	}

	// The "save" in flight, as SaveFetch does it: row lock, then items.
	saver := connect(t, dsn)
	tx, err := saver.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context())
	now := time.Now()
	if _, err := tx.Exec(t.Context(), "SELECT 1 FROM feeds WHERE id = $1 FOR UPDATE", f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), `INSERT INTO items (feed_id, feed_url, guid, content_hash, published, first_seen)
		VALUES ($1, $2, 'g', 'h', $3, $3)`, f.ID, f.URL, ts(now)); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := db.SyncDeclared(t.Context(), user, []string{"c.toml"}, nil)
		done <- err
	}()
	// Wait until the removal waits for a lock, then let the save commit.
	_, admin := server(t)
	for i := 0; ; i++ {
		var waiting bool
		if err := admin.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE application_name = 'tidings_remover' AND wait_event_type = 'Lock')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		if i == 3000 {
			t.Fatal("the removal never waited for the save's lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("SyncDeclared: %v", err)
	}
	var orphans int
	if err := admin.QueryRow(t.Context(), "SELECT count(*) FROM "+schemaOf(t, dsn)+".items").Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d items outlived their removed feed", orphans)
	}
}

// schemaOf returns the search_path schema of a freshSchema connection string.
func schemaOf(t *testing.T, dsn string) string {
	t.Helper()
	var schema string
	if err := connect(t, dsn).QueryRow(t.Context(), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	return schema
}
