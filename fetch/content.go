package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"tidings/store"
)

// DefaultArticleConcurrency is the default of Options.ArticleConcurrency.
const DefaultArticleConcurrency = 8

// maxArticlesPerFetch bounds the pages fetched for one fetch of one feed:
// a feed's first fetch may bring hundreds of old items, whose pages are
// not worth a burst of requests to one site. The others keep the feed's
// content.
const maxArticlesPerFetch = 50

// ArticleStore is what Run needs from the store to fetch whole articles;
// store.Store satisfies it.
type ArticleStore interface {
	FullContentFeeds(ctx context.Context, feedIDs []int64) (map[int64]bool, error)
	PendingArticles(ctx context.Context, feedID int64, since time.Time, limit int) ([]store.Item, error)
	SaveArticle(ctx context.Context, a store.Article) error
	SetArticleError(ctx context.Context, feedID int64, msg string) error
}

// articleFetcher returns the Fetcher's ArticleFetcher, made once.
func (f *Fetcher) articleFetcher() *ArticleFetcher {
	f.articlesOnce.Do(func() { f.articles = NewArticleFetcher(f) })
	return f.articles
}

// articleRun fetches the whole articles of one Run, apart from its feed
// fetches and its writer: add never waits, so neither the saves nor the
// next fetches wait for a page.
type articleRun struct {
	ctx   context.Context
	f     *Fetcher
	art   *ArticleFetcher
	st    ArticleStore
	slots chan struct{}
	wg    sync.WaitGroup
	// found counts the articles found and saved.
	found atomic.Int64
}

func (f *Fetcher) newArticleRun(ctx context.Context, st ArticleStore) *articleRun {
	return &articleRun{ctx: ctx, f: f, art: f.articleFetcher(), st: st,
		slots: make(chan struct{}, f.opt.ArticleConcurrency)}
}

// add fetches, in the background, the articles of feed's items first seen
// at now (the new items of the fetch just saved), if a subscriber of the
// feed wants them.
func (r *articleRun) add(feed store.Feed, now time.Time) {
	r.wg.Go(func() { r.feed(feed, now) })
}

// wait returns when every article added is done.
func (r *articleRun) wait() { r.wg.Wait() }

func (r *articleRun) feed(feed store.Feed, now time.Time) {
	ctx := r.ctx
	want, err := r.st.FullContentFeeds(ctx, []int64{feed.ID})
	if err != nil || !want[feed.ID] {
		if err != nil && ctx.Err() == nil {
			r.f.log.LogAttrs(ctx, slog.LevelWarn, "full content: reading the feed's subscriptions failed",
				slog.String("feed_url", feed.URL), slog.String("error", err.Error()))
		}
		return
	}
	items, err := r.st.PendingArticles(ctx, feed.ID, now, maxArticlesPerFetch)
	if err != nil {
		if ctx.Err() == nil {
			r.f.log.LogAttrs(ctx, slog.LevelWarn, "full content: listing the new items failed",
				slog.String("feed_url", feed.URL), slog.String("error", err.Error()))
		}
		return
	}
	if len(items) == 0 {
		return
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
		last   string
	)
	for _, it := range items {
		select {
		case r.slots <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Go(func() {
			defer func() { <-r.slots }()
			if msg, ok := r.item(feed, it); ok && msg != "" {
				mu.Lock()
				failed, last = failed+1, msg
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	if err := r.st.SetArticleError(ctx, feed.ID, articleStatus(failed, len(items), last)); err != nil && ctx.Err() == nil {
		r.f.log.LogAttrs(ctx, slog.LevelWarn, "full content: saving the feed's article status failed",
			slog.String("feed_url", feed.URL), slog.String("error", err.Error()))
	}
}

// articleStatus is a feed's ArticleError after the articles of one fetch:
// "" when none failed.
func articleStatus(failed, total int, last string) string {
	if failed == 0 {
		return ""
	}
	return fmt.Sprintf("%d of the %d whole articles of the last fetch could not be had (those items keep the feed's text); the last: %s",
		failed, total, last)
}

// item fetches and saves the article of one item, and returns the
// failure's message ("" when the article was found) with ok true once
// the outcome is saved. A canceled fetch saves nothing: the item waits
// for a later run.
func (r *articleRun) item(feed store.Feed, it store.Item) (msg string, ok bool) {
	a, err := FetchAndKeep(r.ctx, r.art, it, r.f.opt.Now)
	if errors.Is(err, ErrCanceled) || r.ctx.Err() != nil {
		return "", false
	}
	if err := r.st.SaveArticle(r.ctx, a); err != nil {
		if r.ctx.Err() == nil {
			r.f.log.LogAttrs(r.ctx, slog.LevelWarn, "full content: saving an article failed",
				slog.String("feed_url", feed.URL), slog.String("item_url", it.URL), slog.String("error", err.Error()))
		}
		return "", false
	}
	if a.Error == "" {
		r.found.Add(1)
	}
	return a.Error, true
}

// FetchAndKeep fetches the article of it with a and returns what to save
// of it: the article, or on failure an empty Content with the failure in
// Error (the item keeps the feed's content). The error returned is the
// failure itself, for callers that tell it apart (errors.Is ErrCanceled:
// nothing is to be saved).
func FetchAndKeep(ctx context.Context, a *ArticleFetcher, it store.Item, now func() time.Time) (store.Article, error) {
	art, err := a.FetchArticle(ctx, it.URL)
	out := store.Article{ItemID: it.ID, URL: art.URL, Content: art.Content, FetchedAt: now()}
	if err != nil {
		out.URL, out.Content, out.Error = it.URL, "", err.Error()
	}
	return out, err
}

// FetchArticles fetches, as Run does after a save, the articles of the
// feed's items first seen at or after since that have none yet (at most
// 50), if some subscriber wants them, and saves each through st. It
// returns when they are done, or soon after ctx ends, with how many
// articles were found and saved (failures are saved too, not counted).
func (f *Fetcher) FetchArticles(ctx context.Context, st ArticleStore, feed store.Feed, since time.Time) int {
	r := f.newArticleRun(ctx, st)
	r.add(feed, since)
	r.wait()
	return int(r.found.Load())
}

// FetchArticle fetches the article of one item with the Fetcher's shared
// ArticleFetcher (its per-host bound is Run's too), for a reader asking
// for it now. See FetchAndKeep for what it returns.
func (f *Fetcher) FetchArticle(ctx context.Context, it store.Item) (store.Article, error) {
	return FetchAndKeep(ctx, f.articleFetcher(), it, f.opt.Now)
}
