package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tidings/fetch"
	"tidings/store"
)

const feedsHelp = `Lists every subscription with its tags, item counts, when it was last
fetched, when it is next due and why, and its last error. ORIGIN is "user"
for feeds added with add or import, and FILE:LINE for feeds declared in the
config file.

With --json, prints one JSON object per feed with the fields url, title,
site_url, origin ("config" or "user"), tags, schedule, last_fetch,
last_error, next_due, waiting (the NEXT column: "due now", "in 12m
(schedule)"), items, unread, full_content (whether you asked for whole
articles), unreadable_dates (items of the last fetch whose date could not
be read, dated when first seen) and article_error (the last failure to
fetch a whole article); times are RFC 3339 in UTC and absent values are
null.`

func setupFeeds(fs *flag.FlagSet) runFunc {
	jsonOut := fs.Bool("json", false, "print one JSON object per line")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) > 0 {
			return usagef("feeds takes no arguments")
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
		feeds, err := e.rd.Subscriptions(ctx, u.ID)
		if err != nil {
			return err
		}
		if *jsonOut {
			for _, f := range feeds {
				if err := writeJSONLine(c.stdout, newJSONFeedContent(f, c.now())); err != nil {
					return err
				}
			}
			return nil
		}
		return c.writeFeeds(feeds)
	}
}

// writeFeeds prints the feeds as a table for people.
func (c *cli) writeFeeds(feeds []store.Subscription) error {
	if len(feeds) == 0 {
		fmt.Fprintln(c.stdout, "No feeds yet. Subscribe with 'tidings add URL' or 'tidings import FILE.opml'.")
		return nil
	}
	now := c.now()
	rows := [][]string{{"TITLE", "URL", "TAGS", "UNREAD", "ITEMS", "FETCHED", "NEXT", "ORIGIN", "STATUS"}}
	unread := 0
	for _, f := range feeds {
		unread += f.Unread
		tags := strings.Join(f.Tags, ",")
		if tags == "" {
			tags = "-"
		}
		next := fetch.DescribeWait(f.State, now)
		rows = append(rows, []string{truncate(f.Name(), 30), truncate(f.URL, 60), truncate(tags, 24),
			strconv.Itoa(f.Unread), strconv.Itoa(f.Items), relTime(f.State.LastFetch, now), next, feedOrigin(f),
			truncate(feedStatus(f), 300)})
	}
	// On a terminal the status, which can be long, ends at its edge.
	fitLast(rows, c.outputWidth(), 12)
	if err := writeTable(c.stdout, rows); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "\n%s, %d unread.\n", plural(len(feeds), "feed"), unread)
	return nil
}

// feedOrigin says where a feed comes from: "user", or the file and line of
// its [[feed]] block.
func feedOrigin(f store.Subscription) string {
	if f.Origin == store.OriginConfig {
		return fmt.Sprintf("%s:%d", filepath.Base(f.ConfigFile), f.ConfigLine)
	}
	return string(f.Origin)
}

// feedStatus says in a few words how the feed is doing.
func feedStatus(f store.Subscription) string {
	st := f.State
	var parts []string
	switch {
	case st.Gone:
		parts = append(parts, "gone (410)")
	case st.LastError != "" && st.ErrorCount > 0:
		parts = append(parts, fmt.Sprintf("error (%d in a row): %s", st.ErrorCount, st.LastError))
	case st.LastError != "":
		// A note that is not a failure, such as a move onto a URL that is
		// already subscribed: the feed itself fetches fine.
		parts = append(parts, "ok; "+st.LastError)
	case st.LastFetch.IsZero():
		parts = append(parts, "not fetched yet")
	default:
		parts = append(parts, "ok")
	}
	if f.MovedFrom != "" && f.Origin != store.OriginConfig {
		parts = append(parts, "moved here from "+f.MovedFrom+" (permanent redirect)")
	}
	if f.State.RedirectURL != "" && f.State.RedirectURL != f.Target() {
		parts = append(parts, "moving to "+f.State.RedirectURL+" (permanent redirect seen)")
	}
	if f.FetchURL != "" && f.Origin == store.OriginConfig {
		parts = append(parts, fmt.Sprintf("moved to %s: update line %d of %s", f.FetchURL, f.ConfigLine, f.ConfigFile))
	}
	return strings.Join(append(parts, contentStatus(f)...), "; ")
}

// contentStatus says what the feed's status says about its items'
// content: whole articles asked for, dates that could not be read, the
// last failure to fetch an article.
func contentStatus(f store.Subscription) []string {
	var parts []string
	if f.FullContent {
		parts = append(parts, "full content")
	}
	if n := f.State.UnreadableDates; n > 0 {
		parts = append(parts, fmt.Sprintf("%s with an unreadable date (dated when first seen)", plural(n, "item")))
	}
	if f.ArticleError != "" && f.FullContent {
		parts = append(parts, f.ArticleError)
	}
	return parts
}

// jsonFeedContent is feeds --json's feed: jsonFeed with what the status
// says about content.
type jsonFeedContent struct {
	jsonFeed
	FullContent     bool    `json:"full_content"`
	UnreadableDates int     `json:"unreadable_dates"`
	ArticleError    *string `json:"article_error"`
}

func newJSONFeedContent(f store.Subscription, now time.Time) jsonFeedContent {
	j := jsonFeedContent{jsonFeed: newJSONFeed(f, now), FullContent: f.FullContent,
		UnreadableDates: f.State.UnreadableDates}
	if f.FullContent {
		// Said only to those who ask for whole articles.
		j.ArticleError = nullString(f.ArticleError)
	}
	return j
}
