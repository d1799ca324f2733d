package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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
