package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

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
		if len(tags) == 0 && len(untags) == 0 && !title.set && !schedule.set {
			return usagef("nothing to change: give --tag, --untag, --title or --schedule")
		}
		add, err := checkTags(tags)
		if err != nil {
			return err
		}
		edit := store.FeedEdit{AddTags: add}
		if title.set {
			t := strings.TrimSpace(title.value)
			edit.Title = &t
		}
		if schedule.set {
			s, err := checkSchedule(schedule.value)
			if err != nil {
				return err
			}
			edit.Schedule = &s
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		old, err := lookupFeed(ctx, e.store, args[0])
		if err != nil {
			return err
		}
		for _, t := range untags {
			// Tags are stored lowercased; an older store may hold other
			// cases, so the one removed is the stored spelling.
			i := slices.IndexFunc(old.Tags, func(have string) bool { return strings.EqualFold(have, strings.TrimSpace(t)) })
			if i < 0 {
				return usagef("feed has no tag %q; its tags: %s", t, tagList(old.Tags))
			}
			edit.RemoveTags = append(edit.RemoveTags, old.Tags[i])
		}
		f, err := e.store.EditFeed(ctx, old.URL, edit)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("not subscribed to %s; see 'tidings feeds'", old.URL)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Changed %s.\n", describeFeed(f))
		return nil
	}
}

// tagList shows tags for a message: "go, news", or "none".
func tagList(tags []string) string {
	if len(tags) == 0 {
		return "none"
	}
	return strings.Join(tags, ", ")
}
