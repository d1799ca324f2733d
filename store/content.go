package store

import (
	"context"
	"time"
)

// Article is the whole article fetched from an item's page, kept beside
// the feed's own content (Item.Content), which it never replaces in the
// store.
type Article struct {
	ItemID int64
	// URL is the page the article came from, after redirects.
	URL string
	// Content is the article as sanitised HTML; empty when the fetch
	// failed.
	Content string
	// Error says why the article could not be had (a plain sentence about
	// the page); empty on success.
	Error string
	// FetchedAt is when the page was fetched.
	FetchedAt time.Time
}

// ContentStore is the part of Store about whole articles: who asks for
// them, which items still need theirs, and the articles themselves.
type ContentStore interface {
	// SetFullContent turns the user's ask for whole articles of the feed
	// whose URL (or FetchURL, or else MovedFrom) is url on or off, and
	// returns the subscription. ErrNotFound, or an unwrapped
	// *DeclaredError for a config subscription (its [[feed]] block says).
	SetFullContent(ctx context.Context, userID int64, url string, on bool) (Subscription, error)
	// SyncFullContent sets FullContent of the user's config subscriptions
	// declared by the files in owned: on for those whose URL is in urls,
	// off for the others. Called after SyncDeclared with the same owned.
	SyncFullContent(ctx context.Context, userID int64, owned []string, urls []string) error
	// FullContentFeeds returns which of feedIDs some subscriber wants
	// whole articles of.
	FullContentFeeds(ctx context.Context, feedIDs []int64) (map[int64]bool, error)
	// PendingArticles returns up to limit items of the feed first seen at
	// or after since, with a link, that have no Article yet (neither
	// fetched nor failed), oldest first: the new items of a fetch saved
	// with FetchResult.Now == since.
	PendingArticles(ctx context.Context, feedID int64, since time.Time, limit int) ([]Item, error)
	// SaveArticle stores a.ItemID's article, replacing an earlier one.
	// ErrNotFound if the item is gone.
	SaveArticle(ctx context.Context, a Article) error
	// SetArticleError sets the feed's ArticleError: what the fetcher says
	// of the articles of its last fetch's new items ("" when all were
	// found). ErrNotFound if the feed is gone.
	SetArticleError(ctx context.Context, feedID int64, msg string) error
	// Article returns the article of one of the user's items; ErrNotFound
	// when the user may not read the item or it has no article.
	Article(ctx context.Context, userID, itemID int64) (Article, error)
}
