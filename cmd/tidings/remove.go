package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"tidings/store"
)

const removeHelp = `Unsubscribes from the feed at URL and deletes its items, except starred
ones, which stay readable. A feed declared in the config file is removed by
deleting its [[feed]] block there; the error says which file and line.`

func setupRemove(_ *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) != 1 {
			return usagef("remove takes one feed URL")
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		f, err := lookupFeed(ctx, e.store, args[0])
		if err != nil {
			return err
		}
		err = e.store.RemoveFeed(ctx, f.URL)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("not subscribed to %s; see 'tidings feeds'", f.URL)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Removed %s.\n", f.URL)
		return nil
	}
}
