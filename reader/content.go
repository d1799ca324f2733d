package reader

import (
	"context"
	"errors"
	"fmt"

	"tidings/store"
)

// ErrNoArticle means an item has no whole article stored: its feed does
// not ask for them, or it came before it did, or its page is still to be
// fetched.
var ErrNoArticle = errors.New("no whole article is stored for this item")

// SetFullContent turns the user's ask for the whole article of each new
// item of the feed the URL names (Lookup) on or off, and returns the
// subscription as changed. The pages are fetched once per feed, for
// every subscriber who asks; items that came before keep the feed's
// content (Article fetches one now). A config subscription is refused
// with a *store.DeclaredError: its [[feed]] block's full_content says.
func (r *Reader) SetFullContent(ctx context.Context, userID int64, rawURL string, on bool) (store.Subscription, error) {
	old, err := r.Lookup(ctx, userID, rawURL)
	if err != nil {
		return old, err
	}
	sub, err := r.st.SetFullContent(ctx, userID, old.URL, on)
	if errors.Is(err, store.ErrNotFound) {
		return sub, &NotSubscribedError{URL: old.URL}
	}
	return sub, err
}

// StoredArticle returns the whole article stored for one of the user's
// items: a NoItemError if they may not read it, ErrNoArticle if it has
// none. A stored article may be a failure (Error set, no Content).
func (r *Reader) StoredArticle(ctx context.Context, userID, itemID int64) (store.Article, error) {
	if _, err := r.Item(ctx, userID, itemID); err != nil {
		return store.Article{}, err
	}
	a, err := r.st.Article(ctx, userID, itemID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Article{}, ErrNoArticle
	}
	if err != nil {
		return store.Article{}, fmt.Errorf("read the article of item %d: %w", itemID, err)
	}
	return a, nil
}

// FetchArticle fetches the whole article of one of the user's items now,
// whether or not its feed asks for them, stores it beside the feed's
// content (replacing an earlier one) and returns it. A page without an
// article, or one that fails, is stored as a failure too (the item keeps
// the feed's content, and the feed's status shows it), and returned with
// an *fetch.ArticleError saying why. A NoItemError if the user may not
// read the item.
func (r *Reader) FetchArticle(ctx context.Context, userID, itemID int64) (store.Article, error) {
	if r.fetcher == nil {
		return store.Article{}, errors.New("fetch an article: no fetcher to fetch it with")
	}
	it, err := r.Item(ctx, userID, itemID)
	if err != nil {
		return store.Article{}, err
	}
	if it.URL == "" {
		return store.Article{}, fmt.Errorf("item %d has no link to fetch its article from: %w", itemID, ErrInvalid)
	}
	a, ferr := r.fetcher.FetchArticle(ctx, it)
	if ctx.Err() != nil {
		return store.Article{}, fmt.Errorf("fetch the article of item %d: %w", itemID, ctx.Err())
	}
	if err := r.st.SaveArticle(ctx, a); err != nil {
		return a, fmt.Errorf("fetch the article of item %d: %w", itemID, err)
	}
	return a, ferr
}

// FetchNewArticles fetches, after a subscription's first save, the whole
// articles of the items that save stored (those first seen at the feed's
// last fetch), if some subscriber wants them: as the fetcher does after
// every later fetch. It returns how many were stored with their article.
func (r *Reader) FetchNewArticles(ctx context.Context, sub store.Subscription) (int, error) {
	if r.fetcher == nil || sub.State.LastFetch.IsZero() {
		return 0, nil
	}
	n := r.fetcher.FetchArticles(ctx, r.st, sub.Feed, sub.State.LastFetch)
	return n, ctx.Err()
}
