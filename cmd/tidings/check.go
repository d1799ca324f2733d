package main

import (
	"context"
	"flag"
	"fmt"
)

const checkHelp = `Checks the database file for damage (SQLite's quick_check over every page)
and says what it found. A damaged database is not written to again by this
process; the message says how to recover. With PostgreSQL, the server keeps
its own pages: there is nothing for tidings to check.

The exit status is 1 when the database is damaged.`

// checker is a store that can check itself for damage (the SQLite one).
type checker interface {
	Check(ctx context.Context) error
}

func setupCheck(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) > 0 {
			return usagef("check takes no arguments")
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		ch, ok := e.store.(checker)
		if !ok {
			fmt.Fprintln(c.stdout, "Nothing to check: PostgreSQL checks its own pages (see its data_checksums setting).")
			return nil
		}
		if err := ch.Check(ctx); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		fmt.Fprintln(c.stdout, "The database is intact.")
		return nil
	}
}
