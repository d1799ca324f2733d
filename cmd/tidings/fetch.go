package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
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

On a terminal a progress bar shows the feeds done, new items and errors;
otherwise each feed gets one line. A summary ends the run. Ctrl-C stops
cleanly: every feed already fetched is kept.

The exit status is 1 only when something other than individual feeds failed
(the database, an interruption); a feed's error is shown in the output and in
'tidings feeds'.`

// leaseMargin is added to the fetch timeout to make the claim's lease: long
// enough for the fetch and its save, short enough that the feeds of a killed
// process come back soon.
const leaseMargin = 30 * time.Second

// newFetcher builds the fetcher the config describes.
func newFetcher(cfg *config.Config, log *slog.Logger, now func() time.Time) *fetch.Fetcher {
	return fetch.New(fetch.Options{
		Concurrency:          cfg.Fetch.Concurrency,
		PerHost:              cfg.Fetch.PerHost,
		AllowPrivateNetworks: cfg.Fetch.AllowPrivateNetworks,
		Timeout:              cfg.Fetch.Timeout,
		MaxBody:              cfg.Fetch.MaxBody,
		DefaultSchedule:      cfg.Schedule,
		MaxServerDelay:       cfg.Fetch.MaxServerDelay,
		Logger:               log,
		Now:                  now,
	})
}

func setupFetch(fs *flag.FlagSet) runFunc {
	all := fs.Bool("all", false, "fetch every feed, due or not (not gone ones, and never before a Retry-After)")
	return func(ctx context.Context, c *cli, args []string) error {
		if *all && len(args) > 0 {
			return usagef("give feed URLs or --all, not both")
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		// The feeds named are claimed under their stored URLs, whatever
		// form they were given in.
		named := make([]string, 0, len(args))
		for _, u := range args {
			f, err := lookupFeed(ctx, e.store, u)
			if err != nil {
				return err
			}
			named = append(named, f.URL)
		}
		feeds, err := e.store.ClaimFeeds(ctx, store.ClaimRequest{
			Now:   c.now(),
			Lease: e.cfg.Fetch.Timeout + leaseMargin,
			All:   *all,
			URLs:  named,
		})
		if err != nil {
			return fmt.Errorf("claim feeds to fetch: %w", err)
		}
		if err := c.reportUnclaimed(ctx, e.store, named, feeds); err != nil {
			return err
		}
		if len(feeds) == 0 {
			switch {
			case len(args) > 0:
				fmt.Fprintln(c.stdout, "Nothing fetched.")
			case *all:
				fmt.Fprintln(c.stdout, "Nothing to fetch: no feeds, or all of them are gone, asked to wait, or are being fetched elsewhere.")
			default:
				fmt.Fprintln(c.stdout, "Nothing is due. 'tidings fetch --all' fetches every feed now.")
			}
			return nil
		}
		return c.fetchFeeds(ctx, e, feeds)
	}
}

// reportUnclaimed says why each feed named on the command line was not
// claimed: a Retry-After not yet over, or another process fetching it.
func (c *cli) reportUnclaimed(ctx context.Context, st store.Store, named []string, claimed []store.Feed) error {
	got := make(map[string]bool, 2*len(claimed))
	for _, f := range claimed {
		got[f.URL] = true
		got[f.Target()] = true
	}
	now := c.now()
	for _, u := range named {
		if got[u] {
			continue
		}
		f, err := st.Feed(ctx, u)
		if err != nil {
			return fmt.Errorf("look up %s: %w", u, err)
		}
		why := "being fetched by another tidings"
		if f.State.NotBefore.After(now) {
			why = "the server asked to wait until " + f.State.NotBefore.In(now.Location()).Format("15:04") + " (Retry-After)"
		}
		fmt.Fprintf(c.stdout, "%s: not fetched: %s\n", u, why)
	}
	return nil
}

// fetchTally counts what a fetch run did.
type fetchTally struct {
	feeds, new, updated, notModified, errors int
}

// fetchFeeds fetches claimed feeds, reporting progress, and releases the
// claims of the feeds it did not finish.
func (c *cli) fetchFeeds(ctx context.Context, e *env, feeds []store.Feed) error {
	fetcher := newFetcher(e.cfg, e.log, c.now)
	finished := make(map[int64]bool, len(feeds))
	var t fetchTally
	var bar *progressbar.ProgressBar
	if c.terminal(c.stdout) {
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
	done := func(o fetch.Outcome) {
		label := fetch.Classify(o)
		if label == "" {
			// Canceled by Ctrl-C: nothing was saved; the claim is released
			// below.
			return
		}
		finished[o.Feed.ID] = true
		t.feeds++
		t.new += o.Saved.New
		t.updated += o.Saved.Updated
		switch label {
		case fetch.OutcomeNotModified:
			t.notModified++
		case fetch.OutcomeError:
			t.errors++
		}
		if bar != nil {
			bar.Describe(fmt.Sprintf("%d new, %d errors", t.new, t.errors))
			bar.Add(1)
			return
		}
		fmt.Fprintln(c.stdout, describeOutcome(o, label, c.now()))
	}
	runErr := fetcher.RunAll(ctx, feeds, e.store, done)
	if bar != nil {
		bar.Finish()
	}

	var unfinished []int64
	for _, f := range feeds {
		if !finished[f.ID] {
			unfinished = append(unfinished, f.ID)
		}
	}
	if len(unfinished) > 0 {
		// The run's context may be canceled already; the release must still
		// happen, or the feeds wait for their lease to end.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := e.store.Release(rctx, unfinished); err != nil {
			e.log.Warn("release unfinished feeds", slog.Int("feeds", len(unfinished)), slog.Any("err", err))
		}
	}

	fmt.Fprintf(c.stdout, "Fetched %s: %d new %s, %d updated, %d not modified, %s.\n",
		plural(t.feeds, "feed"), t.new, pluralWord(t.new, "item"), t.updated, t.notModified, plural(t.errors, "error"))
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(c.stdout, "Interrupted: %s not fetched; they will be fetched next time.\n", plural(len(unfinished), "feed"))
		return errors.New("interrupted")
	case runErr != nil:
		return fmt.Errorf("fetch: %w", runErr)
	}
	return nil
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
	case fetch.OutcomeRetryAfter, fetch.OutcomeGone:
		return fmt.Sprintf("%s: %s", u, fetch.DescribeWait(o.Result.State, now))
	}
	msg := o.Result.State.LastError
	if o.SaveErr != nil {
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
