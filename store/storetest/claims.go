package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"tidings/store"
)

// setState saves a fetch with no items that leaves the feed with st.
func setState(t *testing.T, s store.Store, id int64, st store.FeedState) {
	t.Helper()
	save(t, s, id, store.FetchResult{Now: base, State: st})
}

func claim(t *testing.T, s store.Store, r store.ClaimRequest) []store.Feed {
	t.Helper()
	feeds, err := s.ClaimFeeds(t.Context(), r)
	if err != nil {
		t.Fatalf("ClaimFeeds(%+v): %v", r, err)
	}
	return feeds
}

func claimedURLs(feeds []store.Feed) []string {
	out := make([]string, len(feeds))
	for i, f := range feeds {
		out[i] = f.URL
	}
	return out
}

func testClaims(t *testing.T, open opener) {
	t.Run("ConcurrentClaimsAreDisjoint", func(t *testing.T) {
		s, u := setup(t, open)
		const n = 200
		var subs []store.Subscription
		for i := range n {
			subs = append(subs, sub(fmt.Sprintf("https://c%03d.test/feed", i)))
		}
		if _, err := s.ImportFeeds(t.Context(), u, subs); err != nil {
			t.Fatal(err)
		}
		var (
			mu  sync.Mutex
			got = make(map[int64]int)
			wg  sync.WaitGroup
		)
		for range 16 {
			wg.Go(func() {
				for {
					feeds, err := s.ClaimFeeds(t.Context(), store.ClaimRequest{Now: base, Lease: time.Minute, Limit: 7})
					if err != nil {
						t.Errorf("ClaimFeeds: %v", err)
						return
					}
					if len(feeds) == 0 {
						return
					}
					mu.Lock()
					for _, f := range feeds {
						got[f.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(got) != n {
			t.Errorf("%d feeds claimed; want %d", len(got), n)
		}
		for id, c := range got {
			if c != 1 {
				t.Errorf("feed %d claimed %d times", id, c)
			}
		}
	})

	t.Run("LeaseAndRelease", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://lease.test/feed")
		if got := claim(t, s, store.ClaimRequest{Now: base, Lease: time.Minute}); len(got) != 1 || got[0].ID != f.ID {
			t.Fatalf("claim = %q; want the new feed", claimedURLs(got))
		}
		for _, r := range []store.ClaimRequest{
			{Now: base.Add(30 * time.Second), Lease: time.Minute},
			{Now: base.Add(30 * time.Second), Lease: time.Minute, All: true},
			{Now: base.Add(30 * time.Second), Lease: time.Minute, URLs: []string{f.URL}},
		} {
			if got := claim(t, s, r); len(got) != 0 {
				t.Errorf("claim %+v during the lease = %q; want none", r, claimedURLs(got))
			}
		}
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(61 * time.Second), Lease: time.Minute}); len(got) != 1 {
			t.Fatalf("claim after the lease ran out = %q; want the feed again", claimedURLs(got))
		}
		if err := s.Release(t.Context(), []int64{f.ID}); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(62 * time.Second), Lease: time.Minute}); len(got) != 1 {
			t.Errorf("claim after Release = %q; want the feed", claimedURLs(got))
		}
	})

	t.Run("SaveReleasesAndReschedules", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://due.test/feed")
		claim(t, s, store.ClaimRequest{Now: base, Lease: time.Hour})
		setState(t, s, f.ID, store.FeedState{LastFetch: base, NextDue: base.Add(time.Hour)})
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(time.Minute), Lease: time.Hour}); len(got) != 0 {
			t.Errorf("claim before NextDue = %q; want none", claimedURLs(got))
		}
		// All ignores NextDue, and SaveFetch ended the lease.
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(time.Minute), Lease: time.Hour, All: true}); len(got) != 1 {
			t.Errorf("claim All = %q; want the feed", claimedURLs(got))
		}
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(2 * time.Hour), Lease: time.Hour}); len(got) != 1 {
			t.Errorf("claim when due = %q; want the feed", claimedURLs(got))
		}
	})

	t.Run("NotBefore", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://nb.test/feed")
		setState(t, s, f.ID, store.FeedState{NextDue: base, NotBefore: base.Add(time.Hour), WaitReason: store.WaitRetryAfter})
		for _, r := range []store.ClaimRequest{
			{Now: base.Add(time.Minute)},
			{Now: base.Add(time.Minute), All: true},
			{Now: base.Add(time.Minute), URLs: []string{f.URL}},
		} {
			if got := claim(t, s, r); len(got) != 0 {
				t.Errorf("claim %+v before NotBefore = %q; want none", r, claimedURLs(got))
			}
		}
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(time.Hour)}); len(got) != 1 {
			t.Errorf("claim at NotBefore = %q; want the feed", claimedURLs(got))
		}
	})

	t.Run("Gone", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://gone.test/feed")
		other := subscribe(t, s, u, "https://alive.test/feed")
		setState(t, s, f.ID, store.FeedState{NextDue: base, Gone: true, WaitReason: store.WaitGone})
		setState(t, s, other.ID, store.FeedState{NextDue: base.Add(24 * time.Hour)})
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(time.Hour)}); len(got) != 0 {
			t.Errorf("due claim = %q; want no gone feed", claimedURLs(got))
		}
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(time.Hour), All: true, Lease: time.Second}); len(got) != 1 || got[0].ID != other.ID {
			t.Errorf("All claim = %q; want only the feed that is not gone", claimedURLs(got))
		}
		got := claim(t, s, store.ClaimRequest{Now: base.Add(time.Hour), URLs: []string{f.URL, "https://unknown.test/"}})
		if len(got) != 1 || got[0].ID != f.ID || !got[0].State.Gone {
			t.Errorf("claim by URL = %q; want the gone feed", claimedURLs(got))
		}
		next, err := s.NextDue(t.Context())
		if err != nil || !next.Equal(base.Add(24*time.Hour)) {
			t.Errorf("NextDue = %v, %v; want %v (gone feeds do not count)", next, err, base.Add(24*time.Hour))
		}
	})

	t.Run("LimitAndOrder", func(t *testing.T) {
		s, u := setup(t, open)
		for i := range 10 {
			in := sub(fmt.Sprintf("https://o%d.test/feed", i))
			in.Schedule = "@every 5m"
			f := subscribeTo(t, s, u, in)
			// Feed 9 is the most overdue.
			setState(t, s, f.ID, store.FeedState{NextDue: base.Add(time.Duration(10-i) * time.Minute)})
		}
		got := claim(t, s, store.ClaimRequest{Now: base.Add(time.Hour), Limit: 3})
		want := []string{"https://o9.test/feed", "https://o8.test/feed", "https://o7.test/feed"}
		if fmt.Sprint(claimedURLs(got)) != fmt.Sprint(want) {
			t.Errorf("claim Limit 3 = %q; want the 3 most overdue, earliest first: %q", claimedURLs(got), want)
		}
		if len(got) > 0 && !slices.Equal(got[0].Schedules, []string{"@every 5m"}) {
			t.Errorf("claimed feed Schedules %q; want [@every 5m], its subscriber's", got[0].Schedules)
		}
		if got := claim(t, s, store.ClaimRequest{Now: base.Add(time.Hour)}); len(got) != 7 {
			t.Errorf("claim without limit = %d feeds; want the other 7", len(got))
		}
	})

	t.Run("NextDue", func(t *testing.T) {
		s, u := setup(t, open)
		next, err := s.NextDue(t.Context())
		if err != nil || !next.IsZero() {
			t.Fatalf("NextDue of an empty store = %v, %v; want zero", next, err)
		}
		a := subscribe(t, s, u, "https://a.test/feed")
		next, err = s.NextDue(t.Context())
		if err != nil || next.IsZero() || next.After(time.Now()) {
			t.Errorf("NextDue with a new feed = %v, %v; want a time not after now", next, err)
		}
		b := subscribe(t, s, u, "https://b.test/feed")
		setState(t, s, a.ID, store.FeedState{NextDue: base.Add(3 * time.Hour)})
		setState(t, s, b.ID, store.FeedState{NextDue: base.Add(2 * time.Hour)})
		next, err = s.NextDue(t.Context())
		if err != nil || !next.Equal(base.Add(2*time.Hour)) || next.Location() != time.UTC {
			t.Errorf("NextDue = %v, %v; want %v UTC", next, err, base.Add(2*time.Hour))
		}
	})

	// A leased feed is being fetched: its past due time must not make a
	// scheduler think work is waiting (it would poll instead of sleeping
	// until the next feed really due).
	t.Run("NextDueSkipsLeased", func(t *testing.T) {
		s, u := setup(t, open)
		// Millisecond precision: what both backends store exactly.
		now := time.Now().Truncate(time.Millisecond)
		a := subscribe(t, s, u, "https://leased.test/feed")
		b := subscribe(t, s, u, "https://later.test/feed")
		setState(t, s, a.ID, store.FeedState{NextDue: now.Add(-time.Minute)})
		setState(t, s, b.ID, store.FeedState{NextDue: now.Add(time.Hour)})
		if got := claim(t, s, store.ClaimRequest{Now: now, Lease: time.Hour, Limit: 1}); len(got) != 1 || got[0].ID != a.ID {
			t.Fatalf("claim = %q; want the overdue feed", claimedURLs(got))
		}
		want := now.Add(time.Hour)
		next, err := s.NextDue(t.Context())
		if err != nil || !next.Equal(want) {
			t.Errorf("NextDue with the overdue feed leased = %v, %v; want %v (the unleased feed)", next, err, want)
		}
		// Leased and never scheduled: CreatedAt must not count either.
		c := subscribe(t, s, u, "https://new.test/feed")
		if got := claim(t, s, store.ClaimRequest{Now: now, Lease: time.Hour, URLs: []string{c.URL}}); len(got) != 1 {
			t.Fatalf("claim by URL = %q; want the new feed", claimedURLs(got))
		}
		if next, err := s.NextDue(t.Context()); err != nil || !next.Equal(want) {
			t.Errorf("NextDue with a new feed leased = %v, %v; want %v", next, err, want)
		}
		// Once released, the overdue feed counts again.
		if err := s.Release(t.Context(), []int64{a.ID, c.ID}); err != nil {
			t.Fatal(err)
		}
		if next, err := s.NextDue(t.Context()); err != nil || next.After(time.Now()) {
			t.Errorf("NextDue after release = %v, %v; want a time not after now", next, err)
		}
		// A lease that ran out no longer hides the feed.
		if got := claim(t, s, store.ClaimRequest{Now: now.Add(-2 * time.Hour), Lease: time.Hour, All: true}); len(got) != 3 {
			t.Fatalf("claim with a lease already ended = %q; want 3 feeds", claimedURLs(got))
		}
		if next, err := s.NextDue(t.Context()); err != nil || next.After(time.Now()) {
			t.Errorf("NextDue with expired leases = %v, %v; want a time not after now", next, err)
		}
	})

	t.Run("FeedStats", func(t *testing.T) {
		s, u := setup(t, open)
		// now is ahead of the wall clock, so a feed just added (never
		// scheduled, due since its CreatedAt) is overdue at now.
		now := time.Now().Add(10 * time.Minute).Truncate(time.Millisecond)
		if got, err := s.FeedStats(t.Context(), now, time.Minute); err != nil || got != (store.FeedStats{}) {
			t.Fatalf("FeedStats of an empty store = %+v, %v; want zeros", got, err)
		}
		states := map[string]store.FeedState{
			"https://overdue.test/": {NextDue: now.Add(-2 * time.Minute)},
			"https://due.test/":     {NextDue: now.Add(-10 * time.Second), ErrorCount: 1, WaitReason: store.WaitBackoff},
			"https://later.test/":   {NextDue: now.Add(time.Hour), ErrorCount: 2, WaitReason: store.WaitBackoff},
			"https://gone.test/":    {NextDue: now.Add(-time.Hour), Gone: true, ErrorCount: 1, WaitReason: store.WaitGone},
			"https://held.test/":    {NextDue: now.Add(-2 * time.Minute), NotBefore: now.Add(time.Hour), WaitReason: store.WaitRetryAfter},
			"https://due-now.test/": {NextDue: now},
			"https://never.test/":   {},
		}
		for url, st := range states {
			f := subscribe(t, s, u, url)
			if st != (store.FeedState{}) {
				setState(t, s, f.ID, st)
			}
		}
		// A leased feed is still due: it counts until it is saved.
		claim(t, s, store.ClaimRequest{Now: now, URLs: []string{"https://overdue.test/"}})
		got, err := s.FeedStats(t.Context(), now, time.Minute)
		want := store.FeedStats{Feeds: 7, Due: 4, Overdue: 2, Gone: 1, Failing: 2}
		if err != nil || got != want {
			t.Errorf("FeedStats = %+v, %v; want %+v", got, err, want)
		}
		// A longer cutoff makes fewer feeds overdue.
		got, err = s.FeedStats(t.Context(), now, time.Hour)
		want.Overdue = 0
		if err != nil || got != want {
			t.Errorf("FeedStats with a 1h cutoff = %+v, %v; want %+v", got, err, want)
		}
	})
}
