package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"tidings/store"
)

var _ store.IconStore = (*DB)(nil)

// SaveIcon records a look for the feed's icon (store.IconStore).
func (db *DB) SaveIcon(ctx context.Context, feedID int64, icon store.Icon, checked time.Time) error {
	if len(icon.Data) > store.MaxIconSize {
		return fmt.Errorf("save the icon of feed %d: %d bytes, more than the %d an icon may have", feedID, len(icon.Data), store.MaxIconSize)
	}
	err := retry(func() error {
		var n int64
		if len(icon.Data) > 0 {
			tag, err := db.pool.Exec(ctx, `UPDATE feeds SET icon_type = $1, icon_data = $2, icon_checked = $3 WHERE id = $4`,
				text(icon.Type), icon.Data, ts(checked), feedID)
			if err != nil {
				return err
			}
			n = tag.RowsAffected()
		} else {
			tag, err := db.pool.Exec(ctx, `UPDATE feeds SET icon_checked = $1 WHERE id = $2`, ts(checked), feedID)
			if err != nil {
				return err
			}
			n = tag.RowsAffected()
		}
		if n == 0 {
			return fmt.Errorf("feed %d: %w", feedID, store.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save the icon of feed %d: %w", feedID, err)
	}
	return nil
}

// IconsDue returns the feeds whose icon is to be looked for
// (store.IconStore).
func (db *DB) IconsDue(ctx context.Context, before time.Time, limit int) ([]store.Feed, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	var lim any
	if limit > 0 {
		lim = limit
	}
	feeds, err := queryFeeds(ctx, db.pool, `SELECT `+feedColumns+` FROM feeds f
		WHERE NOT f.gone AND f.last_fetch IS NOT NULL AND (f.icon_checked IS NULL OR f.icon_checked < $1)
		ORDER BY f.icon_checked NULLS FIRST, f.id LIMIT $2`, ts(before), lim)
	if err != nil {
		return nil, fmt.Errorf("list feeds due for an icon: %w", db.QueryTimeoutError(ctx, err))
	}
	return feeds, nil
}

// Icons returns the icons of the user's feeds (store.IconStore).
func (db *DB) Icons(ctx context.Context, userID int64) ([]store.Icon, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.pool, userID); err != nil {
		return nil, fmt.Errorf("list icons: %w", db.QueryTimeoutError(ctx, err))
	}
	rows, err := db.pool.Query(ctx, `SELECT f.id, f.icon_type, f.icon_data FROM subscriptions s
		JOIN feeds f ON f.id = s.feed_id WHERE s.user_id = $1 AND length(f.icon_data) > 0 ORDER BY f.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list icons: %w", db.QueryTimeoutError(ctx, err))
	}
	icons, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Icon, error) {
		var ic store.Icon
		err := r.Scan(&ic.FeedID, &ic.Type, &ic.Data)
		return ic, err
	})
	if err != nil {
		return nil, fmt.Errorf("list icons: %w", db.QueryTimeoutError(ctx, err))
	}
	return icons, nil
}
