package reader

import (
	"context"
	"fmt"
	"time"

	"tidings/store"
)

// The reader apps' queries, bounded by what a page needs rather than by the
// user's subscriptions or items (store.AppStore).

// SubscriptionsOf returns the user's subscriptions to the feeds with these
// IDs, with counts, by URL; IDs of feeds they do not subscribe to are left
// out.
func (r *Reader) SubscriptionsOf(ctx context.Context, userID int64, feedIDs []int64) ([]store.Subscription, error) {
	subs, err := r.st.SubscriptionsOf(ctx, userID, feedIDs)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return subs, nil
}

// TagIDs returns the IDs of the user's tags (those TagList lists), by
// name, without their counts.
func (r *Reader) TagIDs(ctx context.Context, userID int64) (map[string]int64, error) {
	ids, err := r.st.TagIDs(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return ids, nil
}

// NewestStored returns, by feed ID, when the newest item (the greatest ID)
// of each of the user's subscriptions was stored; feeds without items are
// left out.
func (r *Reader) NewestStored(ctx context.Context, userID int64) (map[int64]time.Time, error) {
	m, err := r.st.NewestStored(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("find the newest items: %w", err)
	}
	return m, nil
}

// LastStoredBefore returns the ID of the user's last item stored before t,
// 0 if none: the user's items after it were stored at or after t (items
// are stored in ID order). See store.AppStore.
func (r *Reader) LastStoredBefore(ctx context.Context, userID int64, t time.Time) (int64, error) {
	id, err := r.st.LastStoredBefore(ctx, userID, t)
	if err != nil {
		return 0, fmt.Errorf("find items by time: %w", err)
	}
	return id, nil
}

// SubscriptionTotals returns the latest fetch of the user's feeds and the
// sums of their subscriptions' item and unread counts.
func (r *Reader) SubscriptionTotals(ctx context.Context, userID int64) (store.SubscriptionTotals, error) {
	t, err := r.st.SubscriptionTotals(ctx, userID)
	if err != nil {
		return t, fmt.Errorf("sum up subscriptions: %w", err)
	}
	return t, nil
}
