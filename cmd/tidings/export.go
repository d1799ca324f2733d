package main

import (
	"context"
	"flag"
)

const exportHelp = `Prints every subscription as an OPML 2.0 document on standard output, for
other feed readers or for 'tidings import'. Each feed sits in a folder named
after its first tag, and lists all its tags in its category attribute.
With --json, prints one JSON object per subscription instead, as 'tidings
feeds --json' does.`

func setupExport(fs *flag.FlagSet) runFunc {
	jsonOut := fs.Bool("json", false, "print one JSON object per subscription instead of OPML")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) > 0 {
			return usagef("export takes no arguments; redirect its output to a file")
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
		if !*jsonOut {
			return e.rd.Export(ctx, u.ID, c.stdout)
		}
		feeds, err := e.rd.Subscriptions(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, f := range feeds {
			if err := writeJSONLine(c.stdout, newJSONFeed(f, c.now())); err != nil {
				return err
			}
		}
		return nil
	}
}
