package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
	"tidings/store/sqlite"
)

// poolStore opens a real SQLite store in a temporary file and subscribes
// the user "me" to each of urls. It returns the store and the feeds, in
// the order of urls, as Run takes them.
func poolStore(t testing.TB, urls ...string) (*sqlite.DB, []store.Feed) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	feeds := make([]store.Feed, len(urls))
	for i, u := range urls {
		s, err := db.Subscribe(context.Background(), me(t, db), store.Subscription{Feed: store.Feed{URL: u}})
		if err != nil {
			t.Fatal(err)
		}
		feeds[i] = s.Feed
	}
	return db, feeds
}

// stored returns what the store holds of the feed at u: its state and its
// count of items.
func stored(t testing.TB, db *sqlite.DB, u string) store.Subscription {
	t.Helper()
	s, err := db.Subscription(context.Background(), me(t, db), u)
	if err != nil {
		t.Fatalf("subscription %s: %v", u, err)
	}
	return s
}

// serialStore is a real store that checks that the pool's writer calls
// it from one goroutine at a time, and counts the feeds it saved.
type serialStore struct {
	*sqlite.DB
	calls   atomic.Int32
	overlap atomic.Bool
	saved   atomic.Int32
}

func (s *serialStore) enter() func() {
	if s.calls.Add(1) > 1 {
		s.overlap.Store(true)
	}
	return func() { s.calls.Add(-1) }
}

func (s *serialStore) SaveFetch(ctx context.Context, feedID int64, res store.FetchResult) (store.SaveResult, error) {
	defer s.enter()()
	r, err := s.DB.SaveFetch(ctx, feedID, res)
	if err == nil {
		s.saved.Add(1)
	}
	return r, err
}

func (s *serialStore) SaveFetches(ctx context.Context, batch []store.FeedFetch) ([]store.SaveResult, []error, error) {
	defer s.enter()()
	rs, errs, err := s.DB.SaveFetches(ctx, batch)
	if err == nil {
		for _, e := range errs {
			if e == nil {
				s.saved.Add(1)
			}
		}
	}
	return rs, errs, err
}

// htInflight counts the requests a server is answering at once.
type htInflight struct {
	now, peak atomic.Int32
}

func (c *htInflight) enter() {
	n := c.now.Add(1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (c *htInflight) leave() { c.now.Add(-1) }

// waitFor holds a request until want requests are in (count includes it),
// or until every request not yet answered is in: then the peak of count is
// exactly want if the pool fetches that many in parallel, and never more
// if it bounds them. No clock decides. It reports false when the client
// gave up.
func (c *htInflight) waitFor(r *http.Request, want, total int32, answered *atomic.Int32) bool {
	for n := c.now.Load(); n < want && n < total-answered.Load(); n = c.now.Load() {
		select {
		case <-r.Context().Done():
			return false
		case <-time.After(time.Millisecond):
		}
	}
	return true
}

// TestRunPerHostBound: one host gets at most PerHost requests at once, and
// exactly that many when it has more feeds; every feed is saved, by one
// goroutine at a time.
func TestRunPerHostBound(t *testing.T) {
	const perHost = 2
	var count htInflight
	const total = 12
	var answered atomic.Int32
	// The body stays under the server's buffer, so the response is sent
	// when the handler returns, after count.leave.
	body := htRSS("Host", 2)
	srv := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.enter()
		defer count.leave()
		if !count.waitFor(r, perHost, total, &answered) {
			return
		}
		answered.Add(1)
		w.Write(body)
	}))
	urls := make([]string, total)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/feed/%d", srv.URL, i)
	}
	db, feeds := poolStore(t, urls...)
	s := &serialStore{DB: db}
	var done atomic.Int32
	f := htFetcher(fetch.Options{Concurrency: 8, PerHost: perHost})
	if err := f.RunAll(context.Background(), feeds, s, func(o fetch.Outcome) {
		done.Add(1)
		if o.Err != nil || o.SaveErr != nil || o.Saved.New != 2 {
			t.Errorf("feed %s: err %v, save err %v, saved %+v", o.Feed.URL, o.Err, o.SaveErr, o.Saved)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if done.Load() != total || s.saved.Load() != total {
		t.Fatalf("%d done calls and %d feeds saved, want %d", done.Load(), s.saved.Load(), total)
	}
	for _, u := range urls {
		if got := stored(t, db, u); got.Items != 2 || got.Title != "Host" || got.State.LastError != "" {
			t.Errorf("feed %s stored with %d items, title %q, error %q; want 2, Host, none", u, got.Items, got.Title, got.State.LastError)
		}
	}
	if p := count.peak.Load(); p != perHost {
		t.Errorf("peak requests at one host = %d, want %d", p, perHost)
	}
	if s.overlap.Load() {
		t.Error("the store was called from two goroutines at once")
	}
}

// TestRunGlobalBound: over many hosts, with room for more per host, at
// most Concurrency requests are in flight, and exactly that many while
// enough feeds wait.
func TestRunGlobalBound(t *testing.T) {
	const (
		concurrency = 3
		hosts       = 6
		perHostFeed = 4
		total       = hosts * perHostFeed
	)
	var count htInflight
	var answered atomic.Int32
	body := htRSS("Global", 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.enter()
		defer count.leave()
		if !count.waitFor(r, concurrency, total, &answered) {
			return
		}
		answered.Add(1)
		w.Write(body)
	})
	var urls []string
	for h := range hosts {
		srv := htServe(t, fmt.Sprintf("127.0.0.%d", h+2), handler)
		for i := range perHostFeed {
			urls = append(urls, fmt.Sprintf("%s/%d", srv.URL, i))
		}
	}
	db, feeds := poolStore(t, urls...)
	// PerHost lets a host have all its feeds in flight: only the global
	// bound holds requests back (and the wait above cannot deadlock).
	f := htFetcher(fetch.Options{Concurrency: concurrency, PerHost: perHostFeed})
	if err := f.RunAll(context.Background(), feeds, db, nil); err != nil {
		t.Fatal(err)
	}
	for _, u := range urls {
		if got := stored(t, db, u); got.Items != 1 || got.State.LastError != "" {
			t.Errorf("feed %s stored with %d items, error %q; want 1, none", u, got.Items, got.State.LastError)
		}
	}
	if p := count.peak.Load(); p != concurrency {
		t.Errorf("peak requests = %d, want the bound %d", p, concurrency)
	}
}

// TestRunHangingHostDoesNotHoldUpOthers: feeds of a host that does not
// answer, listed first and more than its per-host bound, hold up neither
// the dispatch of the others nor their saves.
func TestRunHangingHostDoesNotHoldUpOthers(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	hanging := htServe(t, "127.0.0.3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Write(htRSS("Late", 1))
	}))
	good := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(htRSS("Good", 3))
	}))

	var urls []string
	for i := range 6 {
		urls = append(urls, fmt.Sprintf("%s/%d", hanging.URL, i))
	}
	const goodFeeds = 10
	for i := range goodFeeds {
		urls = append(urls, fmt.Sprintf("%s/%d", good.URL, i))
	}
	db, feeds := poolStore(t, urls...)
	isGood := func(u string) bool { return strings.HasPrefix(u, good.URL+"/") }
	in := make(chan store.Feed)
	allGood := make(chan struct{})
	var goodDone, lateSaved atomic.Int32
	f := htFetcher(fetch.Options{Concurrency: 4, PerHost: 2, Timeout: time.Minute})
	runErr := make(chan error, 1)
	go func() {
		runErr <- f.Run(context.Background(), in, db, func(o fetch.Outcome) {
			if !isGood(o.Feed.URL) {
				lateSaved.Add(1)
			} else if goodDone.Add(1) == goodFeeds {
				close(allGood)
			}
		})
	}()
	for _, feed := range feeds {
		in <- feed // never blocks for long: the dispatcher does not wait on a busy host
	}
	close(in)
	// Run cannot end before the hanging host answers: either every good
	// feed is saved first, or this test hangs and go test's -timeout
	// reports where.
	<-allGood
	if n := lateSaved.Load(); n != 0 {
		t.Fatalf("%d feeds of the hanging host were saved before it answered", n)
	}
	for _, u := range urls {
		got := stored(t, db, u)
		switch {
		case isGood(u) && (got.Items != 3 || got.State.LastError != ""):
			t.Errorf("good feed %s: %d items stored, error %q; want 3 before the hanging host answers", u, got.Items, got.State.LastError)
		case !isGood(u) && (got.Items != 0 || !got.State.LastFetch.IsZero()):
			t.Errorf("hanging feed %s: %d items, last fetch %v stored before it answered", u, got.Items, got.State.LastFetch)
		}
	}
	free()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	for _, u := range urls {
		want := 3
		if !isGood(u) {
			want = 1
		}
		if got := stored(t, db, u); got.Items != want {
			t.Errorf("feed %s: %d items stored, want %d", u, got.Items, want)
		}
	}
}

// TestRunCancel: a canceled run saves nothing of the fetch it abandoned,
// and what it saved before stays saved.
func TestRunCancel(t *testing.T) {
	hanging := htServe(t, "127.0.0.3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	good := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(htRSS("Good", 1))
	}))
	urls := []string{good.URL + "/1", hanging.URL + "/2", good.URL + "/3"}
	db, feeds := poolStore(t, urls...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var saved atomic.Int32
	f := htFetcher(fetch.Options{Timeout: time.Minute})
	err := f.RunAll(ctx, feeds, db, func(o fetch.Outcome) {
		// Both good feeds are in: stop the run, as Ctrl-C would.
		if saved.Add(1) == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if got := stored(t, db, urls[1]); got.Items != 0 || !got.State.LastFetch.IsZero() || got.State.LastError != "" {
		t.Errorf("the abandoned fetch was saved: %d items, last fetch %v, error %q", got.Items, got.State.LastFetch, got.State.LastError)
	}
	for _, u := range []string{urls[0], urls[2]} {
		if got := stored(t, db, u); got.Items != 1 || got.State.LastFetch.IsZero() {
			t.Errorf("feed %s: %d items stored, last fetch %v; a finished feed must stay saved", u, got.Items, got.State.LastFetch)
		}
	}
}

// TestRunBadInputIsolated runs hostile feeds next to good ones: each bad
// one gets its own clear error, stored with the feed, and the good ones are
// stored as if the bad ones were not there.
func TestRunBadInputIsolated(t *testing.T) {
	bomb := htBomb()
	mux := http.NewServeMux()
	mux.HandleFunc("/good/{n}", func(w http.ResponseWriter, r *http.Request) { w.Write(htRSS("Good "+r.PathValue("n"), 4)) })
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>not a feed</body></html>"))
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	bad := htServe(t, "127.0.0.3", mux)
	goodSrv := htServe(t, "127.0.0.2", mux)

	badFeeds := map[string]string{
		bad.URL + "/bomb":    "feed larger than fetch.max_body (1 MiB)",
		bad.URL + "/loop":    "redirect loop",
		bad.URL + "/html":    "not a feed",
		bad.URL + "/missing": "server answered 404 Not Found",
		bad.URL + "/hang":    "fetch.timeout",
	}
	var urls []string
	for u := range badFeeds {
		urls = append(urls, u)
	}
	for n := range 5 {
		urls = append(urls, fmt.Sprintf("%s/good/%d", goodSrv.URL, n))
	}
	db, feeds := poolStore(t, urls...)
	var outcomes []fetch.Outcome
	// The hanging feed ends by fetch.timeout, whatever the machine's speed:
	// nothing here is timed.
	f := htFetcher(fetch.Options{MaxBody: 1 << 20, Timeout: 500 * time.Millisecond})
	if err := f.RunAll(context.Background(), feeds, db, func(o fetch.Outcome) { outcomes = append(outcomes, o) }); err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != len(feeds) {
		t.Fatalf("%d outcomes, want %d", len(outcomes), len(feeds))
	}
	for _, o := range outcomes {
		got := stored(t, db, o.Feed.URL)
		if got.State.LastFetch.IsZero() {
			t.Errorf("feed %s: nothing saved", o.Feed.URL)
			continue
		}
		if want, isBad := badFeeds[o.Feed.URL]; isBad {
			if o.Err == nil || o.SaveErr != nil || !strings.Contains(got.State.LastError, want) || got.Items != 0 || got.State.ErrorCount != 1 {
				t.Errorf("bad feed %s: err %v, save err %v; stored error %q (count %d), %d items; want %q once, no items",
					o.Feed.URL, o.Err, o.SaveErr, got.State.LastError, got.State.ErrorCount, got.Items, want)
			}
			continue
		}
		if o.Err != nil || o.SaveErr != nil || got.Items != 4 || got.State.LastError != "" || got.State.ErrorCount != 0 {
			t.Errorf("good feed %s: err %v, save err %v; stored %d items, error %q", o.Feed.URL, o.Err, o.SaveErr, got.Items, got.State.LastError)
		}
	}
}

// TestRunSaveErrors: a feed removed while it was fetched fails its save
// alone; Run says how many failed and the first, and the others are saved.
func TestRunSaveErrors(t *testing.T) {
	srv := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(htRSS("S", 1)) }))
	urls := []string{srv.URL + "/1", srv.URL + "/2", srv.URL + "/3"}
	db, feeds := poolStore(t, urls...)
	if err := db.Unsubscribe(context.Background(), me(t, db), urls[1]); err != nil {
		t.Fatal(err)
	}
	var saveErrs []error
	err := htFetcher(fetch.Options{}).RunAll(context.Background(), feeds, db, func(o fetch.Outcome) {
		if o.SaveErr != nil {
			saveErrs = append(saveErrs, o.SaveErr)
		}
	})
	if err == nil || len(saveErrs) != 1 {
		t.Fatalf("Run = %v with save errors %v; want an error and 1", err, saveErrs)
	}
	if want := "1 fetched feeds could not be saved; the first: save feed " + urls[1] + ": "; !strings.HasPrefix(err.Error(), want) ||
		!errors.Is(err, store.ErrNotFound) || !errors.Is(saveErrs[0], store.ErrNotFound) {
		t.Errorf("Run error %q, feed's %v; want %q... wrapping store.ErrNotFound", err, saveErrs[0], want)
	}
	for _, u := range []string{urls[0], urls[2]} {
		if got := stored(t, db, u); got.Items != 1 || got.State.LastError != "" {
			t.Errorf("feed %s: %d items stored, error %q; want the other feeds saved", u, got.Items, got.State.LastError)
		}
	}
	if subs, err := db.Subscriptions(context.Background(), me(t, db), false); err != nil || len(subs) != 2 {
		t.Errorf("subscriptions after the run: %d, %v; want the 2 left, the removed feed not brought back", len(subs), err)
	}
}

// TestRunWithSQLite fetches feeds into a real store three times: cold, all
// unchanged (304), and after new items, checking what each run saved.
func TestRunWithSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	var items atomic.Int32
	items.Store(5)
	var requests, notModified atomic.Int32
	srv := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		n := items.Load()
		etag := fmt.Sprintf(`"%s-%d"`, r.URL.Path, n)
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(htRSS("SQLite "+r.URL.Path, int(n)))
	}))
	const feeds = 6
	for i := range feeds {
		if _, err := db.Subscribe(ctx, me(t, db), store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("%s/feed/%d", srv.URL, i)}}); err != nil {
			t.Fatal(err)
		}
	}
	f := htFetcher(fetch.Options{Now: time.Now})
	run := func() (newItems, updated, failures int) {
		t.Helper()
		claimed, err := db.ClaimFeeds(ctx, store.ClaimRequest{Now: time.Now(), Lease: time.Minute, All: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) != feeds {
			t.Fatalf("claimed %d feeds, want %d", len(claimed), feeds)
		}
		err = f.RunAll(ctx, claimed, db, func(o fetch.Outcome) {
			newItems += o.Saved.New
			updated += o.Saved.Updated
			if o.Err != nil || o.SaveErr != nil {
				failures++
				t.Errorf("feed %s: %v %v", o.Feed.URL, o.Err, o.SaveErr)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return newItems, updated, failures
	}

	if n, _, _ := run(); n != feeds*5 {
		t.Errorf("cold run stored %d new items, want %d", n, feeds*5)
	}
	if n, u, _ := run(); n != 0 || u != 0 || notModified.Load() != feeds {
		t.Errorf("unchanged run: %d new, %d updated, %d answers 304; want 0, 0, %d", n, u, notModified.Load(), feeds)
	}
	items.Store(7)
	if n, u, _ := run(); n != feeds*2 || u != 0 {
		t.Errorf("run after 2 new items per feed: %d new, %d updated; want %d, 0", n, u, feeds*2)
	}
	got, err := db.Subscriptions(ctx, me(t, db), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range got {
		if fd.Items != 7 || fd.Title != "SQLite "+fd.URL[len(srv.URL):] || fd.State.ETag == "" || fd.State.LastError != "" {
			t.Errorf("feed %s: %d items, title %q, state %+v", fd.URL, fd.Items, fd.Title, fd.State)
		}
	}
	if requests.Load() != 3*feeds {
		t.Errorf("%d requests, want %d", requests.Load(), 3*feeds)
	}
}

// BenchmarkRun fetches 200 feeds of 20 items spread over 10 loopback hosts
// through the pool, parse and writer included, into a real SQLite store
// (after the first loop every item is stored already: the saves find them
// unchanged).
func BenchmarkRun(b *testing.B) {
	body := htRSS("Bench", 20)
	var urls []string
	for h := range 10 {
		srv := htServe(b, fmt.Sprintf("127.0.0.%d", h+2), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(body)
		}))
		for i := range 20 {
			urls = append(urls, fmt.Sprintf("%s/%d", srv.URL, i))
		}
	}
	db, feeds := poolStore(b, urls...)
	f := htFetcher(fetch.Options{})
	b.ReportAllocs()
	for b.Loop() {
		var items int
		if err := f.RunAll(context.Background(), feeds, db, func(o fetch.Outcome) { items += len(o.Result.Items) }); err != nil {
			b.Fatal(err)
		}
		if items != 20*len(feeds) {
			b.Fatalf("%d items, want %d", items, 20*len(feeds))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(feeds)), "ns/feed")
}

// TestRunFetchedHook: Options.Fetched reports each feed once, when its
// fetch ends and before its save (done), failed fetches included.
func TestRunFetchedHook(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/broken") {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(htRSS("Hook "+r.URL.Path, 2))
	}))
	urls := []string{srv.URL + "/feed/1", srv.URL + "/feed/2", srv.URL + "/broken"}
	for _, u := range urls {
		if _, err := db.Subscribe(ctx, me(t, db), store.Subscription{Feed: store.Feed{URL: u}}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	fetched := map[string]int{}
	f := htFetcher(fetch.Options{Now: time.Now, Fetched: func(feed store.Feed) {
		mu.Lock()
		fetched[feed.URL]++
		mu.Unlock()
	}})
	claimed, err := db.ClaimFeeds(ctx, store.ClaimRequest{Now: time.Now(), Lease: time.Minute, All: true})
	if err != nil {
		t.Fatal(err)
	}
	var saved []string
	err = f.RunAll(ctx, claimed, db, func(o fetch.Outcome) {
		mu.Lock()
		defer mu.Unlock()
		if fetched[o.Feed.URL] != 1 {
			t.Errorf("%s saved after %d fetch reports; want 1 before its save", o.Feed.URL, fetched[o.Feed.URL])
		}
		saved = append(saved, o.Feed.URL)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) != len(urls) || len(fetched) != len(urls) {
		t.Errorf("saved %q, fetch reports %v; want each of %q once", saved, fetched, urls)
	}
}
