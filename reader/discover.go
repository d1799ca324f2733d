package reader

import (
	"context"
	"errors"
	"fmt"

	"tidings/fetch"
	"tidings/store"
)

// ErrNoFetcher means the Reader was made without a Fetcher, so it cannot
// look at a URL: a front end answers that this server does not fetch.
var ErrNoFetcher = errors.New("this tidings does not fetch: it was started without a fetcher")

// NoFeedError means a URL offers no feed: it could not be fetched, or it
// is neither a feed nor a page that links to one. errors.Is(err,
// store.ErrNotFound) is true for it.
type NoFeedError struct {
	URL string
	// Reason says why, as a sentence about the URL.
	Reason string
	// Err is the cause, if any.
	Err error
}

func (e *NoFeedError) Error() string { return e.Reason }

// Unwrap returns the cause.
func (e *NoFeedError) Unwrap() error { return e.Err }

// Is reports whether target is store.ErrNotFound.
func (e *NoFeedError) Is(target error) bool { return target == store.ErrNotFound }

// Discover returns the feeds a URL offers, as Subscribe would find them:
// the URL itself if it is a feed, else the feeds its page links to (and
// the common feed paths of its site), only those that answer with a feed,
// in the page's order. It subscribes to nothing. The URL is checked as
// FeedURL checks it (an InvalidError); a URL that offers nothing gives a
// NoFeedError; a Reader without a Fetcher gives ErrNoFetcher.
func (r *Reader) Discover(ctx context.Context, rawURL string) ([]fetch.Candidate, error) {
	u, err := FeedURL(rawURL)
	if err != nil {
		return nil, err
	}
	if r.fetcher == nil {
		return nil, ErrNoFetcher
	}
	cands, err := r.fetcher.Probe(ctx, u)
	if err != nil {
		if errors.Is(err, fetch.ErrCanceled) || ctx.Err() != nil {
			return nil, fmt.Errorf("look for feeds at %s: %w", u, err)
		}
		return nil, &NoFeedError{URL: u, Reason: probeReason(u, err), Err: err}
	}
	if len(cands) == 0 {
		return nil, &NoFeedError{URL: u, Reason: "no feed found at " + u}
	}
	return cands, nil
}
