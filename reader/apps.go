package reader

import (
	"context"
	"fmt"
	"slices"
	"time"

	"tidings/store"
)

// The reader apps' queries, bounded by what a page needs rather than by the
// user's subscriptions or items when the store implements store.AppStore
// (both backends do); the same answers from Store's methods otherwise.

// SubscriptionsOf returns the user's subscriptions to the feeds with these
// IDs, with counts, by URL; IDs of feeds they do not subscribe to are left
// out.
func (r *Reader) SubscriptionsOf(ctx context.Context, userID int64, feedIDs []int64) ([]store.Subscription, error) {
	if as, ok := r.st.(store.AppStore); ok {
		subs, err := as.SubscriptionsOf(ctx, userID, feedIDs)
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		return subs, nil
	}
	all, err := r.Subscriptions(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := []store.Subscription{}
	for _, s := range all {
		if slices.Contains(feedIDs, s.ID) {
			out = append(out, s)
		}
	}
	return out, nil
}

// TagIDs returns the IDs of the user's tags (those TagList lists), by
// name, without their counts.
func (r *Reader) TagIDs(ctx context.Context, userID int64) (map[string]int64, error) {
	if as, ok := r.st.(store.AppStore); ok {
		ids, err := as.TagIDs(ctx, userID)
		if err != nil {
			return nil, fmt.Errorf("list tags: %w", err)
		}
		return ids, nil
	}
	tags, err := r.TagList(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(tags))
	for _, t := range tags {
		out[t.Name] = t.ID
	}
	return out, nil
}

// NewestStored returns, by feed ID, when the newest item (the greatest ID)
// of each of the user's subscriptions was stored; feeds without items are
// left out.
func (r *Reader) NewestStored(ctx context.Context, userID int64) (map[int64]time.Time, error) {
	if as, ok := r.st.(store.AppStore); ok {
		m, err := as.NewestStored(ctx, userID)
		if err != nil {
			return nil, fmt.Errorf("find the newest items: %w", err)
		}
		return m, nil
	}
	subs, err := r.Subscriptions(ctx, userID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, s := range subs {
		last, err := r.ItemIDs(ctx, userID, store.Query{FeedID: s.ID, ByID: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		ids = append(ids, last...)
	}
	out := make(map[int64]time.Time, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	items, _, err := r.Items(ctx, userID, store.Query{IDs: ids, ByID: true, Limit: len(ids)})
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		out[it.FeedID] = it.FirstSeen
	}
	return out, nil
}

// LastStoredBefore returns the ID of the user's last item stored before t,
// 0 if none: the user's items after it were stored at or after t (items
// are stored in ID order). See store.AppStore.
func (r *Reader) LastStoredBefore(ctx context.Context, userID int64, t time.Time) (int64, error) {
	if as, ok := r.st.(store.AppStore); ok {
		id, err := as.LastStoredBefore(ctx, userID, t)
		if err != nil {
			return 0, fmt.Errorf("find items by time: %w", err)
		}
		return id, nil
	}
	probe := func(q store.Query) (store.ProbedItem, bool, error) {
		q.ByID, q.Limit = true, 1
		items, _, err := r.Items(ctx, userID, q)
		if err != nil || len(items) == 0 {
			return store.ProbedItem{}, false, err
		}
		return store.ProbedItem{ID: items[0].ID, FirstSeen: items[0].FirstSeen}, true, nil
	}
	return store.SearchStored(t,
		func() (store.ProbedItem, bool, error) { return probe(store.Query{}) },
		func(id int64) (store.ProbedItem, bool, error) {
			return probe(store.Query{Oldest: true, AfterID: id - 1})
		})
}

// SubscriptionTotals returns the latest fetch of the user's feeds and the
// sums of their subscriptions' item and unread counts.
func (r *Reader) SubscriptionTotals(ctx context.Context, userID int64) (store.SubscriptionTotals, error) {
	if as, ok := r.st.(store.AppStore); ok {
		t, err := as.SubscriptionTotals(ctx, userID)
		if err != nil {
			return t, fmt.Errorf("sum up subscriptions: %w", err)
		}
		return t, nil
	}
	subs, err := r.Subscriptions(ctx, userID)
	if err != nil {
		return store.SubscriptionTotals{}, err
	}
	var t store.SubscriptionTotals
	for _, s := range subs {
		if s.State.LastFetch.After(t.LastFetch) {
			t.LastFetch = s.State.LastFetch
		}
		t.Items += s.Items
		t.Unread += s.Unread
	}
	return t, nil
}
