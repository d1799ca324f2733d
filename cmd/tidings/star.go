package main

import (
	"context"
	"flag"

	"tidings/reader"
)

const starHelp = `Stars the items with these IDs. Starred items are never pruned, and stay
readable when their feed is removed. IDs that do not exist are listed in the
error, and the others are starred all the same.`

const unstarHelp = `Unstars the items with these IDs. IDs that do not exist are listed in the
error, and the others are unstarred all the same.`

func setupStar(_ *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		return markItems(ctx, c, args, reader.MarkStarred)
	}
}

func setupUnstar(_ *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		return markItems(ctx, c, args, reader.MarkUnstarred)
	}
}
