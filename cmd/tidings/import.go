package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"tidings/reader"
)

const importHelp = `Subscribes to every feed of an OPML file (as other feed readers export),
in one step: all are added or, if anything goes wrong, none. The names of
the folders a feed sits in, and its category attribute, become its tags.
Feeds already subscribed are skipped and listed. A file that is not OPML,
or has no feeds in it, changes nothing.`

func setupImport(fs *flag.FlagSet) runFunc {
	var tags stringsFlag
	fs.Var(&tags, "tag", "also tag every imported feed with `T` (repeat for more)")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) != 1 {
			return usagef("import takes one OPML file")
		}
		if _, err := reader.Tags(tags); err != nil {
			return usagef("%v", err)
		}
		path := args[0]
		file, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("open the OPML file: %w", err)
		}
		defer file.Close()
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		u, err := e.actingUser(ctx)
		if err != nil {
			return err
		}
		doc, err := e.rd.Import(ctx, u.ID, file, tags)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		res := doc
		fmt.Fprintf(c.stdout, "Added %s from %s.\n", plural(len(res.Added), "feed"), path)
		if len(res.Skipped) > 0 {
			fmt.Fprintf(c.stdout, "Skipped %s already subscribed or repeated in the file:\n", plural(len(res.Skipped), "feed"))
			for _, u := range res.Skipped {
				fmt.Fprintf(c.stdout, "  %s\n", u)
			}
		}
		if len(doc.Invalid) > 0 {
			fmt.Fprintf(c.stdout, "Ignored %s whose xmlUrl is not an http or https URL:\n", plural(len(doc.Invalid), "outline"))
			for _, u := range doc.Invalid {
				fmt.Fprintf(c.stdout, "  %s\n", truncate(u, 200))
			}
		}
		if len(doc.Untagged) > 0 {
			fmt.Fprintf(c.stdout, "Ignored %s that make no tag (no letter or digit in them):\n", plural(len(doc.Untagged), "folder or category name"))
			for _, name := range doc.Untagged {
				fmt.Fprintf(c.stdout, "  %q\n", truncate(name, 200))
			}
		}
		return nil
	}
}
