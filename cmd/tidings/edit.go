package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"tidings/reader"
	"tidings/store"
)

const editHelp = `Changes a feed added with add or import. A feed declared in the config file
is changed there instead. --title "" goes back to the feed's own title;
--schedule "" to the default schedule. A new schedule plans the feed's next
fetch again at once, for a running 'tidings run' too.`

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
		ed := reader.Edit{AddTags: tags, RemoveTags: untags}
		if title.set {
			ed.Title = &title.value
		}
		if schedule.set {
			ed.Schedule = &schedule.value
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
		s, err := e.rd.Edit(ctx, u.ID, args[0], ed)
		switch {
		case errors.Is(err, reader.ErrInvalid):
			return usagef("%v", err)
		case errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("%w; see 'tidings feeds'", err)
		case err != nil:
			return err
		}
		fmt.Fprintf(c.stdout, "Changed %s.\n", describeFeed(s))
		return nil
	}
}
