package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

func testIdentity(t *testing.T, open opener) {
	t.Run("SameGUIDTwice", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://g.test/feed")
		if res := save(t, s, f.ID, fetch(item("g", 1), item("g", 2))); res.New != 2 || res.Identity != store.IdentityGUID {
			t.Fatalf("first save = %+v; want 2 new under guid", res)
		}
		// Same GUIDs, another fetch, one more item.
		res := save(t, s, f.ID, fetch(item("g", 1), item("g", 2), item("g", 3)))
		if res.New != 1 || res.Updated != 0 {
			t.Errorf("second save = %+v; want 1 new 0 updated", res)
		}
		if n := len(all(t, s, u, store.Query{FeedID: f.ID})); n != 3 {
			t.Errorf("%d items stored; want 3", n)
		}
	})

	t.Run("NoGUIDsUseLink", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://l.test/feed")
		its := items("l", 3)
		for i := range its {
			its[i].GUID = ""
		}
		if res := save(t, s, f.ID, fetch(its...)); res.New != 3 || res.Identity != store.IdentityLink {
			t.Fatalf("save = %+v; want 3 new under link", res)
		}
		if res := save(t, s, f.ID, fetch(its...)); res.New != 0 || res.Updated != 0 {
			t.Errorf("refetch = %+v; want nothing new", res)
		}
		if got := subByURL(t, s, u, f.URL); got.State.Identity != store.IdentityLink || got.Items != 3 {
			t.Errorf("feed identity %v, %d items; want link, 3", got.State.Identity, got.Items)
		}
	})

	t.Run("RepeatedGUIDFallsBackAndStays", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://rep.test/feed")
		// First fetch is fine: stored under guid.
		save(t, s, f.ID, fetch(item("r", 1), item("r", 2)))
		// Now the feed repeats one GUID on different items.
		a, b := item("r", 3), item("r", 4)
		b.GUID = a.GUID
		res := save(t, s, f.ID, fetch(item("r", 1), item("r", 2), a, b))
		if res.Identity != store.IdentityLink || res.New != 2 {
			t.Fatalf("save with a repeated GUID = %+v; want link and 2 new (items 1, 2 matched by link, not duplicated)", res)
		}
		// GUIDs look fine again, but the feed stays on links: a changed
		// GUID with the same link is the same item.
		c := item("r", 1)
		c.GUID = "something-else"
		res = save(t, s, f.ID, fetch(c, item("r", 2)))
		if res.Identity != store.IdentityLink || res.New != 0 {
			t.Errorf("later save = %+v; want link kept and nothing new", res)
		}
		if n := len(all(t, s, u, store.Query{FeedID: f.ID})); n != 4 {
			t.Errorf("%d items; want 4", n)
		}
		if got := subByURL(t, s, u, f.URL); got.State.Identity != store.IdentityLink {
			t.Errorf("stored identity %v; want link", got.State.Identity)
		}
	})

	t.Run("NoGUIDNoLinkUsesHash", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://h.test/feed")
		its := items("h", 3)
		for i := range its {
			its[i].GUID, its[i].URL = "", ""
		}
		its[2].Published = time.Time{} // the hash takes the date as given
		if res := save(t, s, f.ID, fetch(its...)); res.New != 3 || res.Identity != store.IdentityHash {
			t.Fatalf("save = %+v; want 3 new under hash", res)
		}
		later := fetch(its...)
		later.Now = base.Add(time.Hour)
		if res := save(t, s, f.ID, later); res.New != 0 || res.Updated != 0 {
			t.Errorf("refetch = %+v; want nothing new", res)
		}
		// The same item twice in one fetch is one item.
		dup := fetch(item("hd", 1), item("hd", 1))
		dup.Items[0].GUID, dup.Items[0].URL, dup.Items[1].GUID, dup.Items[1].URL = "", "", "", ""
		if res := save(t, s, f.ID, dup); res.New != 1 {
			t.Errorf("fetch with one item twice = %+v; want 1 new", res)
		}
	})

	t.Run("StateIdentityOnlyMovesDown", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://down.test/feed")
		its := items("d", 2)
		its[1].GUID = its[0].GUID
		save(t, s, f.ID, fetch(its...))
		r := fetch(items("d", 2)...)
		r.State.Identity = store.IdentityGUID // a stale state must not move it back up
		if res := save(t, s, f.ID, r); res.Identity != store.IdentityLink || res.New != 0 {
			t.Errorf("save = %+v; want link and nothing new", res)
		}
	})
}

func testSave(t *testing.T, open opener) {
	t.Run("UpdateKeepsReadAndStarred", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		f := subscribe(t, s, u, "https://u.test/feed")
		save(t, s, f.ID, fetch(item("u", 1), item("u", 2)))
		got := all(t, s, u, store.Query{FeedID: f.ID})
		target := got[len(got)-1] // item 1, the older
		if _, err := s.SetRead(ctx, u, []int64{target.ID}, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStarred(ctx, u, []int64{target.ID}, true); err != nil {
			t.Fatal(err)
		}
		changed := item("u", 1)
		changed.Title = "u item 1, corrected"
		changed.Content = "<p>New body</p>"
		changed.Updated = base.Add(2 * time.Hour)
		if res := save(t, s, f.ID, fetch(changed, item("u", 2))); res.New != 0 || res.Updated != 1 {
			t.Errorf("save with one changed item = %+v; want 0 new 1 updated", res)
		}
		it, err := s.Item(ctx, u, target.ID)
		if err != nil {
			t.Fatal(err)
		}
		if it.Title != changed.Title || it.Content != changed.Content || !it.Updated.Equal(changed.Updated) {
			t.Errorf("updated item = %q %q %v", it.Title, it.Content, it.Updated)
		}
		if !it.Read || !it.Starred {
			t.Errorf("update lost read %v / starred %v", it.Read, it.Starred)
		}
		if res := save(t, s, f.ID, fetch(changed, item("u", 2))); res.New != 0 || res.Updated != 0 {
			t.Errorf("unchanged refetch = %+v; want 0/0", res)
		}
		if n := len(all(t, s, u, store.Query{FeedID: f.ID})); n != 2 {
			t.Errorf("%d items; want 2", n)
		}
	})

	t.Run("MissingPublished", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		f := subscribe(t, s, u, "https://p.test/feed")
		it := item("p", 1)
		it.Published = time.Time{}
		r := fetch(it)
		r.Now = base.Add(5 * time.Minute)
		save(t, s, f.ID, r)
		got := all(t, s, u, store.Query{FeedID: f.ID})
		if len(got) != 1 || !got[0].Published.Equal(r.Now) || !got[0].FirstSeen.Equal(r.Now) {
			t.Fatalf("item without a date = %+v; want published and first seen = the fetch time %v", got, r.Now)
		}
		// Later fetch, content changed, still no date: the first-seen
		// date stays.
		it.Content = "changed"
		r2 := fetch(it)
		r2.Now = base.Add(3 * time.Hour)
		if res := save(t, s, f.ID, r2); res.Updated != 1 {
			t.Errorf("save = %+v; want 1 updated", res)
		}
		got2, err := s.Item(ctx, u, got[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got2.Published.Equal(r.Now) || !got2.FirstSeen.Equal(r.Now) {
			t.Errorf("after update published %v first seen %v; want both %v", got2.Published, got2.FirstSeen, r.Now)
		}
	})

	t.Run("FuturePublished", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://future.test/feed")
		it := item("fu", 1)
		it.Published = fetchTime.Add(48 * time.Hour)
		save(t, s, f.ID, fetch(it))
		got := all(t, s, u, store.Query{FeedID: f.ID})
		if len(got) != 1 || !got[0].Published.Equal(fetchTime) {
			t.Fatalf("item dated in the future = %v; want published clamped to the fetch time %v", got[0].Published, fetchTime)
		}
		// Fetched again later, with the same future date or with the
		// date clamped to that fetch's time: not an update.
		later := fetchTime.Add(time.Hour)
		for _, p := range []time.Time{it.Published, later} {
			r := fetch(it)
			r.Now = later
			r.Items[0].Published = p
			if res := save(t, s, f.ID, r); res.New+res.Updated != 0 {
				t.Errorf("refetch with published %v = %+v; want 0/0", p, res)
			}
		}
	})

	t.Run("StateRoundTrip", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://st.test/feed")
		paris, _ := time.LoadLocation("Europe/Paris")
		if paris == nil {
			paris = time.FixedZone("CET", 3600)
		}
		st := store.FeedState{
			ETag: `"abc"`, LastModified: "Sat, 14 Mar 2026 15:00:00 GMT",
			LastFetch: base.In(paris), LastSuccess: base.Add(-time.Hour), LastError: "server answered 500",
			ErrorCount: 3, NextDue: base.Add(90 * time.Minute), NotBefore: base.Add(time.Hour),
			WaitReason: store.WaitBackoff, RedirectURL: "https://st.test/new", RedirectCount: 2,
			BodyHash: "5f2b9c0e4d7a1b3c8e6f0a2d4c6b8e1f3a5c7e9b0d2f4a6c8e0b2d4f6a8c0e2f", FeedDelay: 90 * time.Minute,
		}
		res := save(t, s, f.ID, store.FetchResult{Now: base, State: st, Title: "Feed title",
			SiteURL: "https://st.test/", IconURL: "https://st.test/icon.png"})
		got := subByURL(t, s, u, f.URL)
		st.Identity = res.Identity
		checkState(t, got.State, st)
		if got.Title != "Feed title" || got.SiteURL != "https://st.test/" || got.IconURL != "https://st.test/icon.png" {
			t.Errorf("metadata = %q %q %q", got.Title, got.SiteURL, got.IconURL)
		}
		// Empty metadata keeps what is there.
		save(t, s, f.ID, store.FetchResult{Now: base, State: st})
		if got := subByURL(t, s, u, f.URL); got.Title != "Feed title" || got.SiteURL != "https://st.test/" {
			t.Errorf("empty metadata replaced the stored one: %q %q", got.Title, got.SiteURL)
		}
		// Gone round-trips too.
		st.Gone, st.WaitReason = true, store.WaitGone
		save(t, s, f.ID, store.FetchResult{Now: base, State: st})
		if got := subByURL(t, s, u, f.URL); !got.State.Gone {
			t.Error("Gone not stored")
		}
	})

	t.Run("TimesInUTC", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://tz.test/feed")
		zone := time.FixedZone("UTC-7", -7*3600)
		it := item("tz", 1)
		it.Published = time.Date(2025, 12, 31, 20, 30, 15, 123_000_000, zone)
		it.Updated = it.Published.Add(time.Minute)
		save(t, s, f.ID, fetch(it))
		got := all(t, s, u, store.Query{FeedID: f.ID})[0]
		if !got.Published.Equal(it.Published) || got.Published.Location() != time.UTC {
			t.Errorf("published %v; want %v in UTC", got.Published, it.Published.UTC())
		}
		if !got.Updated.Equal(it.Updated) || got.Updated.Location() != time.UTC {
			t.Errorf("updated %v; want %v in UTC", got.Updated, it.Updated.UTC())
		}
		if got.FirstSeen.Location() != time.UTC {
			t.Errorf("first seen %v not in UTC", got.FirstSeen)
		}
	})

	t.Run("FieldsRoundTrip", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://rt.test/feed", "tagged")
		it := item("rt", 1)
		it.Author = "Ada"
		it.Categories = []string{"one", "two"}
		it.Enclosures = []store.Enclosure{{URL: "https://rt.test/a.mp3", Type: "audio/mpeg", Length: 1234}}
		save(t, s, f.ID, fetch(it))
		got := all(t, s, u, store.Query{})[0]
		if got.GUID != it.GUID || got.URL != it.URL || got.Title != it.Title || got.Author != "Ada" ||
			got.Content != it.Content || !slices.Equal(got.Categories, it.Categories) ||
			!slices.Equal(got.Enclosures, it.Enclosures) || got.FeedID != f.ID || got.FeedURL != f.URL ||
			!slices.Equal(got.Tags, []string{"tagged"}) || got.Read || got.Starred {
			t.Errorf("item round trip:\n got %+v\nwant %+v", got, it)
		}
		byID, err := s.Item(t.Context(), u, got.ID)
		if err != nil || byID.Title != got.Title || !slices.Equal(byID.Tags, got.Tags) {
			t.Errorf("Item(%d) = %+v, %v", got.ID, byID, err)
		}
		_, err = s.Item(t.Context(), u, got.ID+1000)
		wantErr(t, "Item of an unknown ID", err, store.ErrNotFound)
	})

	t.Run("FailedSaveLeavesNothing", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://fail.test/feed")

		// A feed that does not exist: the save fails, and no item of it
		// is stored anywhere.
		_, err := s.SaveFetch(t.Context(), f.ID+1000, fetch(items("ghost", 5)...))
		wantErr(t, "SaveFetch of an unknown feed", err, store.ErrNotFound)
		if n := len(all(t, s, u, store.Query{})); n != 0 {
			t.Errorf("failed save stored %d items", n)
		}

		// A cancelled context: nothing, not even the state.
		r := fetch(items("fail", 5)...)
		r.State.LastError = "should not be stored"
		if _, err := s.SaveFetch(cancelled(t), f.ID, r); err == nil {
			t.Error("SaveFetch with a cancelled context succeeded")
		}
		if got := subByURL(t, s, u, f.URL); got.Items != 0 || got.State.LastError != "" || !got.State.LastFetch.IsZero() {
			t.Errorf("cancelled save left %d items, state %+v", got.Items, got.State)
		}

		// Cancelled while it runs: whatever the moment, all or nothing.
		big := fetch(items("big", 5000)...)
		for i, delay := range []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond} {
			g := subscribe(t, s, u, fmt.Sprintf("https://fail.test/big%d", i))
			ctx, cancel := context.WithCancel(t.Context())
			go func() {
				time.Sleep(delay)
				cancel()
			}()
			_, err := s.SaveFetch(ctx, g.ID, big)
			cancel()
			got := subByURL(t, s, u, g.URL)
			switch {
			case err != nil && (got.Items != 0 || !got.State.LastFetch.IsZero()):
				t.Errorf("failed save (%v) left %d items and state %v", err, got.Items, got.State.LastFetch)
			case err == nil && got.Items != 5000:
				t.Errorf("successful save stored %d of 5000 items", got.Items)
			}
		}
	})
}

func checkState(t *testing.T, got, want store.FeedState) {
	t.Helper()
	times := []struct {
		name      string
		got, want time.Time
	}{
		{"LastFetch", got.LastFetch, want.LastFetch}, {"LastSuccess", got.LastSuccess, want.LastSuccess},
		{"NextDue", got.NextDue, want.NextDue}, {"NotBefore", got.NotBefore, want.NotBefore},
	}
	for _, tm := range times {
		if !tm.got.Equal(tm.want) || (!tm.got.IsZero() && tm.got.Location() != time.UTC) {
			t.Errorf("state %s = %v; want %v in UTC", tm.name, tm.got, tm.want)
		}
	}
	got.LastFetch, got.LastSuccess, got.NextDue, got.NotBefore = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.LastFetch, want.LastSuccess, want.NextDue, want.NotBefore = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		t.Errorf("state = %+v\nwant %+v", got, want)
	}
}
