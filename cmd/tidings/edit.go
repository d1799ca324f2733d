package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"tidings/config"
	"tidings/store"
)

const editHelp = `Changes a feed added with add, import, the web page or a reader app. A feed
declared in the config file is changed there instead. --title "" goes back to
the feed's own title; --schedule "" to the default schedule.`

func setupEdit(fs *flag.FlagSet) runFunc {
	var tags, untags stringsFlag
	var title, schedule optionalString
	fs.Var(&tags, "tag", "add the tag `T` (repeat for more)")
	fs.Var(&untags, "untag", "remove the tag `T` (repeat for more)")
	fs.Var(&schedule, "schedule", "fetch on this cron `SPEC`; \"\" for the default schedule")
	fs.Var(&title, "title", "show the feed under `T`; \"\" for its own title")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) != 1 {
			return usagef("edit takes one feed URL")
		}
		u := args[0]
		if len(tags) == 0 && len(untags) == 0 && !title.set && !schedule.set {
			return usagef("nothing to change: give --tag, --untag, --title or --schedule")
		}
		if err := checkTags(tags); err != nil {
			return err
		}
		edit := store.FeedEdit{AddTags: tags, RemoveTags: untags}
		if title.set {
			t := strings.TrimSpace(title.value)
			edit.Title = &t
		}
		if schedule.set {
			s := strings.TrimSpace(schedule.value)
			if s != "" {
				if err := config.ValidateSchedule(s); err != nil {
					return usagef("schedule %q: %v", s, err)
				}
			}
			edit.Schedule = &s
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		f, err := e.store.EditFeed(ctx, u, edit)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("not subscribed to %s; see 'tidings feeds'", u)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Changed %s.\n", describeFeed(f))
		return nil
	}
}
