package store

import (
	"context"
	"time"
)

// MaxIconSize caps the image of a feed's icon.
const MaxIconSize = 64 << 10

// Icon is the icon of a feed's site: a small image, as the web page and
// the reader apps show beside the feed's name.
type Icon struct {
	FeedID int64
	// Type is the image's media type ("image/png"); Data the image, at
	// most MaxIconSize bytes.
	Type string
	Data []byte
}

// IconStore keeps feed icons in the feeds table. Both backends implement
// it; it is apart from Store so that the callers that need icons say so.
type IconStore interface {
	// SaveIcon records that the feed's icon was looked for at checked:
	// with icon.Data, the icon found replaces the feed's; without, none
	// was found and the icon kept before, if any, stays. ErrNotFound if
	// no feed has the ID.
	SaveIcon(ctx context.Context, feedID int64, icon Icon, checked time.Time) error
	// IconsDue returns at most limit feeds whose icon is to be looked
	// for: fetched at least once, not gone, and whose icon was never
	// looked for or last looked for before the given time; never looked
	// for first, then the longest ago.
	IconsDue(ctx context.Context, before time.Time, limit int) ([]Feed, error)
	// Icons returns the icons of the feeds the user subscribes to that
	// have one, by feed ID.
	Icons(ctx context.Context, userID int64) ([]Icon, error)
}
