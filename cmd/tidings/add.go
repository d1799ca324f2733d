package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"tidings/fetch"
	"tidings/reader"
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
config's default), or at once by 'tidings fetch'.

With --full-content, the web page of each new item is fetched too, and the
article in it kept beside the feed's own text (for feeds that carry only
summaries); the items of the first fetch get theirs at once, up to 50.`

func setupAdd(fs *flag.FlagSet) runFunc {
	var tags stringsFlag
	fs.Var(&tags, "tag", "tag the feed with `T` (a simple word; repeat for more tags)")
	schedule := fs.String("schedule", "", "fetch on this cron `SPEC` (\"@hourly\", \"*/15 * * * *\", \"@every 20m\") instead of the default")
	title := fs.String("title", "", "show the feed under `T` instead of its own title")
	first := fs.Bool("first", false, "when the page offers several feeds, take the first without asking")
	noFetch := fs.Bool("no-fetch", false, "subscribe to URL as given, without fetching it first")
	fullContent := fs.Bool("full-content", false, "fetch the whole article of each new item from its web page")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) != 1 {
			return usagef("add takes one feed URL")
		}
		req := reader.SubscribeRequest{URL: args[0], Title: *title, Tags: tags, Schedule: *schedule, NoFetch: *noFetch,
			FullContent: *fullContent}
		// Rules first, so a bad flag is a usage error before anything opens.
		if _, err := reader.FeedURL(req.URL); err != nil {
			return usagef("%v", err)
		}
		if _, err := reader.Tags(req.Tags); err != nil {
			return usagef("%v", err)
		}
		if _, err := reader.Schedule(req.Schedule); err != nil {
			return usagef("%v", err)
		}
		if !*first {
			req.Choose = c.chooseFeed
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		u, err := e.actingUser(ctx)
		if err != nil {
			return err
		}
		added, err := e.rd.Subscribe(ctx, u.ID, req)
		var na *reader.NotAddedError
		switch {
		case errors.Is(err, store.ErrExists):
			return fmt.Errorf("%w; change it with 'tidings edit'", err)
		case errors.As(err, &na) && na.Unreachable:
			return fmt.Errorf("%w (--no-fetch adds the URL without checking it)", err)
		case err != nil:
			return err
		}
		if added.SaveErr != nil {
			return fmt.Errorf("added %s, but saving its items failed: %w; 'tidings fetch %s' fetches them again",
				describeFeed(added.Subscription), added.SaveErr, added.URL)
		}
		if !added.Fetched {
			fmt.Fprintf(c.stdout, "Added %s.\n", describeFeed(added.Subscription))
			return nil
		}
		fmt.Fprintf(c.stdout, "Added %s: %s.\n", describeFeed(added.Subscription), plural(max(added.New, added.Items), "item"))
		if *fullContent && added.New > 0 {
			n, err := e.rd.FetchNewArticles(ctx, added.Subscription)
			if err != nil {
				return fmt.Errorf("fetch the whole articles of %s: %w; the next fetch tries again", added.URL, err)
			}
			fmt.Fprintf(c.stdout, "Fetched the whole article of %s.\n", plural(n, "item"))
			if n < added.New {
				if s, err := e.rd.Subscription(ctx, u.ID, added.URL); err == nil && s.ArticleError != "" {
					fmt.Fprintf(c.stdout, "%s.\n", sanitizeLine(s.ArticleError))
				}
			}
		}
		return nil
	}
}

// chooseFeed asks which of the feeds a page offers to take: on a terminal
// by number, else it lists them and adds none.
func (c *cli) chooseFeed(_ context.Context, u string, cands []fetch.Candidate) (int, error) {
	if !c.terminal(c.stdin) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s offers %d feeds; add one of them by its URL, or pass --first to take the first:", u, len(cands))
		for _, cd := range cands {
			fmt.Fprintf(&b, "\n  %s", candidateLine(cd))
		}
		return 0, errors.New(b.String())
	}
	fmt.Fprintf(c.stdout, "%s offers %d feeds:\n", u, len(cands))
	for i, cd := range cands {
		fmt.Fprintf(c.stdout, "  %d. %s\n", i+1, candidateLine(cd))
	}
	in := bufio.NewScanner(c.stdin)
	for {
		fmt.Fprintf(c.stdout, "Which one? [1-%d, Enter for 1, q to cancel] ", len(cands))
		if !in.Scan() {
			return 0, errors.New("no choice made; nothing was added")
		}
		answer := strings.TrimSpace(in.Text())
		switch answer {
		case "":
			return 0, nil
		case "q", "Q":
			return 0, errors.New("canceled; nothing was added")
		}
		if n, err := strconv.Atoi(answer); err == nil && n >= 1 && n <= len(cands) {
			return n - 1, nil
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
func describeFeed(s store.Subscription) string {
	if name := s.Name(); name != s.URL {
		return fmt.Sprintf("%q (%s)", name, s.URL)
	}
	return s.URL
}

// lookupFeed returns the acting user's subscription that the URL u names.
func lookupFeed(ctx context.Context, e *env, u string) (store.Subscription, error) {
	user, err := e.actingUser(ctx)
	if err != nil {
		return store.Subscription{}, err
	}
	s, err := e.rd.Lookup(ctx, user.ID, u)
	if errors.Is(err, store.ErrNotFound) {
		return s, fmt.Errorf("%w; see 'tidings feeds'", err)
	}
	return s, err
}
