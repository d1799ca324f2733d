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
fetch again at once, for a running 'tidings run' too. --full-content fetches
the web page of each new item and keeps its whole article (for feeds that
carry only summaries); --no-full-content stops it. Items that came before
keep the feed's text: 'tidings show ID --full' fetches one now.`

func setupEdit(fs *flag.FlagSet) runFunc {
	var tags, untags stringsFlag
	var title, schedule optionalString
	fs.Var(&tags, "tag", "add the tag `T` (repeat for more)")
	fs.Var(&untags, "untag", "remove the tag `T` (repeat for more)")
	fs.Var(&schedule, "schedule", "fetch on this cron `SPEC`; \"\" for the default schedule")
	fs.Var(&title, "title", "show the feed under `T`; \"\" for its own title")
	fullContent := fs.Bool("full-content", false, "fetch the whole article of each new item from its web page")
	noFullContent := fs.Bool("no-full-content", false, "stop fetching whole articles; keep the feed's own text")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) != 1 {
			return usagef("edit takes one feed URL")
		}
		if *fullContent && *noFullContent {
			return usagef("--full-content and --no-full-content contradict each other; give one")
		}
		full := *fullContent || *noFullContent
		other := len(tags) > 0 || len(untags) > 0 || title.set || schedule.set
		if !other && !full {
			return usagef("nothing to change: give --tag, --untag, --title, --schedule, --full-content or --no-full-content")
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
		var s store.Subscription
		if other {
			s, err = e.rd.Edit(ctx, u.ID, args[0], ed)
		}
		if err == nil && full {
			s, err = e.rd.SetFullContent(ctx, u.ID, args[0], *fullContent)
		}
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
