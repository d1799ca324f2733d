package main

import (
	"context"
	"flag"
	"fmt"
)

const pruneHelp = `Deletes the read, unstarred items published longer ago than the config's
retention.read_after (default "90d"). Unread and starred items are never
deleted, and a deleted item never comes back as new. With read_after =
"never" (or "0"), retention is off and nothing is deleted.`

func setupPrune(fs *flag.FlagSet) runFunc {
	dryRun := fs.Bool("dry-run", false, "only count what would be deleted")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) > 0 {
			return usagef("prune takes no arguments")
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		keep := e.cfg.Retention.ReadAfter
		if keep <= 0 {
			fmt.Fprintln(c.stdout, "Retention is off (read_after = never); nothing to prune.")
			return nil
		}
		cutoff := c.now().Add(-keep)
		n, err := e.store.Prune(ctx, cutoff, *dryRun)
		if err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		when := cutoff.UTC().Format("2006-01-02 15:04 UTC")
		if *dryRun {
			fmt.Fprintf(c.stdout, "Would delete %s published before %s.\n", plural(n, "read item"), when)
			return nil
		}
		fmt.Fprintf(c.stdout, "Deleted %s published before %s.\n", plural(n, "read item"), when)
		return nil
	}
}
