package fetch

import (
	"bytes"
	"fmt"
	"time"

	"github.com/mmcdole/gofeed"

	"tidings/store"
)

// Parsed is a feed body turned into normalised items.
type Parsed struct {
	Title   string
	SiteURL string
	IconURL string
	// ServerDelay is the feed's own hint of how often to poll it (RSS ttl,
	// sy:updatePeriod/sy:updateFrequency); zero if none.
	ServerDelay time.Duration
	// Items in feed order, normalised: absolute URLs, sanitised content,
	// plain-text titles, UTC dates (zero Published when the feed gave none,
	// future dates clamped to now).
	Items []store.Item
}

// Parse decodes body (any encoding; contentType is the HTTP Content-Type,
// possibly empty) as RSS, Atom or JSON Feed fetched from feedURL, and
// normalises it.
//
// TEMPORARY minimal implementation; the parse work replaces it.
func Parse(body []byte, contentType, feedURL string, now time.Time) (*Parsed, error) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	p := &Parsed{Title: f.Title, SiteURL: f.Link}
	for _, it := range f.Items {
		si := store.Item{GUID: it.GUID, URL: it.Link, Title: it.Title, Content: it.Content}
		if it.PublishedParsed != nil {
			si.Published = it.PublishedParsed.UTC()
		}
		p.Items = append(p.Items, si)
	}
	return p, nil
}
