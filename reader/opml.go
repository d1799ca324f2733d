package reader

import (
	"context"
	"fmt"
	"io"
	"slices"

	"tidings/opml"
	"tidings/store"
)

// Imported is what Import did.
type Imported struct {
	// Added are the feeds subscribed to, Skipped those the user subscribes
	// to already or that the document repeats, by URL.
	Added   []string
	Skipped []string
	// Invalid are the xmlUrl values that are not http(s) URLs; Untagged the
	// folder and category names that make no tag (see opml.Read).
	Invalid  []string
	Untagged []string
}

// Import subscribes the user to every feed of an OPML document, all in one
// step: all are added, or none. Folders and categories become tags, and
// every feed gets extraTags too. A document that is not OPML, or has no
// feed, changes nothing; its error says why.
func (r *Reader) Import(ctx context.Context, userID int64, doc io.Reader, extraTags []string) (Imported, error) {
	extra, err := Tags(extraTags)
	if err != nil {
		return Imported{}, err
	}
	res, err := opml.Read(doc)
	if err != nil {
		return Imported{}, err
	}
	subs := make([]store.Subscription, 0, len(res.Feeds))
	for _, f := range res.Feeds {
		tags := f.Tags
		for _, t := range extra {
			if !slices.Contains(tags, t) {
				tags = append(slices.Clone(tags), t)
			}
		}
		subs = append(subs, store.Subscription{
			Feed:   store.Feed{URL: f.URL, Title: f.Title},
			Tags:   tags,
			Origin: store.OriginUser,
		})
	}
	out := Imported{Invalid: res.Invalid, Untagged: res.Untagged}
	if len(subs) == 0 {
		return out, nil
	}
	done, err := r.st.ImportFeeds(ctx, userID, subs)
	if err != nil {
		return out, fmt.Errorf("nothing was added: %w", err)
	}
	out.Added, out.Skipped = done.Added, done.Skipped
	return out, nil
}

// Export writes the user's subscriptions as an OPML 2.0 document: each
// feed in a folder named after its first tag, all its tags in its
// category. Import reads it back to the same feeds and tags.
func (r *Reader) Export(ctx context.Context, userID int64, w io.Writer) error {
	subs, err := r.st.Subscriptions(ctx, userID, false)
	if err != nil {
		return fmt.Errorf("list subscriptions: %w", err)
	}
	feeds := make([]opml.Feed, len(subs))
	for i, s := range subs {
		title := s.UserTitle
		if title == "" {
			title = s.Title
		}
		feeds[i] = opml.Feed{URL: s.URL, Title: title, SiteURL: s.SiteURL, Tags: s.Tags}
	}
	return opml.Write(w, "tidings subscriptions", feeds, r.now())
}
