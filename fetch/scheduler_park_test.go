package fetch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
	"tidings/store/sqlite"
)

// releaseRecorder is a real SQLite store that records the feeds whose
// claims were released, and counts claims.
type releaseRecorder struct {
	*sqlite.DB
	claims atomic.Int64

	mu       sync.Mutex
	released []int64
}

func (r *releaseRecorder) ClaimFeeds(ctx context.Context, req store.ClaimRequest) ([]store.Feed, error) {
	defer r.claims.Add(1)
	return r.DB.ClaimFeeds(ctx, req)
}

func (r *releaseRecorder) Release(ctx context.Context, ids []int64) error {
	r.mu.Lock()
	r.released = append(r.released, ids...)
	r.mu.Unlock()
	return r.DB.Release(ctx, ids)
}

func (r *releaseRecorder) releasedIDs() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.released)
}

// TestSchedulerReleasesFeedsParkedHalfTheirLease: feeds claimed and parked
// for a host that has its share of the fetcher already are released once
// they have waited half their lease on the scheduler's clock, so that
// their claims never run out in its hands while another process could
// take them; the feeds at the fetcher keep theirs, and nothing is released
// before that time. The clock moves only when the test moves it: real time
// alone (a parked feed released on the machine's clock) releases nothing.
func TestSchedulerReleasesFeedsParkedHalfTheirLease(t *testing.T) {
	const (
		feeds = 5
		lease = 10 * time.Minute
	)
	// One host that never answers until the test ends: with PerHost 1,
	// two of its feeds go to the fetcher (one fetched, one queued) and the
	// other three wait parked.
	var (
		reqMu     sync.Mutex
		requested []string
	)
	unblock := make(chan struct{})
	ln := listenSecondLoopback(t)
	slow := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqMu.Lock()
		requested = append(requested, r.URL.Path)
		reqMu.Unlock()
		select {
		case <-r.Context().Done():
		case <-unblock:
		}
	}))
	slow.Listener.Close()
	slow.Listener = ln
	slow.Start()
	defer slow.Close()
	defer close(unblock)

	st := &releaseRecorder{DB: openSQLite(t)}
	byID := map[int64]string{}
	for i := range feeds {
		f := addFeed(t, st.DB, fmt.Sprintf("%s/slow/%d.xml", slow.URL, i), "@every 1h")
		byID[f.ID] = f.URL
	}
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	advance := func(d time.Duration) { clock.Add(int64(d)) }
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store: st,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: time.Hour,
			Concurrency: 1, PerHost: 1, Now: now}),
		Capacity: 8,
		Lease:    lease,
		Poll:     5 * time.Millisecond,
		Grace:    10 * time.Millisecond,
		Now:      now,
	})
	stop := startScheduler(t, s)
	waitFor(t, "three feeds parked and one fetched", func() bool {
		reqMu.Lock()
		defer reqMu.Unlock()
		st := s.Status()
		return st.Parked == 3 && st.InFlight == feeds && len(requested) == 1
	})
	// polls waits for n more claims: each one comes after an unpark.
	polls := func(n int64) {
		t.Helper()
		from := st.claims.Load()
		waitFor(t, fmt.Sprintf("%d more claims", n), func() bool { return st.claims.Load() >= from+n })
	}

	// Just under half the lease: every claim holds.
	advance(lease/2 - time.Second)
	polls(5)
	if got := st.releasedIDs(); len(got) != 0 {
		t.Fatalf("released %v before half the lease", got)
	}
	if st := s.Status(); st.Parked != 3 || st.InFlight != feeds {
		t.Fatalf("status before half the lease: %+v; want 3 parked of %d in flight", st, feeds)
	}

	// Past half the lease: the three parked feeds are released, and no
	// other. They are still due, so the next claim takes them again and
	// parks them anew, from the new time.
	advance(2 * time.Second)
	waitFor(t, "the parked feeds released", func() bool { return len(st.releasedIDs()) >= 3 })
	polls(5)
	released := st.releasedIDs()
	if len(released) != 3 {
		t.Fatalf("released %v; want the 3 parked feeds once each", released)
	}
	reqMu.Lock()
	fetching := requested[0]
	reqMu.Unlock()
	seen := map[int64]bool{}
	for _, id := range released {
		u, ok := byID[id]
		switch {
		case !ok:
			t.Errorf("released feed %d, not one of the test's", id)
		case seen[id]:
			t.Errorf("released %s twice", u)
		case strings.HasSuffix(u, fetching):
			t.Errorf("released %s, whose fetch is under way", u)
		}
		seen[id] = true
	}
	waitFor(t, "the released feeds claimed and parked again", func() bool {
		st := s.Status()
		return st.Parked == 3 && st.InFlight == feeds
	})
	// Claimed again from the new time, they hold for another half lease.
	polls(5)
	if got := st.releasedIDs(); len(got) != 3 {
		t.Errorf("released %v after the new claim; want no more than the 3", got)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
