package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"

	"tidings/config"
	"tidings/store"
)

const addHelp = `Subscribes to the feed at URL (http or https). The feed is fetched on its
schedule: --schedule, else the config's default schedule.`

func setupAdd(fs *flag.FlagSet) runFunc {
	var tags stringsFlag
	fs.Var(&tags, "tag", "tag the feed with `T` (a simple word; repeat for more tags)")
	schedule := fs.String("schedule", "", "fetch on this cron `SPEC` (\"@hourly\", \"*/15 * * * *\", \"@every 20m\") instead of the default")
	title := fs.String("title", "", "show the feed under `T` instead of its own title")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) != 1 {
			return usagef("add takes one feed URL")
		}
		f := store.Feed{
			URL:       args[0],
			UserTitle: strings.TrimSpace(*title),
			Tags:      tags,
			Schedule:  strings.TrimSpace(*schedule),
			Origin:    store.OriginUser,
		}
		if err := checkFeed(f); err != nil {
			return err
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		added, err := e.store.AddFeed(ctx, f)
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("already subscribed to %s; change it with 'tidings edit'", f.URL)
		}
		if err != nil {
			return fmt.Errorf("add %s: %w", f.URL, err)
		}
		fmt.Fprintf(c.stdout, "Added %s.\n", describeFeed(added))
		return nil
	}
}

// describeFeed names a feed for a message: its title and URL.
func describeFeed(f store.Feed) string {
	if name := f.Name(); name != f.URL {
		return fmt.Sprintf("%q (%s)", name, f.URL)
	}
	return f.URL
}

// checkFeed checks what the user gave for a feed: an absolute http(s) URL,
// simple-word tags and a schedule cron understands. Its errors are usage
// errors.
func checkFeed(f store.Feed) error {
	if err := checkURL(f.URL); err != nil {
		return err
	}
	if err := checkTags(f.Tags); err != nil {
		return err
	}
	if f.Schedule != "" {
		if err := config.ValidateSchedule(f.Schedule); err != nil {
			return usagef("schedule %q: %v", f.Schedule, err)
		}
	}
	return nil
}

// checkURL checks that u is an absolute http or https URL.
func checkURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return usagef("%q is not an http or https URL", u)
	}
	return nil
}

// checkTags checks that every tag is a simple word.
func checkTags(tags []string) error {
	for _, t := range tags {
		if !config.ValidTag(t) {
			return usagef("tag %q is not a simple word (letters, digits, '-', '_')", t)
		}
	}
	return nil
}
