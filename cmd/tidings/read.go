package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

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
			return markItems(ctx, c, args, "read", func(st store.Store, ids []int64) (int, error) {
				return st.SetRead(ctx, ids, true)
			})
		}
		if len(args) > 0 {
			return usagef("give item IDs or --all, not both")
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		q := store.Query{Tag: strings.ToLower(strings.TrimSpace(*tag)), Unread: true}
		if *feed != "" {
			f, err := lookupFeed(ctx, e.store, *feed)
			if err != nil {
				return err
			}
			q.FeedURL = f.URL
		}
		n, err := e.store.MarkAllRead(ctx, q)
		if err != nil {
			return fmt.Errorf("mark items read: %w", err)
		}
		fmt.Fprintf(c.stdout, "Marked %s read.\n", plural(n, "item"))
		return nil
	}
}

func setupUnread(_ *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		return markItems(ctx, c, args, "unread", func(st store.Store, ids []int64) (int, error) {
			return st.SetRead(ctx, ids, false)
		})
	}
}

// markItems applies mark to the items whose IDs are args, and reports the
// IDs that do not exist as an error.
func markItems(ctx context.Context, c *cli, args []string, state string, mark func(store.Store, []int64) (int, error)) error {
	ids, err := parseIDs(args)
	if err != nil {
		return err
	}
	e, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	n, err := mark(e.store, ids)
	if err != nil {
		return fmt.Errorf("mark items %s: %w", state, err)
	}
	if n < len(ids) {
		missing, err := missingItems(ctx, e.store, ids)
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintf(c.stdout, "Marked %s %s.\n", plural(n, "item"), state)
		}
		return fmt.Errorf("no item with ID %s; see 'tidings items'", joinIDs(missing))
	}
	fmt.Fprintf(c.stdout, "Marked %s %s.\n", plural(n, "item"), state)
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

// missingItems returns the IDs of ids that name no item.
func missingItems(ctx context.Context, st store.Store, ids []int64) ([]int64, error) {
	var missing []int64
	for _, id := range ids {
		_, err := st.Item(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			missing = append(missing, id)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look up item %d: %w", id, err)
		}
	}
	return missing, nil
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}
