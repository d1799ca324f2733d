package reader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tidings/store"
)

// IconInterval is how long a feed's icon is kept before it is looked for
// again: sites rarely change theirs.
const IconInterval = 7 * 24 * time.Hour

// ErrNoIcons means the store keeps no icons (it does not implement
// store.IconStore).
var ErrNoIcons = errors.New("this store keeps no feed icons")

func (r *Reader) icons() (store.IconStore, error) {
	is, ok := r.st.(store.IconStore)
	if !ok {
		return nil, ErrNoIcons
	}
	return is, nil
}

// RefreshIcons looks for the icons of at most limit feeds (0: all) that
// are due one: fetched at least once and never looked for (a feed just
// fetched for the first time), or looked for more than IconInterval ago.
// A look that finds nothing is recorded too, so the feed waits another
// IconInterval. It returns how many feeds it looked at and how many icons
// it found; the daemon calls it every few minutes.
func (r *Reader) RefreshIcons(ctx context.Context, limit int) (looked, found int, err error) {
	if r.fetcher == nil {
		return 0, 0, ErrNoFetcher
	}
	is, err := r.icons()
	if err != nil {
		return 0, 0, err
	}
	now := r.now()
	feeds, err := is.IconsDue(ctx, now.Add(-IconInterval), limit)
	if err != nil {
		return 0, 0, fmt.Errorf("refresh icons: %w", err)
	}
	for _, f := range feeds {
		ic, err := r.fetcher.FetchIcon(ctx, f)
		if ctx.Err() != nil {
			return looked, found, fmt.Errorf("refresh icons: %w", ctx.Err())
		}
		if err != nil {
			r.log.Debug("no feed icon", slog.String("feed_url", f.URL), slog.String("error", err.Error()))
			ic = store.Icon{}
		}
		if err := is.SaveIcon(ctx, f.ID, ic, r.now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue // removed meanwhile
			}
			return looked, found, fmt.Errorf("refresh icons: %w", err)
		}
		looked++
		if len(ic.Data) > 0 {
			found++
		}
	}
	return looked, found, nil
}

// Icons returns the icons of the user's feeds that have one, by feed ID;
// an empty list when the store keeps none.
func (r *Reader) Icons(ctx context.Context, userID int64) ([]store.Icon, error) {
	is, err := r.icons()
	if err != nil {
		return []store.Icon{}, nil
	}
	l, err := is.Icons(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list icons: %w", err)
	}
	return l, nil
}
