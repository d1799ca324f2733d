package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"tidings/store"
)

var _ store.IconStore = (*DB)(nil)

// SaveIcon records a look for the feed's icon (store.IconStore).
func (db *DB) SaveIcon(ctx context.Context, feedID int64, icon store.Icon, checked time.Time) error {
	if len(icon.Data) > store.MaxIconSize {
		return fmt.Errorf("save the icon of feed %d: %d bytes, more than the %d an icon may have", feedID, len(icon.Data), store.MaxIconSize)
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if len(icon.Data) > 0 {
			res, err = tx.ExecContext(ctx, `UPDATE feeds SET icon_type = ?, icon_data = ?, icon_checked = ? WHERE id = ?`,
				icon.Type, icon.Data, toMillis(checked), feedID)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE feeds SET icon_checked = ? WHERE id = ?`, toMillis(checked), feedID)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
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
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds
		WHERE gone = 0 AND last_fetch > 0 AND icon_checked < ? ORDER BY icon_checked, id LIMIT ?`,
		toMillis(before), limit)
	if err != nil {
		return nil, fmt.Errorf("list feeds due for an icon: %w", db.QueryTimeoutError(ctx, err))
	}
	feeds, err := scanFeeds(rows)
	if err != nil {
		return nil, fmt.Errorf("list feeds due for an icon: %w", db.QueryTimeoutError(ctx, err))
	}
	return feeds, nil
}

// Icons returns the icons of the user's feeds (store.IconStore).
func (db *DB) Icons(ctx context.Context, userID int64) ([]store.Icon, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, fmt.Errorf("list icons: %w", db.QueryTimeoutError(ctx, err))
	}
	rows, err := db.read.QueryContext(ctx, `SELECT f.id, f.icon_type, f.icon_data FROM subscriptions s
		JOIN feeds f ON f.id = s.feed_id WHERE s.user_id = ? AND length(f.icon_data) > 0 ORDER BY f.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list icons: %w", db.QueryTimeoutError(ctx, err))
	}
	defer rows.Close()
	icons := []store.Icon{}
	for rows.Next() {
		var ic store.Icon
		if err := rows.Scan(&ic.FeedID, &ic.Type, &ic.Data); err != nil {
			return nil, fmt.Errorf("list icons: %w", db.QueryTimeoutError(ctx, err))
		}
		icons = append(icons, ic)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list icons: %w", db.QueryTimeoutError(ctx, err))
	}
	return icons, nil
}
