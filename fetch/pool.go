package fetch

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"tidings/store"
)

// Saver saves the result of one fetch of one feed, all or nothing.
// store.Store satisfies it.
type Saver interface {
	SaveFetch(ctx context.Context, feedID int64, r store.FetchResult) (store.SaveResult, error)
}

// BatchSaver is a Saver that also saves several fetches at once, in one
// transaction, each still all or nothing on its own: errs[i] is the error
// of batch[i] alone, and a non-nil err means nothing of the batch was
// saved. store.Store satisfies it. Run uses it when its Saver has it.
type BatchSaver interface {
	Saver
	SaveFetches(ctx context.Context, batch []store.FeedFetch) (results []store.SaveResult, errs []error, err error)
}

// maxBatch is the most results Run saves in one SaveFetches. Batching
// saves a commit (an FTS segment flush and a WAL write) per fetch; past 16
// the gain is small and the transaction's memory grows.
const maxBatch = 16

// batchWindow is how long the writer waits for more results after the
// first of a batch, when fewer than maxBatch are queued. When the fetches
// outpace the writer the queue fills batches by itself; when the writer
// keeps up (most answers cheap to store, as when feeds gain a few items
// each), taking only what is queued saved one or two fetches a commit.
// Waiting 50 ms took that run from 426 commits for its 1,000 fetches to
// 64, and its CPU down by a sixth (bench/run.sh, "+2 items"). The window starts when
// the writer takes the first result of a batch, so a result waits for the
// save before it (if the writer was busy) plus at most this long; the last
// ones of a run do not wait, since the writer sees the results channel
// close.
const batchWindow = 50 * time.Millisecond

// Run fetches every feed received on in, at most Options.Concurrency at
// once and Options.PerHost per host (the host of Target()), parses them
// concurrently, and saves each result through s from one goroutine (so that
// a single-writer database sees one writer). When s is a BatchSaver, the
// results waiting when the writer gets to them, and those that arrive in
// the next 50 ms (up to 16 in all), are saved with one SaveFetches, else
// each with one SaveFetch; either way each fetch is saved all or nothing
// and fails on its own. done, when not nil, is called from that goroutine
// once per fetch after its save, in the order saved, with its own
// Outcome.Saved and Outcome.SaveErr set.
//
// A slow or hanging host holds at most PerHost fetches; the others go on.
// Run returns when in is closed and every result is saved: nil, or an error
// counting the saves that failed. When ctx ends it returns ctx.Err()
// promptly: fetches in flight, and results fetched but not yet saved (those
// waiting for a batch among them), are abandoned, and results already saved
// stay.
//
// When s is also an ArticleStore, the new items of each saved feed that
// some subscriber wants whole articles of have their pages fetched, after
// the save and beside the feed fetches (Options.ArticleConcurrency at
// once, PerHost per host), each article saved on its own; a failure is
// saved as the item's article error and the feed's ArticleError, and the
// item keeps the feed's content. Run returns once those are done too; a
// canceled run leaves the rest waiting (PendingArticles) for a later one.
func (f *Fetcher) Run(ctx context.Context, in <-chan store.Feed, s Saver, done func(Outcome)) error {
	if s == nil {
		return errNoSaver
	}
	p := newPool(ctx, f)
	if as, ok := s.(ArticleStore); ok {
		p.articles = f.newArticleRun(ctx, as)
	}
	saved := make(chan error, 1)
	go func() { saved <- p.write(s, done) }()

receive:
	for {
		select {
		case <-ctx.Done():
			break receive
		case feed, ok := <-in:
			if !ok {
				break receive
			}
			p.add(feed)
		}
	}
	p.workers.Wait()
	close(p.results)
	err := <-saved
	if p.articles != nil {
		p.articles.wait()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// RunAll is Run over a list of feeds.
func (f *Fetcher) RunAll(ctx context.Context, feeds []store.Feed, s Saver, done func(Outcome)) error {
	in := make(chan store.Feed, len(feeds))
	for _, feed := range feeds {
		in <- feed
	}
	close(in)
	return f.Run(ctx, in, s, done)
}

// newPool is the pool of one Run of f.
func newPool(ctx context.Context, f *Fetcher) *pool {
	return &pool{
		f:       f,
		ctx:     ctx,
		hosts:   make(map[string]*hostQueue),
		global:  make(chan struct{}, f.opt.Concurrency),
		parse:   make(chan struct{}, runtime.GOMAXPROCS(0)),
		results: make(chan Outcome, f.opt.Concurrency),
		window:  batchWindow,
	}
}

// pool is one Run: per-host queues, each drained by at most PerHost
// goroutines that take a global slot for the network part of each fetch.
// Adding a feed never waits, so a busy host cannot hold up the others.
type pool struct {
	f   *Fetcher
	ctx context.Context

	mu    sync.Mutex
	hosts map[string]*hostQueue

	workers sync.WaitGroup
	// global holds one token per request in flight; parse one per parse in
	// progress, so that parsing overlaps the network without taking more
	// CPUs than there are.
	global  chan struct{}
	parse   chan struct{}
	results chan Outcome
	// window is how long the writer waits to fill a batch (batchWindow;
	// 0 takes only what is queued).
	window time.Duration
	// articles fetches the whole articles of saved feeds' new items, when
	// the Saver is an ArticleStore; nil otherwise.
	articles *articleRun
}

// hostQueue is the feeds of one host waiting to be fetched, and how many
// goroutines are working on them.
type hostQueue struct {
	host   string
	feeds  []store.Feed
	active int
}

// add queues a feed on its host, and starts a worker for the host if it has
// fewer than PerHost.
func (p *pool) add(feed store.Feed) {
	host := hostOf(feed.Target())
	p.mu.Lock()
	q := p.hosts[host]
	if q == nil {
		q = &hostQueue{host: host}
		p.hosts[host] = q
	}
	q.feeds = append(q.feeds, feed)
	start := q.active < p.f.opt.PerHost
	if start {
		q.active++
	}
	p.mu.Unlock()
	if start {
		p.workers.Add(1)
		go p.work(q)
	}
}

// work fetches the feeds of one host, one at a time, until none is left or
// the run is canceled.
func (p *pool) work(q *hostQueue) {
	defer p.workers.Done()
	for {
		feed, ok := p.next(q)
		if !ok {
			return
		}
		if !p.fetch(feed) {
			p.leave(q)
			return
		}
	}
}

// next takes the host's next feed; when there is none, the worker leaves.
func (p *pool) next(q *hostQueue) (store.Feed, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(q.feeds) == 0 {
		p.leaveLocked(q)
		return store.Feed{}, false
	}
	feed := q.feeds[0]
	q.feeds[0] = store.Feed{} // let the queue's array forget it
	q.feeds = q.feeds[1:]
	return feed, true
}

func (p *pool) leave(q *hostQueue) {
	p.mu.Lock()
	p.leaveLocked(q)
	p.mu.Unlock()
}

func (p *pool) leaveLocked(q *hostQueue) {
	q.active--
	if q.active == 0 && len(q.feeds) == 0 {
		delete(p.hosts, q.host)
	}
}

// fetch fetches one feed and hands the outcome to the writer. It returns
// false when the run is canceled: the outcome is then dropped, since a
// canceled fetch says nothing about the feed.
func (p *pool) fetch(feed store.Feed) bool {
	ctx := p.ctx
	select {
	case p.global <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	start := time.Now()
	now := p.f.opt.Now()
	resp, err := p.f.download(ctx, feed)
	<-p.global
	// finish gives back resp's large-body slot; so does a cancel before.
	defer resp.done()
	if ctx.Err() != nil {
		return false
	}

	select {
	case p.parse <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	o := p.f.finish(ctx, feed, now, resp, err)
	<-p.parse
	o.Duration = time.Since(start)
	if p.f.opt.Fetched != nil {
		p.f.opt.Fetched(feed)
	}

	select {
	case p.results <- o:
		return true
	case <-ctx.Done():
		return false
	}
}

// write saves outcomes until the results channel closes or the run is
// canceled: when s can batch, whatever is queued and whatever arrives
// within p.window of the first, in one batch.
func (p *pool) write(s Saver, done func(Outcome)) error {
	bs, _ := s.(BatchSaver)
	var (
		failed int
		first  error
		batch  = make([]Outcome, 0, maxBatch)
		window *time.Timer
	)
	if bs != nil && p.window > 0 {
		window = time.NewTimer(p.window)
		window.Stop()
		defer window.Stop()
	}
	for open := true; open; {
		var o Outcome
		select {
		case <-p.ctx.Done():
			return p.ctx.Err()
		case o, open = <-p.results:
		}
		if !open {
			break
		}
		batch = append(batch[:0], o)
		if bs != nil {
			// Take what is queued, then wait out the window for more.
			var expired <-chan time.Time
			if window != nil {
				window.Reset(p.window)
				expired = window.C
			}
		fill:
			for len(batch) < maxBatch {
				select {
				case o, open = <-p.results:
					if !open {
						break fill
					}
					batch = append(batch, o)
					continue
				default:
				}
				if expired == nil {
					break
				}
				select {
				case o, open = <-p.results:
					if !open {
						break fill
					}
					batch = append(batch, o)
				case <-expired:
					break fill
				case <-p.ctx.Done():
					break fill
				}
			}
			if window != nil {
				window.Stop()
			}
		}
		if p.ctx.Err() != nil {
			return p.ctx.Err()
		}
		n, err := p.save(s, bs, batch)
		for i := range batch[:n] {
			o := &batch[i]
			if o.SaveErr != nil {
				o.SaveErr = fmt.Errorf("save feed %s: %w", o.Feed.URL, o.SaveErr)
				failed++
				if first == nil {
					first = o.SaveErr
				}
			}
			if o.SaveErr == nil && o.Saved.New > 0 && p.articles != nil {
				p.articles.add(o.Feed, o.Result.Now)
			}
			if done != nil {
				done(*o)
			}
			*o = Outcome{} // let the batch's array forget the items
		}
		if err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d fetched feeds could not be saved; the first: %w", failed, first)
	}
	return nil
}

// save saves a batch, setting each outcome's Saved and SaveErr: with one
// SaveFetches when bs is not nil and the batch has several, else one
// SaveFetch each. It returns how many outcomes of the batch are done (saved
// or failed on their own), and the run's ctx error when the run was
// canceled during the save; what was saved before that stays.
func (p *pool) save(s Saver, bs BatchSaver, batch []Outcome) (int, error) {
	if bs != nil && len(batch) > 1 {
		fetches := make([]store.FeedFetch, len(batch))
		for i, o := range batch {
			fetches[i] = store.FeedFetch{FeedID: o.Feed.ID, Result: o.Result}
		}
		results, errs, err := bs.SaveFetches(p.ctx, fetches)
		if err == nil && len(results) == len(batch) && len(errs) == len(batch) {
			for i := range batch {
				batch[i].Saved, batch[i].SaveErr = results[i], errs[i]
			}
			return len(batch), nil
		}
		if p.ctx.Err() != nil {
			return 0, p.ctx.Err()
		}
		// The batch's transaction failed and saved nothing: save the
		// fetches one by one, so that a failure is charged to the feed
		// that causes it, not to every feed that shared its commit.
	}
	for i := range batch {
		o := &batch[i]
		o.Saved, o.SaveErr = s.SaveFetch(p.ctx, o.Feed.ID, o.Result)
		if o.SaveErr != nil && p.ctx.Err() != nil {
			return i, p.ctx.Err()
		}
	}
	return len(batch), nil
}

// errNoSaver is returned by Run without a Saver.
var errNoSaver = errors.New("fetch: Run needs a Saver")
