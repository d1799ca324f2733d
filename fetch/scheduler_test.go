package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tidings/fetch"
	"tidings/fetch/fetchtest"
	"tidings/store"
	"tidings/store/sqlite"
)

func openSQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitFor polls cond until it holds; it fails the test after a minute,
// which only a broken scheduler takes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startScheduler runs s until the test ends (or stop is called) and
// returns a function that stops it and returns Run's error.
func startScheduler(t *testing.T, s *fetch.Scheduler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = <-errc
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// listenSecondLoopback listens on 127.0.0.2, a host other than the usual
// test servers'. Linux routes all of 127.0.0.0/8 to loopback; elsewhere
// (macOS) the address may be missing and the test skips, but never under
// CI=true, where a skip would hide a test that did not run.
func listenSecondLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("listen on 127.0.0.2: %v (CI=true: the test must run; add the address to the loopback interface)", err)
		}
		t.Skipf("no 127.0.0.2 on this machine: %v", err)
	}
	return ln
}

func addFeed(t *testing.T, db store.Store, url, schedule string) store.Feed {
	t.Helper()
	f, err := db.Subscribe(context.Background(), me(t, db), store.Subscription{Feed: store.Feed{URL: url}, Schedule: schedule})
	if err != nil {
		t.Fatal(err)
	}
	return f.Feed
}

// feedByURL returns the subscription of user me to url, with the feed's
// state and counts.
func feedByURL(t *testing.T, db store.Store, url string) store.Subscription {
	t.Helper()
	f, err := db.Subscription(context.Background(), me(t, db), url)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// meteredScheduler is a scheduler of db's feeds that polls every 50 ms,
// with its metrics in reg.
func meteredScheduler(t *testing.T, db store.Store) (s *fetch.Scheduler, reg *prometheus.Registry) {
	t.Helper()
	reg = prometheus.NewRegistry()
	metrics, err := fetch.NewMetrics(reg, db)
	if err != nil {
		t.Fatal(err)
	}
	return fetch.NewScheduler(fetch.SchedulerOptions{
		Store:   db,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true}),
		Metrics: metrics,
		Poll:    50 * time.Millisecond,
	}), reg
}

func TestSchedulerFetchesDueFeedsOnce(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 6, Items: 5})
	db := openSQLite(t)
	ctx := context.Background()
	start := time.Now()
	// Feeds 0-2 are new; feeds 3-5 were last planned ten days ago, as after
	// a long stop of the daemon: each must be fetched once, not once per
	// missed tick.
	for i := range srv.Len() {
		f := addFeed(t, db, srv.URL(i), "@every 1h")
		if i >= 3 {
			long := start.Add(-10 * 24 * time.Hour)
			if _, err := db.SaveFetch(ctx, f.ID, store.FetchResult{Now: long,
				State: store.FeedState{LastFetch: long, NextDue: long, WaitReason: store.WaitSchedule}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, reg := meteredScheduler(t, db)
	stop := startScheduler(t, s)
	waitFor(t, "every feed saved", func() bool {
		for i := range srv.Len() {
			if feedByURL(t, db, srv.URL(i)).State.LastFetch.Before(start) {
				return false
			}
		}
		return true
	})
	// Give the scheduler many polls in which it could fetch again.
	time.Sleep(500 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for i := range srv.Len() {
		if n := srv.FeedRequests(i); n != 1 {
			t.Errorf("feed %d: %d requests, want 1", i, n)
		}
		f := feedByURL(t, db, srv.URL(i))
		if f.Items != 5 {
			t.Errorf("feed %d: %d items stored, want 5", i, f.Items)
		}
		st := f.State
		if wait := st.NextDue.Sub(st.LastFetch); wait < 59*time.Minute || wait > 61*time.Minute {
			t.Errorf("feed %d: next due %v after the fetch, want an hour (schedule)", i, wait)
		}
		if st.WaitReason != store.WaitSchedule || st.ErrorCount != 0 {
			t.Errorf("feed %d: wait reason %q, errors %d", i, st.WaitReason, st.ErrorCount)
		}
	}
	if got := s.Status().LastRound; got.Finished.IsZero() {
		t.Errorf("no round recorded: %+v", got)
	}
	if got := counterValue(t, reg, "tidings_fetches_total", `outcome="ok"`); got != 6 {
		t.Errorf("tidings_fetches_total{outcome=ok} = %v, want 6", got)
	}
	if got := counterValue(t, reg, "tidings_items_stored_total", `kind="new"`); got != 30 {
		t.Errorf("tidings_items_stored_total{kind=new} = %v, want 30", got)
	}
	if got := counterValue(t, reg, "tidings_feeds_due", ""); got != 0 {
		t.Errorf("tidings_feeds_due = %v, want 0", got)
	}
}

// TestSchedulerCountsUnchangedBodies: a round whose feeds answer 200 with
// the bodies parsed last time counts them as not modified, and as
// unchanged, in its Round and in the metrics.
func TestSchedulerCountsUnchangedBodies(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 3, Items: 4, Format: fetchtest.Mixed, NoValidators: true})
	db := openSQLite(t)
	ctx := context.Background()
	start := time.Now()
	for i := range srv.Len() {
		addFeed(t, db, srv.URL(i), "@every 1h")
	}
	s, reg := meteredScheduler(t, db)
	stop := startScheduler(t, s)
	defer stop()
	waitFor(t, "the first round", func() bool { return s.Status().LastRound.Feeds == 3 })
	// Due again at once, in one transaction so that one round claims all.
	var batch []store.FeedFetch
	for i := range srv.Len() {
		f := feedByURL(t, db, srv.URL(i))
		if f.State.BodyHash == "" {
			t.Fatalf("feed %d: no body hash saved", i)
		}
		st := f.State
		st.NextDue = start
		batch = append(batch, store.FeedFetch{FeedID: f.ID, Result: store.FetchResult{Now: start, State: st}})
	}
	if _, errs, err := db.SaveFetches(ctx, batch); err != nil || errors.Join(errs...) != nil {
		t.Fatalf("SaveFetches: %v %v", err, errs)
	}
	waitFor(t, "the second round", func() bool { return s.Status().LastRound.Unchanged+s.Status().LastRound.Errors > 0 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if r := s.Status().LastRound; r.Feeds != 3 || r.NotModified != 3 || r.Unchanged != 3 || r.New != 0 || r.Errors != 0 {
		t.Errorf("second round = %+v; want 3 feeds, all not modified and unchanged", r)
	}
	if got := counterValue(t, reg, "tidings_fetches_total", `outcome="unchanged"`); got != 3 {
		t.Errorf("tidings_fetches_total{outcome=unchanged} = %v, want 3", got)
	}
	if got := srv.Stats().NotModified; got != 0 {
		t.Errorf("%d answers were 304; the server sends no validators", got)
	}
	for i := range srv.Len() {
		if f := feedByURL(t, db, srv.URL(i)); f.Items != 4 {
			t.Errorf("feed %d: %d items, want 4", i, f.Items)
		}
	}
}

// counterValue finds one sample in reg's text exposition.
func counterValue(t *testing.T, reg *prometheus.Registry, name, labels string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, lp := range m.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
			}
			if strings.Join(ls, ",") != labels {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no sample %s{%s}", name, labels)
	return 0
}

func TestSchedulerCapacity(t *testing.T) {
	// Capacity bounds the feeds claimed and in flight; the rest wait in the
	// store, due, until a fetch ends.
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 8, Items: 2, Latency: 100 * time.Millisecond,
		Addrs: fetchtest.LoopbackAddrs(8)})
	db := openSQLite(t)
	for i := range srv.Len() {
		addFeed(t, db, srv.URL(i), "@every 1h")
	}
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:    db,
		Fetcher:  fetch.New(fetch.Options{AllowPrivateNetworks: true}),
		Capacity: 2,
	})
	stop := startScheduler(t, s)
	waitFor(t, "every feed fetched", func() bool {
		for i := range srv.Len() {
			if srv.FeedRequests(i) == 0 {
				return false
			}
		}
		return true
	})
	stop()
	if got := srv.Stats().MaxConcurrent; got > 2 {
		t.Errorf("%d requests in flight at once, want at most the capacity 2", got)
	}
}

func TestSchedulerDefaultSchedule(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: 1})
	db := openSQLite(t)
	addFeed(t, db, srv.URL(0), "")
	addFeed(t, db, srv.URL(1), "@every 10m")
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:           db,
		Fetcher:         fetch.New(fetch.Options{AllowPrivateNetworks: true, DefaultSchedule: "@every 1h"}),
		DefaultSchedule: "@every 1h",
	})
	// As SIGHUP does: the new default applies from the next fetch.
	s.SetDefaultSchedule("@every 3h")
	stop := startScheduler(t, s)
	waitFor(t, "both feeds fetched", func() bool { return srv.FeedRequests(0) > 0 && srv.FeedRequests(1) > 0 })
	waitFor(t, "both feeds saved", func() bool {
		return !feedByURL(t, db, srv.URL(0)).State.LastFetch.IsZero() && !feedByURL(t, db, srv.URL(1)).State.LastFetch.IsZero()
	})
	stop()
	for i, want := range []time.Duration{3 * time.Hour, 10 * time.Minute} {
		st := feedByURL(t, db, srv.URL(i)).State
		if wait := st.NextDue.Sub(st.LastFetch); wait < want-time.Minute || wait > want+time.Minute {
			t.Errorf("feed %d: next due %v after the fetch, want %v", i, wait, want)
		}
	}
}

func TestSchedulerShutdownFinishesInFlight(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 3, Latency: 500 * time.Millisecond,
		OnRequest: func(*http.Request) { once.Do(func() { close(started) }) }})
	db := openSQLite(t)
	addFeed(t, db, srv.URL(0), "@every 1h")
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:   db,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true}),
		Grace:   time.Minute,
	})
	stop := startScheduler(t, s)
	<-started
	// Stop while the request is in flight: Run waits for it and saves it.
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if f := feedByURL(t, db, srv.URL(0)); f.Items != 3 || f.State.LastFetch.IsZero() {
		t.Errorf("after shutdown: %d items, last fetch %v; want the in-flight fetch saved", f.Items, f.State.LastFetch)
	}
}

func TestSchedulerGraceOverReleasesClaims(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(started) })
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)
	db := openSQLite(t)
	addFeed(t, db, hang.URL+"/feed.xml", "@every 1h")
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:   db,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: time.Hour}),
		Grace:   100 * time.Millisecond,
	})
	stop := startScheduler(t, s)
	<-started
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// The abandoned feed is not saved, and its claim is released at once
	// rather than after the (two-hour) lease.
	f := feedByURL(t, db, hang.URL+"/feed.xml")
	if !f.State.LastFetch.IsZero() {
		t.Errorf("abandoned fetch saved: %+v", f.State)
	}
	claimed, err := db.ClaimFeeds(context.Background(), store.ClaimRequest{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 1 {
		t.Errorf("claim after shutdown got %d feeds, want the released one", len(claimed))
	}
}

func TestSchedulerSlowFeedDoesNotDelayOthers(t *testing.T) {
	// One feed's server never answers within the test; the others, on
	// other hosts, are fetched and saved meanwhile.
	release := make(chan struct{})
	ln := listenSecondLoopback(t)
	slow := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	slow.Listener.Close()
	slow.Listener = ln
	slow.Start()
	defer slow.Close()
	defer close(release)
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 4, Items: 2})
	db := openSQLite(t)
	addFeed(t, db, slow.URL+"/slow.xml", "@every 1s")
	for i := range srv.Len() {
		addFeed(t, db, srv.URL(i), "@every 1s")
	}
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:   db,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: time.Hour, Concurrency: 4}),
		Grace:   10 * time.Millisecond,
	})
	stop := startScheduler(t, s)
	// Each fast feed is fetched three times on its 1s schedule while the
	// slow one still hangs on its first request.
	waitFor(t, "fast feeds fetched 3 times", func() bool {
		for i := range srv.Len() {
			if srv.FeedRequests(i) < 3 {
				return false
			}
		}
		return true
	})
	stop()
}

func TestSchedulerBusyHostDoesNotFillCapacity(t *testing.T) {
	// Twenty due feeds on a host that never answers, claimed first, and
	// four on another host: the slow host gets its per-host share of the
	// fetcher and the rest of its feeds wait parked, so the capacity stays
	// free and the other host's feeds are fetched meanwhile.
	release := make(chan struct{})
	ln := listenSecondLoopback(t)
	slow := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	slow.Listener.Close()
	slow.Listener = ln
	slow.Start()
	defer slow.Close()
	defer close(release)
	db := openSQLite(t)
	for i := range 20 {
		addFeed(t, db, fmt.Sprintf("%s/slow/%d.xml", slow.URL, i), "@every 1h")
	}
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 4, Items: 1})
	for i := range srv.Len() {
		addFeed(t, db, srv.URL(i), "@every 1h")
	}
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:    db,
		Fetcher:  fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: time.Hour, Concurrency: 4, PerHost: 2}),
		Capacity: 8,
		Grace:    10 * time.Millisecond,
	})
	stop := startScheduler(t, s)
	waitFor(t, "the other host's feeds fetched", func() bool {
		for i := range srv.Len() {
			if feedByURL(t, db, srv.URL(i)).State.LastFetch.IsZero() {
				return false
			}
		}
		return true
	})
	if st := s.Status(); st.Parked == 0 {
		t.Errorf("status %+v: no slow feed parked", st)
	}
	stop()
	// Every claim of the slow host's feeds was released at shutdown.
	claimed, err := db.ClaimFeeds(context.Background(), store.ClaimRequest{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 20 {
		t.Errorf("after shutdown %d feeds claimable, want the 20 slow ones", len(claimed))
	}
}

func TestSchedulerClockJumps(t *testing.T) {
	// The wall clock is set back a day, then forward two: each time every
	// feed is fetched once and planned from the new time; no feed waits a
	// day, and none is fetched in a burst.
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 3, Items: 2})
	db := openSQLite(t)
	for i := range srv.Len() {
		addFeed(t, db, srv.URL(i), "@every 1h")
	}
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:   db,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true, Now: clock}),
		Now:     clock,
		Poll:    20 * time.Millisecond,
	})
	stop := startScheduler(t, s)
	fetchedTimes := func(n int64) func() bool {
		return func() bool {
			for i := range srv.Len() {
				if srv.FeedRequests(i) < n || feedByURL(t, db, srv.URL(i)).State.LastFetch.IsZero() {
					return false
				}
			}
			return true
		}
	}
	waitFor(t, "first fetches", fetchedTimes(1))
	for _, jump := range []struct {
		offset time.Duration
		want   int64
	}{{-24 * time.Hour, 2}, {24 * time.Hour, 3}} {
		offset.Store(int64(jump.offset))
		waitFor(t, fmt.Sprintf("fetch %d", jump.want), func() bool {
			if !fetchedTimes(jump.want)() {
				return false
			}
			// Saved, and planned from the new time.
			for i := range srv.Len() {
				st := feedByURL(t, db, srv.URL(i)).State
				if d := st.NextDue.Sub(clock()); d < 50*time.Minute || d > 61*time.Minute {
					return false
				}
			}
			return true
		})
		time.Sleep(200 * time.Millisecond)
		for i := range srv.Len() {
			if n := srv.FeedRequests(i); n != jump.want {
				t.Errorf("clock moved %v: feed %d fetched %d times, want %d", jump.offset, i, n, jump.want)
			}
		}
	}
	stop()
}

func BenchmarkClaimAndSave(b *testing.B) {
	// The scheduler's own cost per feed: claim it from SQLite, plan its next
	// fetch, save its state (a 304: no items). 10,000 feeds.
	const feeds = 10000
	db := openSQLite(b)
	ctx := context.Background()
	list := make([]store.Subscription, feeds)
	for i := range list {
		list[i] = store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://feeds%d.example.com/feed/%d.xml", i%100, i)}, Schedule: "@every 30m"}
	}
	if _, err := db.ImportFeeds(ctx, me(b, db), list); err != nil {
		b.Fatal(err)
	}
	p := &fetch.Planner{}
	now := time.Now()
	done := 0
	b.ResetTimer()
	for b.Loop() {
		claimed, err := db.ClaimFeeds(ctx, store.ClaimRequest{Now: now, Lease: time.Minute, Limit: 128})
		if err != nil {
			b.Fatal(err)
		}
		if len(claimed) == 0 {
			// Every feed was planned 30 minutes on: move the clock there.
			now = now.Add(31 * time.Minute)
			continue
		}
		for _, f := range claimed {
			st := f.State
			st.LastFetch, st.LastSuccess = now, now
			p.ApplyAll(&st, f.Schedules, fetch.Signals{Now: now, Key: f.URL})
			if _, err := db.SaveFetch(ctx, f.ID, store.FetchResult{Now: now, State: st}); err != nil {
				b.Fatal(err)
			}
		}
		done += len(claimed)
	}
	if done > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(done), "ns/feed")
	}
}

// TestSchedulerKeepsShortIntervals runs feeds on @every 1s with a long poll
// while another feed hangs, leased and past due. The scheduler must sleep
// until the next feed really due, not the whole poll because the leased
// feed looks overdue; and each fetch must be planned a full interval after
// the last, not from the next whole second (which gave gaps of a fraction
// of the interval). The bounds are loose on purpose: the broken behaviours
// give gaps of the poll (5s) or well under half the interval.
func TestSchedulerKeepsShortIntervals(t *testing.T) {
	const (
		interval = time.Second
		poll     = 5 * time.Second
		fetches  = 4
	)
	release := make(chan struct{})
	ln := listenSecondLoopback(t)
	slow := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	slow.Listener.Close()
	slow.Listener = ln
	slow.Start()
	defer slow.Close()
	defer close(release)

	var mu sync.Mutex
	times := map[string][]time.Time{}
	body := htRSS("Fast", 1)
	srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times[r.URL.Path] = append(times[r.URL.Path], time.Now())
		mu.Unlock()
		w.Write(body)
	}))
	db := openSQLite(t)
	addFeed(t, db, slow.URL+"/slow.xml", "@every 1s")
	paths := []string{"/a.xml", "/b.xml", "/c.xml"}
	for _, p := range paths {
		addFeed(t, db, srv.URL+p, "@every 1s")
	}
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:   db,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: time.Hour, Concurrency: 4}),
		Poll:    poll,
		Grace:   10 * time.Millisecond,
	})
	stop := startScheduler(t, s)
	waitFor(t, fmt.Sprintf("each fast feed fetched %d times", fetches), func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range paths {
			if len(times[p]) < fetches {
				return false
			}
		}
		return true
	})
	stop()
	mu.Lock()
	defer mu.Unlock()
	for _, p := range paths {
		ts := times[p]
		for i := 1; i < len(ts); i++ {
			gap := ts[i].Sub(ts[i-1])
			if gap < interval/2 {
				t.Errorf("%s: fetches %d and %d %v apart, want at least half the interval %v", p, i, i+1, gap, interval)
			}
			if gap > poll/2 {
				t.Errorf("%s: fetches %d and %d %v apart, want about the interval %v, not the poll %v", p, i, i+1, gap, interval, poll)
			}
		}
	}
}

// claimsFailing is a real store whose claims fail while fail is set, as
// they do when the database is unreachable or its disk is full.
type claimsFailing struct {
	*sqlite.DB
	fail   atomic.Bool
	claims atomic.Int64
}

func (s *claimsFailing) ClaimFeeds(ctx context.Context, r store.ClaimRequest) ([]store.Feed, error) {
	s.claims.Add(1)
	if s.fail.Load() {
		return nil, fmt.Errorf("claim feeds: %w", store.ErrDiskFull)
	}
	return s.DB.ClaimFeeds(ctx, r)
}

// syncBuffer is a strings.Builder safe for the scheduler's logger and
// the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSchedulerLogsFailingClaimsOnce: claims that keep failing are logged
// once (then once a minute), not once a poll, and the recovery once, with
// the number of claims that failed; the feeds are fetched once claims work.
func TestSchedulerLogsFailingClaimsOnce(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: 3})
	st := &claimsFailing{DB: openSQLite(t)}
	for i := range srv.Len() {
		addFeed(t, st.DB, srv.URL(i), "@every 1h")
	}
	st.fail.Store(true)
	var logs syncBuffer
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:   st,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true}),
		Poll:    5 * time.Millisecond,
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
	})
	stop := startScheduler(t, s)
	defer stop()
	waitFor(t, "20 failed claims", func() bool { return st.claims.Load() >= 20 })
	st.fail.Store(false)
	waitFor(t, "both feeds fetched", func() bool {
		return !feedByURL(t, st.DB, srv.URL(0)).State.LastFetch.IsZero() && !feedByURL(t, st.DB, srv.URL(1)).State.LastFetch.IsZero()
	})
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	out := logs.String()
	if n := strings.Count(out, "claim due feeds failed"); n != 1 || !strings.Contains(out, "failed_claims=1\n") {
		t.Errorf("%d lines for the failed claims; want 1, the first:\n%s", n, out)
	}
	m := regexp.MustCompile(`claiming due feeds works again" failed_claims=(\d+)`).FindStringSubmatch(out)
	if m == nil || atoi(m[1]) < 20 {
		t.Errorf("no recovery line with 20 or more failed claims:\n%s", out)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// savesFailing is a real store whose saves fail with store.ErrDiskFull
// while full is set, and which counts claims.
type savesFailing struct {
	*sqlite.DB
	full   atomic.Bool
	saves  atomic.Int64
	claims atomic.Int64
}

func (s *savesFailing) ClaimFeeds(ctx context.Context, r store.ClaimRequest) ([]store.Feed, error) {
	s.claims.Add(1)
	return s.DB.ClaimFeeds(ctx, r)
}

func (s *savesFailing) SaveFetches(ctx context.Context, batch []store.FeedFetch) ([]store.SaveResult, []error, error) {
	s.saves.Add(1)
	if s.full.Load() {
		return nil, nil, fmt.Errorf("save: %w", store.ErrDiskFull)
	}
	return s.DB.SaveFetches(ctx, batch)
}

func (s *savesFailing) SaveFetch(ctx context.Context, feedID int64, r store.FetchResult) (store.SaveResult, error) {
	s.saves.Add(1)
	if s.full.Load() {
		return store.SaveResult{}, fmt.Errorf("save: %w", store.ErrDiskFull)
	}
	return s.DB.SaveFetch(ctx, feedID, r)
}

// TestSchedulerPausesOnFullDisk: after a save finds the database's disk
// full, the scheduler claims nothing (so fetches nothing only to fail to
// save it) until FullDiskPause has passed on its clock, says so once in
// its log and in its status, keeps a FetchNow asked meanwhile for later,
// leaves the feeds parked for their host parked without spinning on them,
// and then fetches and saves as before.
func TestSchedulerPausesOnFullDisk(t *testing.T) {
	// Five feeds on one host: two go to the fetcher at a time (twice
	// PerHost), two wait parked, and the last is not due.
	const notDue = 4
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 5, Items: 3})
	st := &savesFailing{DB: openSQLite(t)}
	// The scheduler's clock moves only when the test moves it; it counts
	// how often it is read, which a busy loop would do without end.
	var clock, reads atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { reads.Add(1); return time.Unix(0, clock.Load()) }
	for i := range srv.Len() {
		f := addFeed(t, st.DB, srv.URL(i), "@every 1h")
		if i == notDue {
			// Not due for an hour: only FetchNow fetches it.
			if _, err := st.DB.SaveFetch(context.Background(), f.ID, store.FetchResult{Now: now(),
				State: store.FeedState{LastFetch: now(), NextDue: now().Add(time.Hour), WaitReason: store.WaitSchedule}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.full.Store(true)
	var logs syncBuffer
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:         st,
		Fetcher:       fetch.New(fetch.Options{AllowPrivateNetworks: true, PerHost: 1, Now: now}),
		Poll:          5 * time.Millisecond,
		FullDiskPause: time.Minute,
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
		Now:           now,
	})
	stop := startScheduler(t, s)
	defer stop()
	waitFor(t, "a save that finds the disk full", func() bool { return !s.Status().PausedUntil.IsZero() })
	if got := s.Status(); !got.PausedUntil.Equal(now().Add(time.Minute)) || !errors.Is(got.DiskFullErr, store.ErrDiskFull) {
		t.Errorf("status: paused until %v (%v); want a minute from now, for the full disk", got.PausedUntil, got.DiskFullErr)
	}
	if parked := s.Status().Parked; parked == 0 {
		t.Fatal("no feed parked; the test needs some waiting for their host")
	}
	// While the clock stands still, the pause lasts: no claim in the time
	// of a hundred polls, and no busy loop over the parked feeds (a few
	// clock reads a poll, not millions).
	claims, before := st.claims.Load(), reads.Load()
	s.FetchNow([]string{srv.URL(notDue)})
	time.Sleep(500 * time.Millisecond)
	if n := st.claims.Load() - claims; n != 0 {
		t.Errorf("%d claims during the pause; want none", n)
	}
	if n := reads.Load() - before; n > 10_000 {
		t.Errorf("the clock read %d times in 500 ms of pause (100 polls); the scheduler spins", n)
	}
	// Room again, and the pause and the claims' leases over.
	st.full.Store(false)
	clock.Add(int64(5 * time.Minute))
	waitFor(t, "every feed saved, the one asked for by FetchNow too", func() bool {
		for i := range srv.Len() {
			if feedByURL(t, st.DB, srv.URL(i)).Items != 3 {
				return false
			}
		}
		return true
	})
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := strings.Count(logs.String(), "the database's disk is full: no fetches"); n != 1 {
		t.Errorf("%d log lines for the pause; want 1:\n%s", n, logs.String())
	}
}

// itemsFull is a real store on a disk with room for small writes only:
// saves with items fail with store.ErrDiskFull, the others are saved.
type itemsFull struct{ *sqlite.DB }

func (s *itemsFull) SaveFetches(ctx context.Context, batch []store.FeedFetch) ([]store.SaveResult, []error, error) {
	results, errs := make([]store.SaveResult, len(batch)), make([]error, len(batch))
	for i, f := range batch {
		results[i], errs[i] = s.SaveFetch(ctx, f.FeedID, f.Result)
	}
	return results, errs, nil
}

func (s *itemsFull) SaveFetch(ctx context.Context, feedID int64, r store.FetchResult) (store.SaveResult, error) {
	if len(r.Items) > 0 {
		return store.SaveResult{}, fmt.Errorf("save: %w", store.ErrDiskFull)
	}
	return s.DB.SaveFetch(ctx, feedID, r)
}

// TestSchedulerDiskFullUntilPauseEnds: a small save that succeeds during
// the pause (the failure of a fetch under way when it began) does not
// clear DiskFullErr, which /healthz reports.
func TestSchedulerDiskFullUntilPauseEnds(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 3})
	var sched atomic.Pointer[fetch.Scheduler]
	slow := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Fail only once the other feed's save found the disk full: this
		// failure's save comes during the pause, whatever the machine's
		// speed.
		for s := sched.Load(); s == nil || s.Status().DiskFullErr == nil; s = sched.Load() {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	st := &itemsFull{openSQLite(t)}
	addFeed(t, st.DB, srv.URL(0), "@every 1h")
	addFeed(t, st.DB, slow.URL+"/feed", "@every 1h")
	s := fetch.NewScheduler(fetch.SchedulerOptions{Store: st,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true}), Poll: 5 * time.Millisecond})
	sched.Store(s)
	stop := startScheduler(t, s)
	defer stop()
	waitFor(t, "the slow feed's failure saved", func() bool { return feedByURL(t, st.DB, slow.URL+"/feed").State.LastError != "" })
	if got := s.Status(); !got.Paused || !errors.Is(got.DiskFullErr, store.ErrDiskFull) {
		t.Errorf("status after a small save during the pause: paused %t, DiskFullErr %v; want paused, for the full disk",
			got.Paused, got.DiskFullErr)
	}
}

// claimsWaitForPause holds the first claim of named feeds until a save
// has found the disk full and paused the scheduler, as a claim waiting
// behind that save would.
type claimsWaitForPause struct {
	*savesFailing
	s       *fetch.Scheduler
	release chan struct{} // lets the feed in flight answer
	once    sync.Once
}

func (c *claimsWaitForPause) ClaimFeeds(ctx context.Context, r store.ClaimRequest) ([]store.Feed, error) {
	if len(r.URLs) > 0 {
		c.once.Do(func() {
			close(c.release)
			for deadline := time.Now().Add(10 * time.Second); !c.s.Status().Paused && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		})
	}
	return c.savesFailing.ClaimFeeds(ctx, r)
}

// TestSchedulerFetchNowWhenPauseBeginsMidway: feeds asked for by FetchNow
// whose claim comes as a pause begins are fetched after the pause, not
// dropped: here 501 URLs, claimed 500 at a time, the last one a feed not
// due.
func TestSchedulerFetchNowWhenPauseBeginsMidway(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 3})
	release := make(chan struct{})
	slow := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(htRSS("Slow", 2))
	}))
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	st := &claimsWaitForPause{savesFailing: &savesFailing{DB: openSQLite(t)}, release: release}
	named := addFeed(t, st.DB, srv.URL(0), "@every 1h")
	if _, err := st.DB.SaveFetch(context.Background(), named.ID, store.FetchResult{Now: now(),
		State: store.FeedState{LastFetch: now(), NextDue: now().Add(time.Hour), WaitReason: store.WaitSchedule}}); err != nil {
		t.Fatal(err)
	}
	addFeed(t, st.DB, slow.URL+"/feed", "@every 1h")
	st.full.Store(true)
	st.s = fetch.NewScheduler(fetch.SchedulerOptions{Store: st, Now: now,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true, Now: now}), Poll: 5 * time.Millisecond, FullDiskPause: time.Minute})
	stop := startScheduler(t, st.s)
	defer stop()
	waitFor(t, "the slow feed in flight", func() bool { return st.s.Status().InFlight == 1 })
	urls := make([]string, 500)
	for i := range urls {
		urls[i] = fmt.Sprintf("https://not-subscribed.test/%d", i)
	}
	st.s.FetchNow(append(urls, srv.URL(0)))
	waitFor(t, "the pause", func() bool { return st.s.Status().Paused })
	st.full.Store(false)
	clock.Add(int64(5 * time.Minute))
	waitFor(t, "the feed asked for saved after the pause", func() bool { return feedByURL(t, st.DB, srv.URL(0)).Items == 3 })
}
