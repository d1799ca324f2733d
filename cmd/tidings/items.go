package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"tidings/config"
	"tidings/store"
)

const itemsHelp = `Lists items, newest first: ID, N for unread and * for starred, age, feed
and title. Read one with 'tidings show ID'.

Without --limit, people see the 50 newest and --json prints every match;
--limit 0 means no limit.

With --json, prints one JSON object per item with the fields id, feed_url,
feed_title, guid, url, title, author, published, updated, content (sanitised
HTML), read, starred and tags; times are RFC 3339 in UTC and absent values
are null.`

// defaultLimit is how many items people see without --limit.
const defaultLimit = 50

// pageSize is how many items are read from the store at a time when printing
// more than one page.
const pageSize = 500

// itemFilters are the flags that select items, shared by items and search.
type itemFilters struct {
	unread  bool
	starred bool
	feed    string
	tag     string
	since   string
	limit   limitFlag
	jsonOut bool
}

func (f *itemFilters) declare(fs *flag.FlagSet, withSince bool) {
	fs.BoolVar(&f.unread, "unread", false, "only unread items")
	fs.BoolVar(&f.starred, "starred", false, "only starred items")
	fs.StringVar(&f.feed, "feed", "", "only items of the feed at `URL`")
	fs.StringVar(&f.tag, "tag", "", "only items of feeds tagged `T`")
	if withSince {
		fs.StringVar(&f.since, "since", "", "only items published in the last `DURATION` (\"12h\", \"7d\")")
	}
	fs.Var(&f.limit, "limit", "print at most `N` items; 0 for no limit (default 50, or every item with --json)")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per line")
}

// query turns the filters into a store query (without a limit).
func (f *itemFilters) query(ctx context.Context, c *cli, e *env) (store.Query, error) {
	q := store.Query{Unread: f.unread, Starred: f.starred, Tag: f.tag, FeedURL: strings.TrimSpace(f.feed)}
	if f.since != "" {
		d, err := config.ParseDuration(f.since)
		if err != nil || d <= 0 {
			return q, usagef("--since %q: want a duration such as 12h or 7d", f.since)
		}
		q.Since = c.now().Add(-d)
	}
	return q, nil
}

func setupItems(fs *flag.FlagSet) runFunc {
	var f itemFilters
	f.declare(fs, true)
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) > 0 {
			return usagef("items takes no arguments; to search, use 'tidings search QUERY'")
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		q, err := f.query(ctx, c, e)
		if err != nil {
			return err
		}
		none := "No items match."
		if !f.unread && !f.starred && f.feed == "" && f.tag == "" && f.since == "" {
			none = "No items yet. Subscribe with 'tidings add URL', then 'tidings fetch' (or keep 'tidings run' running)."
		}
		return c.listItems(ctx, e, q, &f, none)
	}
}

// listItems prints the items q selects, up to the limit of the filters, as
// JSON lines or a table.
func (c *cli) listItems(ctx context.Context, e *env, q store.Query, f *itemFilters, none string) error {
	u, err := e.actingUser(ctx)
	if err != nil {
		return err
	}
	limit := f.limit.effective(f.jsonOut, defaultLimit)
	var (
		items []store.Item
		more  bool
	)
	for {
		q.Limit = pageSize
		if limit > 0 {
			q.Limit = min(pageSize, limit-len(items))
		}
		page, next, err := e.rd.Items(ctx, u.ID, q)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w; see 'tidings feeds'", err)
		}
		if err != nil {
			return err
		}
		if f.jsonOut {
			// Streamed page by page: a script asking for everything should
			// not wait for, or hold, the whole archive.
			for _, it := range page {
				if err := writeJSONLine(c.stdout, newJSONItem(it)); err != nil {
					return err
				}
			}
		}
		items = append(items, page...)
		if next == "" {
			break
		}
		if limit > 0 && len(items) >= limit {
			more = true
			break
		}
		q.Cursor = next
	}
	if f.jsonOut {
		return nil
	}
	if len(items) == 0 {
		fmt.Fprintln(c.stdout, none)
		return nil
	}
	if err := c.writeItems(items); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(c.stderr, "(the first %d; --limit N for more, --limit 0 for all)\n", limit)
	}
	return nil
}

// writeItems prints items as a table for people.
func (c *cli) writeItems(items []store.Item) error {
	now := c.now()
	var rows [][]string
	for _, it := range items {
		flags := []byte("  ")
		if !it.Read {
			flags[0] = 'N'
		}
		if it.Starred {
			flags[1] = '*'
		}
		title := it.Title
		if strings.TrimSpace(title) == "" {
			title = "(untitled)"
		}
		feed := it.FeedTitle
		if feed == "" {
			feed = it.FeedURL
		}
		rows = append(rows, []string{strconv.FormatInt(it.ID, 10), string(flags), relTime(it.Published, now),
			truncate(feed, 24), truncate(title, 70)})
	}
	return writeTable(c.stdout, rows)
}
