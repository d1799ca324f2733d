package storetest

import (
	"context"
	"errors"
	"testing"

	"tidings/store"
)

// testBatch checks SaveFetches: one transaction, each fetch all or nothing.
func testBatch(t *testing.T, open opener) {
	// batchOf makes the same three fetches for a store: two good ones
	// around one of an unknown feed.
	batchOf := func(t *testing.T, s store.Store) (u int64, a, b store.Subscription, batch []store.FeedFetch) {
		u = newUser(t, s, "alice")
		a = subscribe(t, s, u, "https://a.test/feed")
		b = subscribe(t, s, u, "https://b.test/feed")
		ra := fetch(item("a", 1), item("a", 2))
		ra.Title = "Feed A"
		rb := fetch(item("b", 1))
		rb.State.ETag = `"b1"`
		return u, a, b, []store.FeedFetch{
			{FeedID: a.ID, Result: ra},
			{FeedID: b.ID + 1000, Result: fetch(item("x", 1), item("x", 2))},
			{FeedID: b.ID, Result: rb},
		}
	}

	t.Run("MiddleFails", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		u, a, b, batch := batchOf(t, s)
		results, errs, err := s.SaveFetches(ctx, batch)
		if err != nil {
			t.Fatalf("SaveFetches: %v", err)
		}
		if len(results) != 3 || len(errs) != 3 {
			t.Fatalf("SaveFetches gave %d results and %d errors; want 3 and 3", len(results), len(errs))
		}
		if errs[0] != nil || errs[2] != nil {
			t.Errorf("errors of the good fetches = %v, %v; want nil", errs[0], errs[2])
		}
		if !errors.Is(errs[1], store.ErrNotFound) {
			t.Errorf("error of the unknown feed = %v; want ErrNotFound", errs[1])
		}
		if results[0].New != 2 || results[1] != (store.SaveResult{}) || results[2].New != 1 {
			t.Errorf("results = %+v; want 2 new, zero, 1 new", results)
		}
		if n := len(all(t, s, u, store.Query{})); n != 3 {
			t.Errorf("%d items stored; want 3 (none of the failed fetch)", n)
		}
		if got := subByURL(t, s, u, a.URL); got.Title != "Feed A" {
			t.Errorf("feed a title = %q; want the batch's", got.Title)
		}
		if got := subByURL(t, s, u, b.URL); got.State.ETag != `"b1"` {
			t.Errorf("feed b ETag = %q; want the batch's", got.State.ETag)
		}
	})

	t.Run("SameAsOneByOne", func(t *testing.T) {
		batched, single := open(t), open(t)
		ctx := t.Context()
		ub, _, _, batch := batchOf(t, batched)
		us, _, _, same := batchOf(t, single)
		// A second fetch of feed a in the same batch: it sees the first.
		again := fetch(item("a", 2), item("a", 3))
		again.State.ETag = `"a2"`
		batch = append(batch, store.FeedFetch{FeedID: batch[0].FeedID, Result: again})
		same = append(same, store.FeedFetch{FeedID: same[0].FeedID, Result: again})

		results, errs, err := batched.SaveFetches(ctx, batch)
		if err != nil {
			t.Fatalf("SaveFetches: %v", err)
		}
		for i, f := range same {
			res, err := single.SaveFetch(ctx, f.FeedID, f.Result)
			if (err == nil) != (errs[i] == nil) || res != results[i] {
				t.Errorf("fetch %d: batch gave %+v, %v; SaveFetch gave %+v, %v", i, results[i], errs[i], res, err)
			}
		}
		if results[3].New != 1 {
			t.Errorf("second fetch of a feed in one batch = %+v; want 1 new (item 3)", results[3])
		}
		feedsB, feedsS := feedList(t, batched), feedList(t, single)
		if len(feedsB) != len(feedsS) {
			t.Fatalf("%d feeds after the batch, %d one by one", len(feedsB), len(feedsS))
		}
		for i := range feedsB {
			fb, fs := feedsB[i], feedsS[i]
			if fb.URL != fs.URL || fb.Title != fs.Title || fb.State.ETag != fs.State.ETag ||
				!fb.State.NextDue.Equal(fs.State.NextDue) || fb.State.Identity != fs.State.Identity {
				t.Errorf("feed %d: batch %+v; one by one %+v", i, fb, fs)
			}
		}
		itemsB, itemsS := all(t, batched, ub, store.Query{}), all(t, single, us, store.Query{})
		if len(itemsB) != len(itemsS) || len(itemsB) != 4 {
			t.Fatalf("%d items after the batch, %d one by one; want 4", len(itemsB), len(itemsS))
		}
		for i := range itemsB {
			ib, is := itemsB[i], itemsS[i]
			if ib.GUID != is.GUID || ib.Title != is.Title || ib.Content != is.Content ||
				!ib.Published.Equal(is.Published) || !ib.FirstSeen.Equal(is.FirstSeen) {
				t.Errorf("item %d: batch %+v; one by one %+v", i, ib, is)
			}
		}
	})

	t.Run("CanceledSavesNothing", func(t *testing.T) {
		s := open(t)
		u, _, _, batch := batchOf(t, s)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		results, errs, err := s.SaveFetches(ctx, batch)
		if !errors.Is(err, context.Canceled) || results != nil || errs != nil {
			t.Errorf("SaveFetches after cancel = %v, %v, %v; want nil, nil, context.Canceled", results, errs, err)
		}
		if n := len(all(t, s, u, store.Query{})); n != 0 {
			t.Errorf("%d items stored by a canceled batch; want 0", n)
		}
	})

	t.Run("AllFail", func(t *testing.T) {
		s := open(t)
		u, _, b, _ := batchOf(t, s)
		results, errs, err := s.SaveFetches(t.Context(), []store.FeedFetch{
			{FeedID: b.ID + 1000, Result: fetch(item("x", 1))},
			{FeedID: b.ID + 2000, Result: fetch(item("y", 1))},
		})
		if err != nil || len(results) != 2 || len(errs) != 2 {
			t.Fatalf("SaveFetches = %v, %v, %v; want two results and errors, no batch error", results, errs, err)
		}
		for i, e := range errs {
			if !errors.Is(e, store.ErrNotFound) {
				t.Errorf("error %d = %v; want ErrNotFound", i, e)
			}
		}
		if n := len(all(t, s, u, store.Query{})); n != 0 {
			t.Errorf("%d items stored; want 0", n)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		s := open(t)
		results, errs, err := s.SaveFetches(t.Context(), nil)
		if err != nil || len(results) != 0 || len(errs) != 0 {
			t.Errorf("SaveFetches(nil) = %v, %v, %v; want nothing", results, errs, err)
		}
	})
}
