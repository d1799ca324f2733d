package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
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
		// moved says which feeds named by an old URL moved, and where.
		var moved []string
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
				if note := movedNote(u, f.Feed); note != "" {
					moved = append(moved, note)
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
		if !c.jsonOut && !c.terminal(c.stdout) {
			for _, n := range moved {
				fmt.Fprintln(c.stdout, n)
			}
			moved = nil
		}
		if len(feeds) == 0 {
			if c.jsonOut {
				return writeJSONLine(c.stdout, fetchRun{Notes: []string{nothingMessage(mode)}})
			}
			fmt.Fprintln(c.stdout, nothingMessage(mode))
			return nil
		}
		return c.fetchFeeds(ctx, e, mode, feeds, moved)
	}
}

// movedNote says that the feed f, found by the URL u it was given, moved
// there from u by a permanent redirect; it is "" when u is not the URL it
// moved from.
func movedNote(u string, f store.Feed) string {
	if f.MovedFrom == "" {
		return ""
	}
	u = strings.TrimSpace(u)
	canon, err := config.CanonicalURL(u)
	if err != nil {
		canon = u
	}
	if u != f.MovedFrom && canon != f.MovedFrom {
		return ""
	}
	to := f.Target()
	return fmt.Sprintf("%s moved to %s (a permanent redirect); fetching it there. 'tidings feeds' lists it under its new URL.", u, to)
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

// fetchFeeds fetches the feeds listed with the claim loop the daemon uses
// (fetch.Scheduler's Drain: claims a batch at a time as fetches end,
// released at the end when not saved), and reports progress.
func (c *cli) fetchFeeds(ctx context.Context, e *env, mode fetchMode, feeds []store.Feed, notes []string) error {
	var sched *fetch.Scheduler
	fetcher := newFetcher(e.cfg, e.log, c.now, func(f store.Feed) { sched.Fetched(f) })
	lease := claimLease(e.cfg.Fetch.Timeout)
	sched = fetch.NewScheduler(fetch.SchedulerOptions{
		Store:    e.store,
		Fetcher:  fetcher,
		Capacity: claimAhead * e.cfg.Fetch.Concurrency,
		Lease:    lease,
		Now:      c.now,
	})
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
	// out serializes the output: outcomes come from the fetcher's writer
	// goroutine, notes on feeds not claimed from Drain's.
	var out sync.Mutex
	var lookupErr error
	done := func(o fetch.Outcome) {
		label := fetch.Classify(o)
		out.Lock()
		defer out.Unlock()
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
	skipped := func(f store.Feed, claimed bool) {
		var note string
		if !claimed && mode == fetchNamed {
			// Leased by another process, or a Retry-After came since the
			// feeds were listed.
			n, err := c.unclaimedReason(ctx, e, f.URL)
			if err != nil && lookupErr == nil {
				lookupErr = err
			}
			note = n
		}
		out.Lock()
		defer out.Unlock()
		if bar != nil {
			bar.ChangeMax(bar.GetMax() - 1)
		}
		switch {
		case note == "":
		case bar != nil:
			notes = append(notes, note)
		default:
			fmt.Fprintln(c.stdout, note)
		}
	}
	res, err := sched.Drain(ctx, fetch.DrainRequest{
		Feeds:   feeds,
		Named:   mode == fetchNamed,
		DueOnly: mode == fetchDue,
		Done:    done,
		Skipped: skipped,
	})
	if err == nil {
		err = lookupErr
	}
	if bar != nil {
		bar.Finish()
	}
	if res.Unreleased > 0 {
		// A full disk can refuse even this small write. The claims then
		// end with their lease, which began at the latest now.
		now := c.now()
		notes = append(notes, fmt.Sprintf("%s could not be released (the database could not be written); "+
			"their claims end by %s, and a fetch after that gets them.", plural(res.Unreleased, "claimed feed"),
			now.Add(lease).In(now.Location()).Format("15:04:05")))
	}

	if c.jsonOut {
		return c.fetchSummaryJSON(ctx, res, t, notes, err)
	}
	for _, n := range notes {
		fmt.Fprintln(c.stdout, n)
	}
	if bar != nil {
		c.listFailures(t.failures)
	}
	if res.Claimed == 0 && res.Stopped == nil && ctx.Err() == nil && err == nil {
		fmt.Fprintln(c.stdout, nothingMessage(mode))
		return nil
	}
	fmt.Fprintf(c.stdout, "Fetched %s: %d new %s, %d updated, %d not modified, %s.\n",
		plural(t.feeds, "feed"), t.new, pluralWord(t.new, "item"), t.updated, t.notModified, plural(t.errors, "error"))
	next := notFetchedNext(mode)
	if res.Unreleased > 0 {
		next = "" // the note above says when
	}
	switch {
	case res.Stopped != nil:
		// Stopped by a full disk (even if Ctrl-C came after).
		fmt.Fprintf(c.stdout, "Stopped: %s not fetched%s.\n", plural(res.NotFetched, "feed"), next)
		return fmt.Errorf("fetch stopped: %w", res.Stopped)
	case ctx.Err() != nil:
		fmt.Fprintf(c.stdout, "Interrupted: %s not fetched%s.\n", plural(res.NotFetched, "feed"), next)
		return errors.New("interrupted")
	}
	return err
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
func (c *cli) fetchSummaryJSON(ctx context.Context, res fetch.DrainResult, t fetchTally, notes []string, err error) error {
	sum := fetchRun{Feeds: t.feeds, New: t.new, Updated: t.updated, NotModified: t.notModified, Errors: t.errors,
		NotFetched: res.NotFetched, Notes: notes}
	ret := err
	switch {
	case res.Stopped != nil:
		sum.Stopped, ret = "disk full", fmt.Errorf("fetch stopped: %w", res.Stopped)
	case ctx.Err() != nil:
		sum.Stopped, ret = "interrupted", errors.New("interrupted")
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
