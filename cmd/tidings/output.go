package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/rivo/uniseg"
	"io"
	"strings"
	"time"

	"tidings/fetch"
	"tidings/store"
)

// jsonItem is one line of `items --json` and `search --json`.
type jsonItem struct {
	ID         int64             `json:"id"`
	FeedURL    *string           `json:"feed_url"`
	FeedTitle  *string           `json:"feed_title"`
	GUID       *string           `json:"guid"`
	URL        *string           `json:"url"`
	Title      *string           `json:"title"`
	Author     *string           `json:"author"`
	Published  *string           `json:"published"`
	Updated    *string           `json:"updated"`
	Content    *string           `json:"content"`
	Read       bool              `json:"read"`
	Starred    bool              `json:"starred"`
	Tags       []string          `json:"tags"`
	Enclosures []store.Enclosure `json:"enclosures"`
}

func newJSONItem(it store.Item) jsonItem {
	enc := it.Enclosures
	if enc == nil {
		enc = []store.Enclosure{}
	}
	return jsonItem{
		ID:         it.ID,
		FeedURL:    nullString(it.FeedURL),
		FeedTitle:  nullString(it.FeedTitle),
		GUID:       nullString(it.GUID),
		URL:        nullString(it.URL),
		Title:      nullString(it.Title),
		Author:     nullString(it.Author),
		Published:  nullTime(it.Published),
		Updated:    nullTime(it.Updated),
		Content:    nullString(it.Content),
		Read:       it.Read,
		Starred:    it.Starred,
		Tags:       nonNil(it.Tags),
		Enclosures: enc,
	}
}

// jsonFeed is one line of `feeds --json`.
type jsonFeed struct {
	URL       string   `json:"url"`
	Title     *string  `json:"title"`
	SiteURL   *string  `json:"site_url"`
	Origin    string   `json:"origin"`
	Tags      []string `json:"tags"`
	Schedule  *string  `json:"schedule"`
	LastFetch *string  `json:"last_fetch"`
	LastError *string  `json:"last_error"`
	NextDue   *string  `json:"next_due"`
	Waiting   string   `json:"waiting"`
	Items     int      `json:"items"`
	Unread    int      `json:"unread"`
}

// newJSONFeed returns the JSON of f, its wait described as of now.
func newJSONFeed(f store.Subscription, now time.Time) jsonFeed {
	title := f.UserTitle
	if title == "" {
		title = f.Title
	}
	// A feed never fetched is due from the moment it was added, which the
	// store may leave unset.
	due := f.State.NextDue
	if due.IsZero() {
		due = f.CreatedAt
	}
	return jsonFeed{
		URL:       f.URL,
		Title:     nullString(title),
		SiteURL:   nullString(f.SiteURL),
		Origin:    string(f.Origin),
		Tags:      nonNil(f.Tags),
		Schedule:  nullString(f.Schedule),
		LastFetch: nullTime(f.State.LastFetch),
		LastError: nullString(f.State.LastError),
		NextDue:   nullTime(due),
		Waiting:   fetch.DescribeWait(f.State, now),
		Items:     f.Items,
		Unread:    f.Unread,
	}
}

// writeJSONLine writes v as one line of JSON. <, > and & are written as
// they are, not as \u003c escapes: still valid JSON, and content stays
// readable to people and to grep.
func writeJSONLine(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // Encode ends the line.
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// nullString returns nil for "" so that JSON says null.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nullTime returns the time in RFC 3339 UTC, or nil for the zero time.
func nullTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// nonNil returns s, or an empty slice so that JSON says [] and not null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// relTime says how long ago (or how far ahead) t is from now, in the unit
// that reads best: "just now", "5m ago", "3h ago", "in 27m", "2d ago"; more
// than a month away, the date.
func relTime(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(d/time.Hour))
	case d < 31*24*time.Hour:
		s = fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	default:
		return t.UTC().Format("2006-01-02")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// truncate shortens s to at most n columns of display width (an East
// Asian wide character takes two), ending it with "…" when cut, and never
// inside a character made of several code points. Control characters
// become spaces so that a hostile title cannot break the table.
func truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || (r >= 0x7f && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	if uniseg.StringWidth(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		w := g.Width()
		if used+w > n-1 {
			break
		}
		b.WriteString(g.Str())
		used += w
	}
	return b.String() + "…"
}

// plural returns "1 item" or "3 items".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
