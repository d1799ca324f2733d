package reader

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"tidings/store"
)

// resolve checks a query's feed and tag against the user's subscriptions:
// a feed the user does not subscribe to and a tag none of their feeds has
// are errors (NotSubscribedError, UnknownTagError), not empty pages. The
// feed is then selected by ID, and the tag in its stored form.
func (r *Reader) resolve(ctx context.Context, userID int64, q *store.Query) error {
	if q.FeedURL != "" {
		sub, err := r.Lookup(ctx, userID, q.FeedURL)
		if err != nil {
			return err
		}
		q.FeedURL, q.FeedID = "", sub.ID
	}
	if strings.TrimSpace(q.Tag) != "" {
		t := store.NormalizeTag(q.Tag)
		ids, err := r.TagIDs(ctx, userID)
		if err != nil {
			return err
		}
		if _, ok := ids[t]; !ok {
			// By name, as TagList lists them.
			names := slices.Sorted(maps.Keys(ids))
			return &UnknownTagError{Tag: t, Tags: names}
		}
		q.Tag = t
	} else {
		q.Tag = ""
	}
	q.Search = strings.TrimSpace(q.Search)
	return nil
}

// Items returns a page of the user's items that q selects, and the cursor
// of the next page ("" at the end). A q.Search makes it a full-text search,
// best match first. q.FeedURL and q.Tag must name one of the user's
// subscriptions and tags.
func (r *Reader) Items(ctx context.Context, userID int64, q store.Query) ([]store.Item, string, error) {
	if err := r.resolve(ctx, userID, &q); err != nil {
		return nil, "", err
	}
	items, next, err := r.st.Items(ctx, userID, q)
	if err != nil {
		if q.Search != "" {
			return nil, "", fmt.Errorf("search: %w", err)
		}
		return nil, "", fmt.Errorf("list items: %w", err)
	}
	return items, next, nil
}

// ItemIDs returns the IDs of the user's items that q selects, in q's
// order, at most q.Limit of them.
func (r *Reader) ItemIDs(ctx context.Context, userID int64, q store.Query) ([]int64, error) {
	if err := r.resolve(ctx, userID, &q); err != nil {
		return nil, err
	}
	ids, err := r.st.ItemIDs(ctx, userID, q)
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	return ids, nil
}

// CountItems counts the user's items that q selects.
func (r *Reader) CountItems(ctx context.Context, userID int64, q store.Query) (int, error) {
	if err := r.resolve(ctx, userID, &q); err != nil {
		return 0, err
	}
	n, err := r.st.CountItems(ctx, userID, q)
	if err != nil {
		return 0, fmt.Errorf("count items: %w", err)
	}
	return n, nil
}

// Item returns one of the user's items; a NoItemError if they may not
// read it.
func (r *Reader) Item(ctx context.Context, userID, id int64) (store.Item, error) {
	it, err := r.st.Item(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return it, &NoItemError{IDs: []int64{id}}
	}
	if err != nil {
		return it, fmt.Errorf("read item %d: %w", id, err)
	}
	return it, nil
}

// Open returns one of the user's items for reading and, with markRead,
// marks it read as opening it in a reader does. The item returned has its
// state after that.
func (r *Reader) Open(ctx context.Context, userID, id int64, markRead bool) (store.Item, error) {
	it, err := r.Item(ctx, userID, id)
	if err != nil || !markRead || it.Read {
		return it, err
	}
	if _, err := r.st.SetRead(ctx, userID, []int64{id}, true); err != nil {
		return it, fmt.Errorf("mark item %d read: %w", id, err)
	}
	it.Read = true
	return it, nil
}

// A Mark is a change of an item's state for a user.
type Mark int

// The marks.
const (
	MarkRead Mark = iota
	MarkUnread
	MarkStarred
	MarkUnstarred
)

// String returns the state the mark leaves: "read", "unread", "starred",
// "unstarred".
func (m Mark) String() string {
	switch m {
	case MarkRead:
		return "read"
	case MarkUnread:
		return "unread"
	case MarkStarred:
		return "starred"
	case MarkUnstarred:
		return "unstarred"
	}
	return "unknown"
}

// Mark applies m to the user's items with these IDs and returns how many
// it changed or found so already. IDs that are not the user's items are
// left out and named in a NoItemError returned with the count of the
// others, which are marked all the same.
func (r *Reader) Mark(ctx context.Context, userID int64, ids []int64, m Mark) (int, error) {
	var (
		n   int
		err error
	)
	switch m {
	case MarkRead, MarkUnread:
		n, err = r.st.SetRead(ctx, userID, ids, m == MarkRead)
	case MarkStarred, MarkUnstarred:
		n, err = r.st.SetStarred(ctx, userID, ids, m == MarkStarred)
	default:
		return 0, fmt.Errorf("unknown mark %d", m)
	}
	if err != nil {
		return 0, fmt.Errorf("mark items %s: %w", m, err)
	}
	if n >= len(ids) {
		return n, nil
	}
	found, err := r.st.ItemIDs(ctx, userID, store.Query{IDs: ids})
	if err != nil {
		return n, fmt.Errorf("look up items: %w", err)
	}
	var missing []int64
	for _, id := range ids {
		if !slices.Contains(found, id) && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return n, nil
	}
	return n, &NoItemError{IDs: missing}
}

// MarkAllRead marks read every unread item of the user that q selects
// (q.FeedURL, q.Tag, q.Until for "up to a time", q.BeforeID, ...), and
// returns how many changed. As for Items, the feed and tag must be the
// user's.
func (r *Reader) MarkAllRead(ctx context.Context, userID int64, q store.Query) (int, error) {
	if err := r.resolve(ctx, userID, &q); err != nil {
		return 0, err
	}
	q.Unread, q.Read = true, false
	n, err := r.st.MarkAllRead(ctx, userID, q)
	if err != nil {
		return 0, fmt.Errorf("mark items read: %w", err)
	}
	return n, nil
}
