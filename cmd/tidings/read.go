package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"tidings/reader"
	"tidings/store"
)

const readHelp = `Marks the items with these IDs read (IDs as 'tidings items' lists them).
With --all, marks every unread item read, or only those of one feed (--feed)
or of feeds with one tag (--tag). IDs that do not exist are listed in the
error, and the others are marked all the same.`

const unreadHelp = `Marks the items with these IDs unread. IDs that do not exist are listed in
the error, and the others are marked all the same.`

func setupRead(fs *flag.FlagSet) runFunc {
	all := fs.Bool("all", false, "mark every item read (with --feed or --tag: only those)")
	feed := fs.String("feed", "", "with --all: only the items of the feed at `URL`")
	tag := fs.String("tag", "", "with --all: only the items of feeds tagged `T`")
	return func(ctx context.Context, c *cli, args []string) error {
		if !*all {
			if *feed != "" || *tag != "" {
				return usagef("--feed and --tag go with --all")
			}
			return markItems(ctx, c, args, reader.MarkRead)
		}
		if len(args) > 0 {
			return usagef("give item IDs or --all, not both")
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
		n, err := e.rd.MarkAllRead(ctx, u.ID, store.Query{Tag: *tag, FeedURL: strings.TrimSpace(*feed)})
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w; see 'tidings feeds'", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Marked %s read.\n", plural(n, "item"))
		return nil
	}
}

func setupUnread(_ *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		return markItems(ctx, c, args, reader.MarkUnread)
	}
}

// markItems applies m to the items whose IDs are args, and reports the IDs
// that are not the user's items as an error.
func markItems(ctx context.Context, c *cli, args []string, m reader.Mark) error {
	ids, err := parseIDs(args)
	if err != nil {
		return err
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
	n, err := e.rd.Mark(ctx, u.ID, ids, m)
	var missing *reader.NoItemError
	if errors.As(err, &missing) {
		if n > 0 {
			fmt.Fprintf(c.stdout, "Marked %s %s.\n", plural(n, "item"), m)
		}
		return fmt.Errorf("%w; see 'tidings items'", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Marked %s %s.\n", plural(n, "item"), m)
	return nil
}

// parseIDs parses item IDs, without repeats, in the order given.
func parseIDs(args []string) ([]int64, error) {
	if len(args) == 0 {
		return nil, usagef("give one or more item IDs (see 'tidings items')")
	}
	var ids []int64
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, usagef("%q is not an item ID; IDs are the numbers 'tidings items' lists", a)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
