package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"tidings/fetch"
	"tidings/reader"
	"tidings/store"
)

const showHelp = `Prints one item for reading in a terminal: its title, feed, date, author
and link, then its content as text wrapped to $COLUMNS (else 80 columns),
with the links and images it refers to numbered and listed at the end.
Showing an item marks it read, as opening it in a reader does; --keep-unread
leaves it unread.

When the whole article of the item was fetched from its web page (its feed
asks for full content), that is shown instead of the feed's text. --full
fetches the article now, whatever the feed asks, and stores it; when the
page has no article, or fails, the feed's text is shown and the reason said.`

func setupShow(fs *flag.FlagSet) runFunc {
	keepUnread := fs.Bool("keep-unread", false, "do not mark the item read")
	jsonOut := fs.Bool("json", false, "print the item as one JSON object, as 'tidings items --json' does")
	full := fs.Bool("full", false, "fetch the item's whole article from its web page now, and store it")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) != 1 {
			return usagef("show takes one item ID")
		}
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || id <= 0 {
			return usagef("%q is not an item ID; IDs are the numbers 'tidings items' lists", args[0])
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
		// Marked first, so what is printed is the state it is left in.
		it, err := e.rd.Open(ctx, u.ID, id, !*keepUnread && !e.readOnly)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w; see 'tidings items'", err)
		}
		if err != nil {
			return err
		}
		art, note, err := c.article(ctx, e, u.ID, it, *full)
		if err != nil {
			return err
		}
		if art.Content != "" {
			it.Content = art.Content
		}
		if *jsonOut {
			j := jsonShown{jsonItem: newJSONItem(it), ContentFrom: "feed", ArticleError: art.Error}
			if art.Content != "" {
				j.ContentFrom, j.ArticleURL = "article", art.URL
			}
			return writeJSONLine(c.stdout, j)
		}
		out := c.renderItem(it, terminalWidth())
		if note != "" {
			out = note + "\n\n" + out
		}
		_, err = fmt.Fprint(c.stdout, out)
		return err
	}
}

// jsonShown is show --json's item: 'items --json' fields, with content
// from the whole article when there is one, and where it came from.
type jsonShown struct {
	jsonItem
	// ContentFrom is "article" when content is the item's whole article
	// fetched from its page, "feed" when it is the feed's own.
	ContentFrom  string `json:"content_from"`
	ArticleURL   string `json:"article_url,omitempty"`
	ArticleError string `json:"article_error,omitempty"`
}

// article returns the whole article to show for it: fetched now with
// full, else the stored one (none: the zero Article). A failure of the
// fetch is not an error of the command: the feed's content is shown,
// with note saying why.
func (c *cli) article(ctx context.Context, e *env, userID int64, it store.Item, full bool) (store.Article, string, error) {
	if full {
		a, err := e.rd.FetchArticle(ctx, userID, it.ID)
		var ae *fetch.ArticleError
		switch {
		case errors.As(err, &ae):
			return a, "No whole article: " + sanitizeLine(ae.Error()) + ".", nil
		case errors.Is(err, reader.ErrInvalid):
			return a, "No whole article: " + sanitizeLine(err.Error()) + ".", nil
		case err != nil:
			return a, "", err
		}
		return a, "", nil
	}
	a, err := e.rd.StoredArticle(ctx, userID, it.ID)
	if errors.Is(err, reader.ErrNoArticle) {
		return store.Article{}, "", nil
	}
	return a, "", err
}

// terminalWidth is $COLUMNS when it is a sensible number, else 80.
func terminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		return n
	}
	return 80
}

// renderItem renders an item as text: a header, the content and the list
// of the links it refers to.
func (c *cli) renderItem(it store.Item, width int) string {
	var b strings.Builder
	title := strings.TrimSpace(sanitizeLine(it.Title))
	if title == "" {
		title = "(untitled)"
	}
	b.WriteString(title + "\n")
	b.WriteString(strings.Repeat("=", min(width, max(10, len([]rune(title))))) + "\n")
	feed := it.FeedTitle
	if it.FeedURL != "" && feed != it.FeedURL {
		feed = strings.TrimSpace(feed + " (" + it.FeedURL + ")")
	}
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%-8s %s\n", name+":", sanitizeLine(value))
		}
	}
	field("Feed", feed)
	if !it.Published.IsZero() {
		date := it.Published.UTC().Format("2006-01-02 15:04 UTC")
		if rel := relTime(it.Published, c.now()); !strings.HasPrefix(date, rel) {
			date += " (" + rel + ")"
		}
		field("Date", date)
	}
	field("Author", it.Author)
	field("Link", it.URL)
	field("Tags", strings.Join(it.Tags, ", "))
	var flags []string
	if it.Starred {
		flags = append(flags, "starred")
	}
	if it.Read {
		flags = append(flags, "read")
	} else {
		flags = append(flags, "unread")
	}
	field("State", strings.Join(flags, ", "))

	text, links := renderHTML(it.Content, width, 1)
	if text != "" {
		b.WriteString("\n" + text + "\n")
	}
	if len(it.Enclosures) > 0 {
		b.WriteString("\nAttachments:\n")
		for _, enc := range it.Enclosures {
			desc := enc.Type
			if enc.Length > 0 {
				desc = strings.TrimSpace(desc + ", " + byteSize(enc.Length))
			}
			if desc != "" {
				desc = " (" + desc + ")"
			}
			fmt.Fprintf(&b, "  %s%s\n", sanitizeLine(enc.URL), sanitizeLine(desc))
		}
	}
	if len(links) > 0 {
		b.WriteString("\nLinks:\n")
		for i, l := range links {
			kind := ""
			if l.Kind != "" {
				kind = " (" + l.Kind + ")"
			}
			fmt.Fprintf(&b, "[%d] %s%s\n", i+1, sanitizeLine(l.URL), kind)
		}
	}
	return b.String()
}

// byteSize formats a size in bytes for people: "12.3 MB".
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
