package main

import (
	"context"
	"flag"
	"strings"
)

const searchHelp = `Searches the titles and content of every stored item, best match first.
Every word of QUERY must appear; a word ending in '*' matches as a prefix
("gopher*"). The words may be given as one argument or several. Prints
the same table, or the same JSON fields, as 'tidings items'.`

func setupSearch(fs *flag.FlagSet) runFunc {
	var f itemFilters
	f.declare(fs, false)
	return func(ctx context.Context, c *cli, args []string) error {
		text := strings.TrimSpace(strings.Join(args, " "))
		if text == "" {
			return usagef("search needs a QUERY")
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
		q.Search = text
		return c.listItems(ctx, e, q, &f, "Nothing matches "+text+".")
	}
}
