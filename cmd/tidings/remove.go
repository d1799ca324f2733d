package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"tidings/store"
)

const removeHelp = `Unsubscribes from the feed at URL. Its items go, except starred ones,
which stay readable. A feed declared in the config file is removed by
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
		u, err := e.actingUser(ctx)
		if err != nil {
			return err
		}
		s, err := e.rd.Unsubscribe(ctx, u.ID, args[0])
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w; see 'tidings feeds'", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Removed %s.\n", s.URL)
		return nil
	}
}
