package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tidings/fetch/fetchtest"
	"tidings/store"
	"tidings/store/sqlite"
)

// TestFetchClaimsAWindowAtATime checks that `tidings fetch --all` does not
// lease every feed up front: while the first feed is being fetched, with
// one fetch at a time, all but a window of feeds can still be claimed by
// another process, so no lease runs out in the queue.
func TestFetchClaimsAWindowAtATime(t *testing.T) {
	const feeds = 8
	h := newHarness(t, privateConfig+"concurrency = 1\nper_host = 1\n")
	var (
		once      sync.Once
		claimable = -1
		probeErr  error
	)
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: 2, OnRequest: func(*http.Request) {
		once.Do(func() {
			ctx := context.Background()
			db, err := sqlite.Open(ctx, h.dbPath)
			if err != nil {
				probeErr = err
				return
			}
			defer db.Close()
			got, err := db.ClaimFeeds(ctx, store.ClaimRequest{Now: testNow, Lease: time.Minute, All: true})
			if err != nil {
				probeErr = err
				return
			}
			claimable = len(got)
			ids := make([]int64, len(got))
			for i, f := range got {
				ids[i] = f.ID
			}
			probeErr = db.Release(ctx, ids)
		})
	}})
	for _, u := range srv.URLs() {
		h.mustRun(exitOK, "add", "--no-fetch", u)
	}
	r := h.mustRun(exitOK, "fetch", "--all")
	if probeErr != nil {
		t.Fatal(probeErr)
	}
	// The window is claimAhead times the concurrency.
	if want := feeds - claimAhead; claimable < want {
		t.Errorf("during the first fetch %d feeds were claimable by another process, want at least %d", claimable, want)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("Fetched %d feeds: %d new items", feeds, 2*feeds)) {
		t.Errorf("fetch --all:\n%s", r.stdout)
	}
	// Nothing stays leased after the run.
	got, err := h.openStore().ClaimFeeds(context.Background(), store.ClaimRequest{Now: testNow, Lease: time.Minute, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != feeds {
		t.Errorf("%d feeds claimable after the run, want %d", len(got), feeds)
	}
}

// TestFetchBarListsFailures checks that on a terminal the failed feeds are
// listed with their messages after the progress bar, at most
// maxFailuresListed of them.
func TestFetchBarListsFailures(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	tests := []struct {
		name   string
		broken int
		more   string
	}{
		{"few", 2, ""},
		{"many", maxFailuresListed + 3, "and 3 more; see 'tidings feeds'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, privateConfig)
			var urls []string
			for i := range tt.broken {
				u := fmt.Sprintf("%s/feed%02d.xml", broken.URL, i)
				urls = append(urls, u)
				h.mustRun(exitOK, "add", "--no-fetch", u)
			}
			r := h.runCtx(context.Background(), true, "", "fetch")
			if r.code != exitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			listed := 0
			for _, u := range urls {
				if strings.Contains(r.stdout, u+": error: ") {
					listed++
				}
			}
			if want := min(tt.broken, maxFailuresListed); listed != want {
				t.Errorf("%d failed feeds listed, want %d:\n%s", listed, want, r.stdout)
			}
			if !strings.Contains(r.stdout, "500") {
				t.Errorf("the failures' messages are missing:\n%s", r.stdout)
			}
			if tt.more != "" && !strings.Contains(r.stdout, tt.more) {
				t.Errorf("no %q:\n%s", tt.more, r.stdout)
			}
			if !strings.Contains(r.stdout, fmt.Sprintf("%d errors.", tt.broken)) {
				t.Errorf("no summary:\n%s", r.stdout)
			}
		})
	}
}

// TestClaimQueueRoom: the window and the host caps count feeds claimed and
// not yet fetched. A fetched feed makes room at once but stays claimed
// (left lists it) until it is saved; saving it then makes no room twice.
func TestClaimQueueRoom(t *testing.T) {
	feed := func(id int64, host string) store.Feed {
		return store.Feed{ID: id, URL: fmt.Sprintf("https://%s/feed%d", host, id)}
	}
	all := []store.Feed{feed(1, "a.test"), feed(2, "a.test"), feed(3, "b.test"), feed(4, "a.test"), feed(5, "c.test")}
	q := newClaimQueue(slices.Clone(all), 2, 1) // it clears the slice it is given as it goes
	ids := func(fs []store.Feed) []int64 {
		var out []int64
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	claim := func(want ...int64) {
		t.Helper()
		got := q.next()
		if !slices.Equal(ids(got), want) {
			t.Fatalf("next() = %v; want %v", ids(got), want)
		}
		for _, f := range got {
			q.markClaimed(f)
		}
	}

	claim(1, 3) // 2 waits for a.test's room
	claim()     // the window is full
	q.fetched(all[0])
	claim(2) // a.test's room, and the window's, came back with the fetch
	if release, unsaved, _ := q.left(); len(release) != 3 || unsaved != 3 {
		t.Errorf("left() = %v to release, %d unsaved; want 3 and 3: feed 1 is fetched, not saved", release, unsaved)
	}
	q.saved(all[0])
	claim() // saving a fetched feed makes no room twice
	q.fetched(all[2])
	q.fetched(all[2]) // reported twice: room comes back once
	claim(5)          // 4 waits for a.test, held by 2
	claim()
	q.saved(all[1]) // saved without a fetch report: its room comes back now
	claim(4)
	for _, f := range []store.Feed{all[2], all[3]} {
		q.saved(f)
	}
	// A failed save makes room as a save does, and its claim is released
	// at the end.
	q.saveFailed(all[4])
	if !q.done() {
		t.Error("done() = false after every feed was saved or failed")
	}
	if release, unsaved, unclaimed := q.left(); !slices.Equal(release, []int64{5}) || unsaved != 0 || unclaimed != 0 {
		t.Errorf("left() = %v to release, %d unsaved, %d unclaimed; want [5], 0, 0", release, unsaved, unclaimed)
	}
}
