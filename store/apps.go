package store

import (
	"context"
	"time"
)

// AppStore holds the queries the reader-app APIs make on every sync, each
// bounded by the page or the user's subscriptions rather than by their
// items. It is part of Store.
type AppStore interface {
	// SubscriptionsOf returns the user's subscriptions to the feeds with
	// these IDs, with counts, ordered by URL as Subscriptions orders them;
	// IDs of feeds the user does not subscribe to are left out. It costs
	// what the IDs ask, however many subscriptions the user has.
	SubscriptionsOf(ctx context.Context, userID int64, feedIDs []int64) ([]Subscription, error)
	// TagIDs returns the user's tags as Tags lists them (those some
	// subscription of theirs has), name to ID, without counting anything.
	TagIDs(ctx context.Context, userID int64) (map[string]int64, error)
	// NewestStored returns, by feed ID, when the newest item (the one
	// with the greatest ID) of each of the user's subscriptions was
	// stored (its FirstSeen); feeds without items are left out. It is one
	// query, whatever the number of subscriptions.
	NewestStored(ctx context.Context, userID int64) (map[int64]time.Time, error)
	// LastStoredBefore returns the ID of the user's last item (of the
	// items Items lists for them) stored before t, 0 if there is none,
	// taking items to be stored in ID order: the user's items after it
	// were stored at or after t. It is a binary search over the IDs in
	// one read transaction, each step one indexed probe of one item.
	LastStoredBefore(ctx context.Context, userID int64, t time.Time) (int64, error)
	// SubscriptionTotals sums up the user's subscriptions in one row, for
	// the answers that need the sum and not the list.
	SubscriptionTotals(ctx context.Context, userID int64) (SubscriptionTotals, error)
}

// SubscriptionTotals sums up a user's subscriptions.
type SubscriptionTotals struct {
	// LastFetch is the latest State.LastFetch of their feeds, zero if none
	// was fetched.
	LastFetch time.Time
	// Items and Unread are the sums of the subscriptions' Items and
	// Unread counts.
	Items, Unread int
}

// ProbedItem is an item as LastStoredBefore's binary search probes it:
// its ID and when it was stored.
type ProbedItem struct {
	ID        int64
	FirstSeen time.Time
}

// SearchStored is LastStoredBefore's binary search, the one rule both
// backends run: newest is the user's item with the greatest ID (ok false
// when they have none), and first returns the user's first item with an
// ID at or above id (ok false when there is none). Every backend calls it
// with its own probes, so that both answer alike.
func SearchStored(t time.Time, newest func() (ProbedItem, bool, error), first func(id int64) (ProbedItem, bool, error)) (int64, error) {
	top, ok, err := newest()
	if err != nil || !ok {
		return 0, err
	}
	if top.FirstSeen.Before(t) {
		return top.ID, nil
	}
	// The items up to lo were stored before t, those from hi on at or
	// after it.
	lo, hi := int64(0), top.ID
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		next, ok, err := first(mid)
		if err != nil {
			return 0, err
		}
		if ok && next.ID < hi && next.FirstSeen.Before(t) {
			lo = next.ID
		} else {
			// The first item from mid on was stored at or after t, or
			// there is none before hi.
			hi = mid
		}
	}
	return lo, nil
}
