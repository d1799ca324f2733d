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

// htRecorder is a Saver that records what it is asked to save, and checks
// that it is only ever called from one goroutine at a time.
type htRecorder struct {
	mu      sync.Mutex
	saved   map[int64]store.FetchResult
	order   []int64
	calls   atomic.Int32
	overlap atomic.Bool
	fail    map[int64]bool
}

func (r *htRecorder) SaveFetch(ctx context.Context, feedID int64, res store.FetchResult) (store.SaveResult, error) {
	if r.calls.Add(1) > 1 {
		r.overlap.Store(true)
	}
	defer r.calls.Add(-1)
	if r.fail[feedID] {
		return store.SaveResult{}, errors.New("disk full")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.saved == nil {
		r.saved = make(map[int64]store.FetchResult)
	}
	r.saved[feedID] = res
	r.order = append(r.order, feedID)
	return store.SaveResult{New: len(res.Items)}, nil
}

func (r *htRecorder) get(id int64) (store.FetchResult, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res, ok := r.saved[id]
	return res, ok
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

func TestRunPerHostBound(t *testing.T) {
	const perHost = 2
	var count htInflight
	// Each request waits until perHost requests are in, or until every
	// request not yet answered is in: the peak is then exactly perHost if
	// the pool fetches in parallel, and never more. No clock decides.
	const total = 12
	var answered atomic.Int32
	body := htRSS("Host", 2)
	srv := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.enter()
		defer count.leave()
		for n := count.now.Load(); n < perHost && n < total-answered.Load(); n = count.now.Load() {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
		answered.Add(1)
		w.Write(body)
	}))
	var feeds []store.Feed
	for i := range total {
		feeds = append(feeds, store.Feed{ID: int64(i + 1), URL: fmt.Sprintf("%s/feed/%d", srv.URL, i)})
	}
	rec := &htRecorder{}
	var done atomic.Int32
	f := htFetcher(fetch.Options{Concurrency: 8, PerHost: perHost})
	if err := f.RunAll(context.Background(), feeds, rec, func(o fetch.Outcome) {
		done.Add(1)
		if o.Err != nil || o.SaveErr != nil || o.Saved.New != 2 {
			t.Errorf("feed %s: err %v, save err %v, saved %+v", o.Feed.URL, o.Err, o.SaveErr, o.Saved)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if done.Load() != int32(len(feeds)) || len(rec.order) != len(feeds) {
		t.Fatalf("%d done calls and %d saves, want %d", done.Load(), len(rec.order), len(feeds))
	}
	if p := count.peak.Load(); p != perHost {
		t.Errorf("peak requests at one host = %d, want %d", p, perHost)
	}
	if rec.overlap.Load() {
		t.Error("SaveFetch was called from two goroutines at once")
	}
}

func TestRunGlobalBound(t *testing.T) {
	const concurrency = 3
	var count htInflight
	body := htRSS("Global", 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.enter()
		defer count.leave()
		time.Sleep(5 * time.Millisecond)
		w.Write(body)
	})
	var feeds []store.Feed
	for h := range 6 {
		srv := htServe(t, fmt.Sprintf("127.0.0.%d", h+2), handler)
		for i := range 4 {
			feeds = append(feeds, store.Feed{ID: int64(len(feeds) + 1), URL: fmt.Sprintf("%s/%d", srv.URL, i)})
		}
	}
	rec := &htRecorder{}
	f := htFetcher(fetch.Options{Concurrency: concurrency, PerHost: 2})
	if err := f.RunAll(context.Background(), feeds, rec, nil); err != nil {
		t.Fatal(err)
	}
	if len(rec.order) != len(feeds) {
		t.Fatalf("%d saves, want %d", len(rec.order), len(feeds))
	}
	if p := count.peak.Load(); p > concurrency {
		t.Errorf("peak requests = %d, above the bound %d", p, concurrency)
	}
}

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

	// The hanging host's feeds come first, and there are more of them
	// than its per-host bound.
	var feeds []store.Feed
	for i := range 6 {
		feeds = append(feeds, store.Feed{ID: int64(100 + i), URL: fmt.Sprintf("%s/%d", hanging.URL, i)})
	}
	const goodFeeds = 10
	for i := range goodFeeds {
		feeds = append(feeds, store.Feed{ID: int64(i + 1), URL: fmt.Sprintf("%s/%d", good.URL, i)})
	}
	in := make(chan store.Feed)
	allGood := make(chan struct{})
	var goodDone atomic.Int32
	rec := &htRecorder{}
	f := htFetcher(fetch.Options{Concurrency: 4, PerHost: 2, Timeout: time.Minute})
	runErr := make(chan error, 1)
	go func() {
		runErr <- f.Run(context.Background(), in, rec, func(o fetch.Outcome) {
			if o.Feed.ID < 100 && goodDone.Add(1) == goodFeeds {
				close(allGood)
			}
		})
	}()
	for _, feed := range feeds {
		in <- feed // never blocks for long: the dispatcher does not wait on a busy host
	}
	close(in)
	select {
	case <-allGood:
	case <-time.After(30 * time.Second):
		t.Fatalf("a hanging host held up the others: %d of %d good feeds saved", goodDone.Load(), goodFeeds)
	}
	if _, ok := rec.get(100); ok {
		t.Fatal("a feed of the hanging host was saved before it answered")
	}
	free()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	for _, feed := range feeds {
		if _, ok := rec.get(feed.ID); !ok {
			t.Errorf("feed %s not saved", feed.URL)
		}
	}
}

func TestRunCancel(t *testing.T) {
	hanging := htServe(t, "127.0.0.3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	good := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(htRSS("Good", 1))
	}))
	feeds := []store.Feed{
		{ID: 1, URL: good.URL + "/1"},
		{ID: 2, URL: hanging.URL + "/2"},
		{ID: 3, URL: good.URL + "/3"},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &htRecorder{}
	var saved atomic.Int32
	f := htFetcher(fetch.Options{Timeout: time.Minute})
	err := f.RunAll(ctx, feeds, rec, func(o fetch.Outcome) {
		// Both good feeds are in: stop the run, as Ctrl-C would.
		if saved.Add(1) == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if _, ok := rec.get(2); ok {
		t.Error("the abandoned fetch was saved")
	}
	for _, id := range []int64{1, 3} {
		if res, ok := rec.get(id); !ok || len(res.Items) != 1 {
			t.Errorf("feed %d: saved %v with %d items; a finished feed must stay saved", id, ok, len(res.Items))
		}
	}
}

// TestRunBadInputIsolated runs hostile feeds next to good ones: each bad
// one gets its own clear error, and the good ones are saved as if the bad
// ones were not there.
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
		"/bomb":    "feed larger than fetch.max_body (1 MiB)",
		"/loop":    "redirect loop",
		"/html":    "not a feed",
		"/missing": "server answered 404 Not Found",
		"/hang":    "fetch.timeout",
	}
	var feeds []store.Feed
	id := int64(0)
	for path := range badFeeds {
		id++
		feeds = append(feeds, store.Feed{ID: id, URL: bad.URL + path})
	}
	for n := range 5 {
		id++
		feeds = append(feeds, store.Feed{ID: id, URL: fmt.Sprintf("%s/good/%d", goodSrv.URL, n)})
	}
	rec := &htRecorder{}
	var outcomes []fetch.Outcome
	f := htFetcher(fetch.Options{MaxBody: 1 << 20, Timeout: 500 * time.Millisecond})
	if err := f.RunAll(context.Background(), feeds, rec, func(o fetch.Outcome) { outcomes = append(outcomes, o) }); err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != len(feeds) {
		t.Fatalf("%d outcomes, want %d", len(outcomes), len(feeds))
	}
	for _, o := range outcomes {
		res, ok := rec.get(o.Feed.ID)
		if !ok {
			t.Errorf("feed %s not saved", o.Feed.URL)
			continue
		}
		path := o.Feed.URL[len(bad.URL):]
		if want, isBad := badFeeds[path]; isBad && o.Feed.URL[:len(bad.URL)] == bad.URL {
			if o.Err == nil || !strings.Contains(res.State.LastError, want) || len(res.Items) != 0 {
				t.Errorf("bad feed %s: err %v, LastError %q, %d items; want %q", path, o.Err, res.State.LastError, len(res.Items), want)
			}
			continue
		}
		if o.Err != nil || len(res.Items) != 4 || res.State.LastError != "" {
			t.Errorf("good feed %s: err %v, %d items", o.Feed.URL, o.Err, len(res.Items))
		}
	}
}

func TestRunSaveErrors(t *testing.T) {
	srv := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(htRSS("S", 1)) }))
	feeds := []store.Feed{{ID: 1, URL: srv.URL + "/1"}, {ID: 2, URL: srv.URL + "/2"}, {ID: 3, URL: srv.URL + "/3"}}
	rec := &htRecorder{fail: map[int64]bool{2: true}}
	var saveErrs int
	err := htFetcher(fetch.Options{}).RunAll(context.Background(), feeds, rec, func(o fetch.Outcome) {
		if o.SaveErr != nil {
			saveErrs++
		}
	})
	if err == nil || saveErrs != 1 {
		t.Fatalf("Run = %v with %d save errors; want an error and 1", err, saveErrs)
	}
	if want := "1 fetched feeds could not be saved; the first: save feed " + srv.URL + "/2: disk full"; err.Error() != want {
		t.Errorf("Run error %q, want %q", err, want)
	}
	if len(rec.order) != 2 {
		t.Errorf("%d feeds saved, want the other 2", len(rec.order))
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
// through the pool, parse and writer included (the saver only counts).
func BenchmarkRun(b *testing.B) {
	body := htRSS("Bench", 20)
	var feeds []store.Feed
	for h := range 10 {
		srv := htServe(b, fmt.Sprintf("127.0.0.%d", h+2), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(body)
		}))
		for i := range 20 {
			feeds = append(feeds, store.Feed{ID: int64(len(feeds) + 1), URL: fmt.Sprintf("%s/%d", srv.URL, i)})
		}
	}
	f := htFetcher(fetch.Options{})
	b.ReportAllocs()
	for b.Loop() {
		var items int
		if err := f.RunAll(context.Background(), feeds, &htRecorder{}, func(o fetch.Outcome) { items += len(o.Result.Items) }); err != nil {
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
