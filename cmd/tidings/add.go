package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"tidings/config"
	"tidings/fetch"
	"tidings/store"
)

const addHelp = `Subscribes to the feed at URL. The URL is fetched first: a feed is added
with its own title; a web page has its feeds discovered (the ones it
advertises, then common places such as /feed and /rss.xml). When a page
offers several feeds, you choose one if standard input is a terminal;
otherwise --first takes the first, and without it the feeds found are
listed and nothing is added. A URL that yields no feed is refused with the
reason, and nothing is added. A URL without a scheme is taken as https.

The items of the feed fetched are stored at once (with --no-fetch, on its
first fetch); it is then fetched on its schedule (--schedule, else the
config's default), or at once by 'tidings fetch'.`

func setupAdd(fs *flag.FlagSet) runFunc {
	var tags stringsFlag
	fs.Var(&tags, "tag", "tag the feed with `T` (a simple word; repeat for more tags)")
	schedule := fs.String("schedule", "", "fetch on this cron `SPEC` (\"@hourly\", \"*/15 * * * *\", \"@every 20m\") instead of the default")
	title := fs.String("title", "", "show the feed under `T` instead of its own title")
	first := fs.Bool("first", false, "when the page offers several feeds, take the first without asking")
	noFetch := fs.Bool("no-fetch", false, "subscribe to URL as given, without fetching it first")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) != 1 {
			return usagef("add takes one feed URL")
		}
		u := strings.TrimSpace(args[0])
		if !strings.Contains(u, "://") {
			u = "https://" + u
		}
		f, err := checkFeed(store.Feed{
			URL:       u,
			UserTitle: strings.TrimSpace(*title),
			Tags:      tags,
			Schedule:  strings.TrimSpace(*schedule),
			Origin:    store.OriginUser,
		})
		if err != nil {
			return err
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		if old, err := lookupFeed(ctx, e.store, f.URL); err == nil {
			return fmt.Errorf("already subscribed to %s; change it with 'tidings edit'", old.URL)
		}
		var (
			fetcher *fetch.Fetcher
			cand    fetch.Probed
		)
		if !*noFetch {
			fetcher = newFetcher(e.cfg, e.log, c.now, nil)
			cand, err = c.chooseFeed(ctx, fetcher, f.URL, *first)
			if err != nil {
				return err
			}
			f.URL, f.Title = cand.URL, cand.Title
			if canon, err := config.CanonicalURL(f.URL); err == nil {
				f.URL = canon
			}
			// Discovery may lead from a page to a feed already subscribed.
			if old, err := lookupFeed(ctx, e.store, f.URL); err == nil {
				return fmt.Errorf("already subscribed to %s; change it with 'tidings edit'", old.URL)
			}
		}
		added, err := e.store.AddFeed(ctx, f)
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("already subscribed to %s; change it with 'tidings edit'", f.URL)
		}
		if err != nil {
			return fmt.Errorf("add %s: %w", f.URL, err)
		}
		if fetcher == nil {
			fmt.Fprintf(c.stdout, "Added %s.\n", describeFeed(added))
			return nil
		}
		// The probe downloaded the feed already: its items are stored now,
		// and the next fetch is a conditional one.
		o := fetcher.Outcome(ctx, added, cand)
		saved, err := e.store.SaveFetch(ctx, added.ID, o.Result)
		if err != nil {
			return fmt.Errorf("added %s, but saving its items failed: %w; 'tidings fetch %s' fetches them again", describeFeed(added), err, added.URL)
		}
		fmt.Fprintf(c.stdout, "Added %s: %s.\n", describeFeed(added), plural(saved.New, "item"))
		return nil
	}
}

// chooseFeed probes u and returns the feed to subscribe to: the only one,
// the first with first, or the one the user picks on a terminal.
func (c *cli) chooseFeed(ctx context.Context, f *fetch.Fetcher, u string, first bool) (fetch.Probed, error) {
	cands, err := f.ProbeFetch(ctx, u)
	if err != nil {
		return fetch.Probed{}, fmt.Errorf("%w; nothing was added (--no-fetch adds the URL without checking it)", err)
	}
	if len(cands) == 0 {
		return fetch.Probed{}, fmt.Errorf("no feed found at %s; nothing was added", u)
	}
	if len(cands) == 1 || first {
		return cands[0], nil
	}
	if !c.terminal(c.stdin) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s offers %d feeds; add one of them by its URL, or pass --first to take the first:", u, len(cands))
		for _, cd := range cands {
			fmt.Fprintf(&b, "\n  %s", candidateLine(cd.Candidate))
		}
		return fetch.Probed{}, errors.New(b.String())
	}
	fmt.Fprintf(c.stdout, "%s offers %d feeds:\n", u, len(cands))
	for i, cd := range cands {
		fmt.Fprintf(c.stdout, "  %d. %s\n", i+1, candidateLine(cd.Candidate))
	}
	in := bufio.NewScanner(c.stdin)
	for {
		fmt.Fprintf(c.stdout, "Which one? [1-%d, Enter for 1, q to cancel] ", len(cands))
		if !in.Scan() {
			return fetch.Probed{}, errors.New("no choice made; nothing was added")
		}
		answer := strings.TrimSpace(in.Text())
		switch answer {
		case "":
			return cands[0], nil
		case "q", "Q":
			return fetch.Probed{}, errors.New("canceled; nothing was added")
		}
		if n, err := strconv.Atoi(answer); err == nil && n >= 1 && n <= len(cands) {
			return cands[n-1], nil
		}
		fmt.Fprintf(c.stdout, "%q is not one of the choices.\n", answer)
	}
}

func candidateLine(cd fetch.Candidate) string {
	if cd.Title == "" {
		return cd.URL
	}
	return truncate(cd.Title, 60) + "  " + cd.URL
}

// describeFeed names a feed for a message: its title and URL.
func describeFeed(f store.Feed) string {
	if name := f.Name(); name != f.URL {
		return fmt.Sprintf("%q (%s)", name, f.URL)
	}
	return f.URL
}

// checkFeed checks what the user gave for a feed (an absolute http(s) URL,
// tags that are simple words and a schedule cron understands) and returns
// it in the forms tidings stores: the URL canonical, tags lowercased and
// the schedule normalised. Its errors are usage errors.
func checkFeed(f store.Feed) (store.Feed, error) {
	var err error
	if f.URL, err = checkURL(f.URL); err != nil {
		return f, err
	}
	if f.Tags, err = checkTags(f.Tags); err != nil {
		return f, err
	}
	if f.Schedule, err = checkSchedule(f.Schedule); err != nil {
		return f, err
	}
	return f, nil
}

// checkURL checks that u is an absolute http or https URL and returns its
// canonical form (config.CanonicalURL).
func checkURL(u string) (string, error) {
	canon, err := config.CanonicalURL(u)
	if err != nil {
		// err says what is wanted: "want an absolute http:// or https:// URL".
		return "", usagef("%q: %v", u, err)
	}
	return canon, nil
}

// checkTags checks that every tag is a simple word and returns them
// lowercased, without repeats: tags are case-insensitive.
func checkTags(tags []string) ([]string, error) {
	var out []string
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if !config.ValidTag(t) {
			return nil, usagef("tag %q is not a simple word: use 1 to 64 letters, digits, '-', '_', '.' or '/', with no spaces", t)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// checkSchedule checks a --schedule and returns it in the form cron reads
// (config.NormalizeSchedule); "" stays "", the default schedule.
func checkSchedule(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	norm, err := config.NormalizeSchedule(s)
	if err != nil {
		// err quotes the spec already.
		return "", usagef("schedule %v", err)
	}
	return norm, nil
}
