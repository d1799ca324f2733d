package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"tidings/config"
	"tidings/fetch"
	"tidings/store"
)

const fetchHelp = `Fetches the feeds that are due now, every feed with --all, or the feeds
named, and stores their new items. A feed that answered 429 or 503 with
Retry-After is not fetched before that time, even with --all or by name. A
feed gone for good (410) is only fetched when named.

On a terminal a progress bar shows the feeds done, new items and errors,
and the failed feeds are listed after it with their messages; otherwise each
feed gets one line. A summary ends the run. Feeds are claimed a few at a
time as fetches end, so a 'tidings run' on the same database never fetches
them twice. A feed that answers with the body it sent last time is not
parsed again: it counts as not modified. Ctrl-C stops cleanly: every feed
already fetched is kept. So does a full disk under the database: the feeds
not saved are fetched next time, once there is room.

The exit status is 1 only when something other than individual feeds failed
(the database, its disk, an interruption); a feed's error is shown in the
output and in 'tidings feeds'.`

// newFetcher builds the fetcher the config describes; fetched, when not
// nil, is its fetch.Options.Fetched.
func newFetcher(cfg *config.Config, log *slog.Logger, now func() time.Time, fetched func(store.Feed)) *fetch.Fetcher {
	return fetch.New(fetch.Options{
		Concurrency:          cfg.Fetch.Concurrency,
		PerHost:              cfg.Fetch.PerHost,
		AllowPrivateNetworks: cfg.Fetch.AllowPrivateNetworks,
		Timeout:              cfg.Fetch.Timeout,
		MaxBody:              cfg.Fetch.MaxBody,
		MaxItems:             cfg.Fetch.MaxItems,
		DefaultSchedule:      cfg.Schedule,
		MaxServerDelay:       cfg.Fetch.MaxServerDelay,
		IframeHosts:          cfg.Content.IframeHosts,
		Logger:               log,
		Now:                  now,
		Fetched:              fetched,
	})
}

func setupFetch(fs *flag.FlagSet) runFunc {
	all := fs.Bool("all", false, "fetch every feed, due or not (not gone ones, and never before a Retry-After)")
	asJSON := fs.Bool("json", false, "print one JSON object per feed fetched, then one for the run")
	return func(ctx context.Context, c *cli, args []string) error {
		c.jsonOut = *asJSON
		if *all && len(args) > 0 {
			return usagef("give feed URLs or --all, not both")
		}
		defer batchGC()()
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		mode := fetchDue
		var feeds []store.Feed
		switch {
		case len(args) > 0:
			// The feeds named are claimed under their stored URLs, whatever
			// form they were given in.
			mode = fetchNamed
			seen := make(map[int64]bool, len(args))
			for _, u := range args {
				f, err := lookupFeed(ctx, e, u)
				if err != nil {
					return err
				}
				if !seen[f.ID] {
					seen[f.ID] = true
					feeds = append(feeds, f.Feed)
				}
			}
		default:
			if *all {
				mode = fetchAll
			}
			// The feeds are listed, not claimed, up front: claims are taken
			// a window at a time as fetches end, so that none outlives its
			// lease waiting in the queue.
			if feeds, err = listToFetch(ctx, e.store, mode, c.now()); err != nil {
				return err
			}
		}
		if len(feeds) == 0 {
			if c.jsonOut {
				return writeJSONLine(c.stdout, fetchRun{Notes: []string{nothingMessage(mode)}})
			}
			fmt.Fprintln(c.stdout, nothingMessage(mode))
			return nil
		}
		return c.fetchFeeds(ctx, e, mode, feeds)
	}
}

// fetchMode is which feeds `tidings fetch` fetches.
type fetchMode int

const (
	fetchDue   fetchMode = iota // the feeds due now
	fetchAll                    // --all: every feed not gone
	fetchNamed                  // the feeds named, gone or not
)

// nothingMessage is what fetch says when it fetched no feed at all.
func nothingMessage(mode fetchMode) string {
	switch mode {
	case fetchNamed:
		return "Nothing fetched."
	case fetchAll:
		return "Nothing to fetch: no feeds, or all of them are gone, asked to wait, or are being fetched elsewhere."
	}
	return "Nothing is due. 'tidings fetch --all' fetches every feed now."
}

// listToFetch returns the feeds a claim of this mode would take now,
// without claiming them: those not gone and not held back by a
// Retry-After, and for fetchDue only those due.
func listToFetch(ctx context.Context, st store.Store, mode fetchMode, now time.Time) ([]store.Feed, error) {
	all, err := st.FeedList(ctx)
	if err != nil {
		return nil, fmt.Errorf("list feeds to fetch: %w", err)
	}
	var feeds []store.Feed
	for _, f := range all {
		if f.State.Gone || f.State.NotBefore.After(now) {
			continue
		}
		if mode == fetchDue && f.State.NextDue.After(now) {
			continue
		}
		feeds = append(feeds, f)
	}
	return feeds, nil
}

// claimAhead is how many feeds `tidings fetch` keeps claimed and not yet
// fetched, as a multiple of fetch.concurrency: enough that the fetches never run short
// while the next claim waits for the writer's transaction to end (the
// write connection is shared). 2 left the fetches short: a cold
// `fetch --all` of bench/run.sh (50 ms, 1,000 feeds) took 3.81 s at 2 and
// 3.25 s at 4 (medians of four interleaved runs), 3.18 s at 8.
const claimAhead = 4

// claimLease is how long a claim of `tidings fetch` holds: as long as a
// claimed feed can take to be fetched when every fetch takes the whole
// timeout (the claimAhead-1 rounds of fetches ahead of it, then its own),
// plus the scheduler's margin for the save. A claim outlives the command
// only if it is killed before it releases its claims; other processes
// then fetch those feeds when the lease ends.
func claimLease(timeout time.Duration) time.Duration {
	return claimAhead*timeout + min(timeout, fetch.LeaseMargin)
}

// unclaimedReason says why a feed named on the command line was not
// claimed: a Retry-After not yet over, or another process fetching it.
func (c *cli) unclaimedReason(ctx context.Context, e *env, u string) (string, error) {
	f, err := lookupFeed(ctx, e, u)
	if err != nil {
		return "", fmt.Errorf("look up %s: %w", u, err)
	}
	now := c.now()
	why := "being fetched by another tidings"
	if f.State.NotBefore.After(now) {
		why = "the server asked to wait until " + f.State.NotBefore.In(now.Location()).Format("15:04") + " (Retry-After)"
	}
	return fmt.Sprintf("%s: not fetched: %s", u, why), nil
}

// fetchTally counts what a fetch run did.
type fetchTally struct {
	feeds, new, updated, notModified, errors int
	// failures are the failed fetches, for the list after the progress bar.
	failures []fetch.Outcome
}

// maxFailuresListed bounds the failed feeds listed after the progress bar.
const maxFailuresListed = 20

// claimQueue hands out the feeds to claim, a window at a time and at most
// hostCap claimed feeds per host, and tracks the claimed feeds not yet
// saved. The window and the host caps count the feeds claimed and not yet
// fetched: those are the ones that could wait past their lease, and a feed
// fetched makes room at once, though its claim lasts until its save (the
// results waiting for the writer are bounded by the fetcher itself).
// Its methods are safe for concurrent use: the fetching goroutines report
// fetches and the writer goroutine saves while the feeder claims.
type claimQueue struct {
	window, hostCap int

	mu sync.Mutex
	// ready are the feeds to claim, in order; unblocked go first: feeds
	// whose host had no room when their turn came, and has some now.
	ready, unblocked []store.Feed
	// blocked waits for room on its host.
	blocked map[string][]store.Feed
	// hosts counts the claimed (or being claimed) feeds not yet fetched per
	// host, out all.
	hosts map[string]int
	out   int
	// claimed maps the claimed feeds not yet saved to their host, and
	// whether they were fetched.
	claimed map[int64]*claim
	// failed are the claimed feeds whose save failed: still claimed, to
	// be released with the unsaved ones.
	failed []int64
	// wake is signaled when a feed is fetched or saved.
	wake chan struct{}
}

func newClaimQueue(feeds []store.Feed, window, hostCap int) *claimQueue {
	return &claimQueue{
		window:  window,
		hostCap: hostCap,
		ready:   feeds,
		blocked: make(map[string][]store.Feed),
		hosts:   make(map[string]int),
		claimed: make(map[int64]*claim),
		wake:    make(chan struct{}, 1),
	}
}

// next reserves room for the next feeds to claim, up to the free window;
// it returns none when less than a quarter of the window is free, so that
// claims (write transactions) come in batches.
func (q *claimQueue) next() []store.Feed {
	q.mu.Lock()
	defer q.mu.Unlock()
	free := q.window - q.out
	if free < max(1, q.window/4) && q.out > 0 {
		return nil
	}
	var batch []store.Feed
	for len(batch) < free {
		var f store.Feed
		switch {
		case len(q.unblocked) > 0:
			f, q.unblocked = q.unblocked[0], q.unblocked[1:]
		case len(q.ready) > 0:
			f, q.ready[0], q.ready = q.ready[0], store.Feed{}, q.ready[1:]
		default:
			return batch
		}
		h := hostOf(f.Target())
		if q.hosts[h] >= q.hostCap {
			q.blocked[h] = append(q.blocked[h], f)
			continue
		}
		q.hosts[h]++
		q.out++
		batch = append(batch, f)
	}
	return batch
}

// claim is a claimed feed's host, and whether it was fetched.
type claim struct {
	host    string
	fetched bool
}

// markClaimed records a feed of the batch as claimed.
func (q *claimQueue) markClaimed(f store.Feed) {
	q.mu.Lock()
	q.claimed[f.ID] = &claim{host: hostOf(f.Target())}
	q.mu.Unlock()
}

// free ends a feed that will not be fetched, or was saved: its claim is
// done, and the room reserved for it, if not given back when it was
// fetched, goes back now.
func (q *claimQueue) free(f store.Feed) {
	q.mu.Lock()
	defer q.mu.Unlock()
	h := hostOf(f.Target())
	if c, ok := q.claimed[f.ID]; ok {
		delete(q.claimed, f.ID)
		if c.fetched {
			return
		}
		h = c.host
	}
	q.freeRoomLocked(h)
}

// fetched gives back the room of a claimed feed whose fetch ended, and
// wakes the feeder; the claim stays until the feed is saved.
func (q *claimQueue) fetched(f store.Feed) {
	q.mu.Lock()
	c, ok := q.claimed[f.ID]
	if ok && !c.fetched {
		c.fetched = true
		q.freeRoomLocked(c.host)
	}
	q.mu.Unlock()
	q.wakeFeeder()
}

// freeRoomLocked gives back the room of one feed of host h, letting a feed
// blocked on h go next.
func (q *claimQueue) freeRoomLocked(h string) {
	q.out--
	if q.hosts[h]--; q.hosts[h] <= 0 {
		delete(q.hosts, h)
	}
	if b := q.blocked[h]; len(b) > 0 {
		q.unblocked = append(q.unblocked, b[0])
		if len(b) == 1 {
			delete(q.blocked, h)
		} else {
			q.blocked[h] = b[1:]
		}
	}
}

// saved records the save of a claimed feed and wakes the feeder.
func (q *claimQueue) saved(f store.Feed) {
	q.free(f)
	q.wakeFeeder()
}

// unreserve puts back a batch that next handed out and that could not be
// claimed: its room is free again and its feeds are not fetched (left
// counts them as never claimed).
func (q *claimQueue) unreserve(batch []store.Feed) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, f := range batch {
		q.freeRoomLocked(hostOf(f.Target()))
	}
	q.ready = append(slices.Clone(batch), q.ready...)
}

// saveFailed records a claimed feed whose save failed: its room goes back
// as for a save, but its claim is still there to release (left).
func (q *claimQueue) saveFailed(f store.Feed) {
	q.free(f)
	q.mu.Lock()
	q.failed = append(q.failed, f.ID)
	q.mu.Unlock()
	q.wakeFeeder()
}

func (q *claimQueue) wakeFeeder() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// done reports whether every feed was handed out and fetched or let go.
func (q *claimQueue) done() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.out == 0 && len(q.ready) == 0 && len(q.unblocked) == 0 && len(q.blocked) == 0
}

// left returns the claims to release (the feeds whose save failed or never
// came), how many of them were never saved nor failed, and how many feeds
// were never claimed.
func (q *claimQueue) left() (release []int64, unsaved, unclaimed int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	release = append(release, q.failed...)
	for id := range q.claimed {
		release = append(release, id)
	}
	unsaved = len(q.claimed)
	unclaimed = len(q.ready) + len(q.unblocked)
	for _, b := range q.blocked {
		unclaimed += len(b)
	}
	return release, unsaved, unclaimed
}

// fetchFeeds claims the feeds a window at a time as fetches end, fetches
// them, reports progress, and releases the claims of the feeds it did not
// finish.
func (c *cli) fetchFeeds(ctx context.Context, e *env, mode fetchMode, feeds []store.Feed) error {
	q := newClaimQueue(feeds, claimAhead*e.cfg.Fetch.Concurrency, 2*e.cfg.Fetch.PerHost)
	fetcher := newFetcher(e.cfg, e.log, c.now, q.fetched)
	lease := claimLease(e.cfg.Fetch.Timeout)
	// run is ctx, stopped early when the database cannot be written to:
	// every later save would fail the same way.
	run, stopRun := context.WithCancelCause(ctx)
	defer stopRun(nil)
	var t fetchTally
	var bar *progressbar.ProgressBar
	if c.terminal(c.stdout) && !c.jsonOut {
		bar = progressbar.NewOptions(len(feeds),
			progressbar.OptionSetWriter(c.stdout),
			progressbar.OptionSetDescription("fetching"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	// done runs on the fetcher's writer goroutine.
	done := func(o fetch.Outcome) {
		label := fetch.Classify(o)
		if label == "" {
			// Canceled by Ctrl-C: nothing was saved; the claim is released
			// below.
			return
		}
		if o.SaveErr != nil {
			// Its claim ends with the run, for the next run to fetch it
			// again at once.
			q.saveFailed(o.Feed)
			if errors.Is(o.SaveErr, store.ErrDiskFull) {
				stopRun(o.SaveErr)
			}
		} else {
			q.saved(o.Feed)
		}
		t.feeds++
		t.new += o.Saved.New
		t.updated += o.Saved.Updated
		switch label {
		case fetch.OutcomeNotModified, fetch.OutcomeUnchanged:
			t.notModified++
		case fetch.OutcomeError:
			t.errors++
			t.failures = append(t.failures, o)
		}
		if bar != nil {
			bar.Describe(fmt.Sprintf("%d new, %d errors", t.new, t.errors))
			bar.Add(1)
			return
		}
		if c.jsonOut {
			writeJSONLine(c.stdout, outcomeJSON(o, label, c.now()))
			return
		}
		fmt.Fprintln(c.stdout, describeOutcome(o, label, c.now()))
	}

	in := make(chan store.Feed)
	runErr := make(chan error, 1)
	go func() { runErr <- fetcher.Run(run, in, e.store, done) }()
	var notes []string
	claimedAny, feedErr := false, error(nil)
	skip := func(f store.Feed) {
		q.free(f)
		if bar != nil {
			bar.ChangeMax(bar.GetMax() - 1)
		}
	}
feed:
	for run.Err() == nil && !q.done() {
		batch := q.next()
		if len(batch) == 0 {
			select {
			case <-run.Done():
			case <-q.wake:
			}
			continue
		}
		urls := make([]string, len(batch))
		for i, f := range batch {
			urls[i] = f.URL
		}
		now := c.now()
		claimed, err := e.store.ClaimFeeds(run, store.ClaimRequest{Now: now, Lease: lease, URLs: urls})
		if err != nil {
			// Not claimed: the batch counts as not fetched.
			q.unreserve(batch)
			switch {
			case errors.Is(err, store.ErrDiskFull):
				stopRun(fmt.Errorf("claim feeds to fetch: %w", err))
			case run.Err() == nil:
				feedErr = fmt.Errorf("claim feeds to fetch: %w", err)
			}
			break
		}
		got := make(map[int64]store.Feed, len(claimed))
		for _, f := range claimed {
			got[f.ID] = f
		}
		var release []int64
		var send []store.Feed
		for _, f := range batch {
			cf, ok := got[f.ID]
			switch {
			case !ok:
				// Leased by another process, or a Retry-After came since
				// the feeds were listed.
				if mode == fetchNamed {
					note, err := c.unclaimedReason(run, e, f.URL)
					if err != nil {
						feedErr = err
						break feed
					}
					if bar != nil {
						notes = append(notes, note)
					} else {
						fmt.Fprintln(c.stdout, note)
					}
				}
				skip(f)
			case mode != fetchNamed && (cf.State.Gone || (mode == fetchDue && cf.State.NextDue.After(now))):
				// Another process fetched it since it was listed.
				release = append(release, cf.ID)
				skip(f)
			default:
				q.markClaimed(cf)
				send = append(send, cf)
			}
		}
		if len(release) > 0 {
			if err := releaseClaims(ctx, e.store, release); err != nil {
				e.log.Warn("release feeds fetched elsewhere", slog.Int("feeds", len(release)), slog.Any("err", err))
			}
		}
		for _, f := range send {
			claimedAny = true
			select {
			case in <- f:
			case <-run.Done():
				break feed
			}
		}
	}
	close(in)
	err := <-runErr
	if bar != nil {
		bar.Finish()
	}

	release, unsaved, unclaimed := q.left()
	released := true
	if len(release) > 0 {
		if err := releaseClaims(ctx, e.store, release); err != nil {
			e.log.Warn("release unfinished feeds", slog.Int("feeds", len(release)), slog.Any("err", err))
			released = false
			// A full disk can refuse even this small write. The claims
			// then end with their lease, which began at the latest now.
			now := c.now()
			notes = append(notes, fmt.Sprintf("%s could not be released (the database could not be written); "+
				"their claims end by %s, and a fetch after that gets them.", plural(len(release), "claimed feed"),
				now.Add(lease).In(now.Location()).Format("15:04:05")))
		}
	}

	if c.jsonOut {
		return c.fetchSummaryJSON(ctx, run, t, notes, claimedAny, feedErr, err, unsaved+unclaimed)
	}
	for _, n := range notes {
		fmt.Fprintln(c.stdout, n)
	}
	if bar != nil {
		c.listFailures(t.failures)
	}
	if !claimedAny && run.Err() == nil && feedErr == nil {
		fmt.Fprintln(c.stdout, nothingMessage(mode))
		return nil
	}
	fmt.Fprintf(c.stdout, "Fetched %s: %d new %s, %d updated, %d not modified, %s.\n",
		plural(t.feeds, "feed"), t.new, pluralWord(t.new, "item"), t.updated, t.notModified, plural(t.errors, "error"))
	next := notFetchedNext(mode)
	if !released {
		next = "" // the note above says when
	}
	stop := context.Cause(run)
	switch {
	case errors.Is(stop, store.ErrDiskFull):
		// Stopped by a full disk (even if Ctrl-C came after; Ctrl-C
		// first gives the signal's cause).
		fmt.Fprintf(c.stdout, "Stopped: %s not fetched%s.\n", plural(unsaved+unclaimed, "feed"), next)
		return fmt.Errorf("fetch stopped: %w", stop)
	case ctx.Err() != nil:
		fmt.Fprintf(c.stdout, "Interrupted: %s not fetched%s.\n", plural(unsaved+unclaimed, "feed"), next)
		return errors.New("interrupted")
	case feedErr != nil:
		return feedErr
	case err != nil:
		return fmt.Errorf("fetch: %w", err)
	}
	return nil
}

// notFetchedNext says when the feeds a run did not fetch will be: the
// next 'tidings fetch' fetches only those due, and --all or named feeds
// need not be (a plain fetch after an interrupted --all said "Nothing is
// due" when this promised "next time").
func notFetchedNext(mode fetchMode) string {
	switch mode {
	case fetchAll:
		return "; 'tidings fetch --all' fetches them, and 'tidings fetch' those of them that are due"
	case fetchNamed:
		return "; name them again to fetch them now"
	}
	return "; they will be fetched next time"
}

// releaseClaims releases the claims of feeds this run will not save. It
// does not stop with ctx: the run may be canceled already (Ctrl-C, or a
// full disk), and claims not released wait for their lease to end.
func releaseClaims(ctx context.Context, st store.Store, ids []int64) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return st.Release(rctx, ids)
}

// listFailures lists the failed feeds with their messages after the
// progress bar, which shows only their count.
func (c *cli) listFailures(failures []fetch.Outcome) {
	now := c.now()
	for i, o := range failures {
		if i == maxFailuresListed {
			fmt.Fprintf(c.stdout, "and %d more; see 'tidings feeds'.\n", len(failures)-i)
			break
		}
		fmt.Fprintln(c.stdout, describeOutcome(o, fetch.OutcomeError, now))
	}
}

// fetchOutcome is one fetched feed in `tidings fetch --json`.
type fetchOutcome struct {
	FeedURL string `json:"feed_url"`
	Outcome string `json:"outcome"`
	New     int    `json:"new"`
	Updated int    `json:"updated"`
	// Message is what the text output says after the URL.
	Message string `json:"message"`
	Error   string `json:"error,omitempty"`
}

func outcomeJSON(o fetch.Outcome, label string, now time.Time) fetchOutcome {
	line := describeOutcome(o, label, now)
	out := fetchOutcome{FeedURL: o.Feed.URL, Outcome: label, New: o.Saved.New, Updated: o.Saved.Updated,
		Message: strings.TrimPrefix(line, o.Feed.URL+": ")}
	if label == fetch.OutcomeError {
		out.Error = strings.TrimPrefix(out.Message, "error: ")
	}
	return out
}

// fetchRun is the last line of `tidings fetch --json`: the run's totals.
type fetchRun struct {
	Feeds       int      `json:"feeds"`
	New         int      `json:"new"`
	Updated     int      `json:"updated"`
	NotModified int      `json:"not_modified"`
	Errors      int      `json:"errors"`
	NotFetched  int      `json:"not_fetched"`
	Stopped     string   `json:"stopped,omitempty"` // "disk full" or "interrupted"
	Notes       []string `json:"notes,omitempty"`
}

// fetchSummaryJSON writes the run's totals as JSON and returns what the
// text output's end returns.
func (c *cli) fetchSummaryJSON(ctx, run context.Context, t fetchTally, notes []string, claimedAny bool, feedErr, err error, notFetched int) error {
	sum := fetchRun{Feeds: t.feeds, New: t.new, Updated: t.updated, NotModified: t.notModified, Errors: t.errors,
		NotFetched: notFetched, Notes: notes}
	stop := context.Cause(run)
	var ret error
	switch {
	case errors.Is(stop, store.ErrDiskFull):
		sum.Stopped, ret = "disk full", fmt.Errorf("fetch stopped: %w", stop)
	case ctx.Err() != nil:
		sum.Stopped, ret = "interrupted", errors.New("interrupted")
	case feedErr != nil:
		ret = feedErr
	case err != nil:
		ret = fmt.Errorf("fetch: %w", err)
	}
	if werr := writeJSONLine(c.stdout, sum); werr != nil && ret == nil {
		ret = werr
	}
	return ret
}

// describeOutcome is the one line a fetch gets when stdout is not a
// terminal.
func describeOutcome(o fetch.Outcome, label string, now time.Time) string {
	u := o.Feed.URL
	switch label {
	case fetch.OutcomeOK:
		return fmt.Sprintf("%s: %d new, %d updated", u, o.Saved.New, o.Saved.Updated)
	case fetch.OutcomeNotModified:
		return fmt.Sprintf("%s: not modified", u)
	case fetch.OutcomeUnchanged:
		return fmt.Sprintf("%s: not modified (the same body as last time)", u)
	case fetch.OutcomeRetryAfter, fetch.OutcomeGone:
		return fmt.Sprintf("%s: %s", u, fetch.DescribeWait(o.Result.State, now))
	}
	msg := o.Result.State.LastError
	if errors.Is(o.SaveErr, store.ErrDiskFull) {
		// What to do comes once, at the end.
		msg = "not saved: " + store.ErrDiskFull.Error()
	} else if o.SaveErr != nil {
		msg = "not saved: " + o.SaveErr.Error()
	} else if msg == "" && o.Err != nil {
		msg = o.Err.Error()
	}
	return fmt.Sprintf("%s: error: %s", u, msg)
}

// pluralWord returns word, or its plural when n is not 1.
func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// hostOf returns the host a URL is fetched from, lowercased, as the
// fetcher counts hosts for its per-host bound.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return rawURL
	}
	return strings.ToLower(u.Hostname())
}

// isTerminal reports whether v is an *os.File open on a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminal reports whether the stream v (stdin or stdout) is a terminal.
func (c *cli) terminal(v any) bool {
	if c.isTerminal == nil {
		return false
	}
	return c.isTerminal(v)
}
