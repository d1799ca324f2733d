package reader

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"tidings/store"
)

// SubscriptionByID returns the user's subscription to the feed with that
// ID, with counts, for front ends that name feeds by ID (the web page);
// a NotSubscribedError if the user has none.
func (r *Reader) SubscriptionByID(ctx context.Context, userID, feedID int64) (store.Subscription, error) {
	s, err := r.st.SubscriptionByID(ctx, userID, feedID)
	if errors.Is(err, store.ErrNotFound) {
		return s, &NotSubscribedError{URL: "the feed with ID " + strconv.FormatInt(feedID, 10)}
	}
	if err != nil {
		return s, fmt.Errorf("look up feed %d: %w", feedID, err)
	}
	return s, nil
}
