package main

import (
	"context"
	"flag"
	"fmt"
)

const exportHelp = `Prints every subscription as an OPML 2.0 document on standard output, for
other feed readers or for 'tidings import'. Each feed sits in a folder named
after its first tag, and lists all its tags in its category attribute.`

func setupExport(_ *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) > 0 {
			return usagef("export takes no arguments; redirect its output to a file")
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		feeds, err := e.store.Feeds(ctx)
		if err != nil {
			return fmt.Errorf("list feeds: %w", err)
		}
		return writeOPML(c.stdout, feeds, c.now())
	}
}
