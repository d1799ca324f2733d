package main

import (
	"context"
	"flag"

	"tidings/store"
)

const starHelp = `Stars the items with these IDs. Starred items are never pruned, and stay
readable when their feed is removed. IDs that do not exist are listed in the
error, and the others are starred all the same.`

const unstarHelp = `Unstars the items with these IDs. IDs that do not exist are listed in the
error, and the others are unstarred all the same.`

func setupStar(_ *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		return markItems(ctx, c, args, "starred", func(st store.Store, ids []int64) (int, error) {
			return st.SetStarred(ctx, ids, true)
		})
	}
}

func setupUnstar(_ *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		return markItems(ctx, c, args, "unstarred", func(st store.Store, ids []int64) (int, error) {
			return st.SetStarred(ctx, ids, false)
		})
	}
}
