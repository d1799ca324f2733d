package ui

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/html"

	"tidings/reader"
	"tidings/store"
)

// itemView is an item as its pane shows it.
type itemView struct {
	ID         int64
	Title      string
	Link       string
	Feed       string
	FeedURL    string
	Author     string
	Published  time.Time
	Tags       []string
	Content    template.HTML
	Enclosures []enclosure
	Read       bool
	Starred    bool
	PrevURL    string
	NextURL    string
	ListURL    string
}

// enclosure is a media file of an item, with the player it gets.
type enclosure struct {
	URL    string
	Type   string
	Player string // "audio", "video", or "" for a plain link
	Size   string
}

// itemPage is /item/{id}: the item, beside the list it was opened from
// (the query says which: from, feed, tag, q, at). Opening it marks it read
// when the user's settings say so.
func (h *handler) itemPage(c *call) error {
	id, err := c.pathID("id")
	if err != nil {
		return err
	}
	lp, err := parseList(c.req, "")
	if err != nil {
		return err
	}
	if err := h.loadPrefs(c); err != nil {
		return err
	}
	lpg, err := h.listView(c, lp, id)
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "list", lpg)
	return nil
}

// openItem marks the item read (per the settings) after its list was
// loaded, so that it still shows in an unread list, and finds its
// neighbours in that list.
func (h *handler) openItem(c *call, lp listParams, it store.Item, items []store.Item, next string) (*itemView, error) {
	opened, err := h.r.Open(c.ctx, c.user.ID, it.ID, c.prefs.MarkOnOpen)
	if err != nil {
		return nil, err
	}
	iv := &itemView{ID: opened.ID, Title: displayTitle(opened.Title), Link: opened.URL, Feed: opened.FeedTitle,
		FeedURL: opened.FeedURL, Author: opened.Author, Published: opened.Published, Tags: opened.Tags,
		// Content was sanitised when it was stored (fetch), and the
		// page's Content-Security-Policy runs no script whatever it holds.
		Content: template.HTML(dropMeta(opened.Content)), Read: opened.Read, Starred: opened.Starred, ListURL: lp.URL()}
	if iv.Feed == "" {
		iv.Feed = opened.FeedURL
	}
	// The whole article, when the feed asks for them (or `tidings show
	// --full` fetched it), reads better than the feed's summary.
	if a, err := h.r.StoredArticle(c.ctx, c.user.ID, opened.ID); err == nil && a.Content != "" {
		iv.Content = template.HTML(dropMeta(a.Content))
	} else if err != nil && !errors.Is(err, reader.ErrNoArticle) {
		return nil, err
	}
	for _, e := range opened.Enclosures {
		iv.Enclosures = append(iv.Enclosures, enclosure{URL: e.URL, Type: e.Type, Player: player(e), Size: size(e.Length)})
	}
	for i, li := range items {
		if li.ID != it.ID {
			continue
		}
		if i > 0 {
			iv.PrevURL = lp.itemURL(items[i-1].ID)
		}
		if i+1 < len(items) {
			iv.NextURL = lp.itemURL(items[i+1].ID)
		} else if next != "" {
			q := lp.query(c.prefs)
			q.Cursor, q.Limit = next, 1
			if more, _, err := h.r.Items(c.ctx, c.user.ID, q); err == nil && len(more) > 0 {
				nlp := lp
				nlp.At = next
				iv.NextURL = nlp.itemURL(more[0].ID)
			}
		}
	}
	return iv, nil
}

// player is the HTML player of an enclosure: by its type, else by the
// extension of its URL.
func player(e store.Enclosure) string {
	t := strings.ToLower(e.Type)
	switch {
	case strings.HasPrefix(t, "audio/"):
		return "audio"
	case strings.HasPrefix(t, "video/"):
		return "video"
	case t != "" && t != "application/octet-stream":
		return ""
	}
	p := strings.ToLower(e.URL)
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	for _, ext := range []string{".mp3", ".m4a", ".ogg", ".oga", ".opus", ".aac", ".wav", ".flac"} {
		if strings.HasSuffix(p, ext) {
			return "audio"
		}
	}
	for _, ext := range []string{".mp4", ".m4v", ".webm", ".ogv", ".mov"} {
		if strings.HasSuffix(p, ext) {
			return "video"
		}
	}
	return ""
}

// size says a length in bytes for people: "12 MB".
func size(n int64) string {
	switch {
	case n <= 0:
		return ""
	case n < 1000:
		return itoa(n) + " B"
	case n < 1000*1000:
		return itoa(n/1000) + " kB"
	case n < 1000*1000*1000:
		return itoa(n/1000/1000) + " MB"
	}
	return itoa(n/1000/1000/1000) + " GB"
}

// dropMeta removes the <meta> tags of stored content, as they were
// written otherwise. The sanitiser of fetch removes them already; but a
// <meta http-equiv="refresh"> it missed would take the reader to another
// site, and that is the one thing the Content-Security-Policy cannot stop.
func dropMeta(content string) string {
	if !strings.Contains(strings.ToLower(content), "<meta") {
		return content
	}
	z := html.NewTokenizer(strings.NewReader(content))
	var b strings.Builder
	b.Grow(len(content))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			if name, _ := z.TagName(); string(name) == "meta" {
				continue
			}
		}
		b.Write(z.Raw())
	}
}
