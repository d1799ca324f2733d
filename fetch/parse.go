package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	gojson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

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
	// UnreadableDates counts the items that gave a date tidings could
	// not read (or did not believe: before 1970-01-02, after year 9999);
	// they keep the time first seen.
	UnreadableDates int
	// Items in feed order, normalised: absolute URLs, sanitised content,
	// plain-text titles, UTC dates (zero Published when the feed gave none,
	// future dates clamped to now).
	Items []store.Item
}

// Errors Parse returns besides ErrNotFeed, checked with errors.Is. For a
// body that is not a feed at all, Parse returns a *NotFeedError, which
// matches ErrNotFeed.
var (
	// ErrHTMLPage means the body is an HTML page: a website whose feeds
	// DiscoverLinks may find. errors.Is(err, ErrNotFeed) holds too.
	ErrHTMLPage = errors.New("an HTML page")
	// ErrMalformed means the body is a feed that cannot be read: broken XML
	// or JSON.
	ErrMalformed = errors.New("malformed feed")
)

// NotFeedError is the error for a body that is not a feed. It matches
// ErrNotFeed, and ErrHTMLPage when Looks is "html".
type NotFeedError struct {
	// Looks is what the body looks like: "empty", "html", "json", "xml",
	// "image", or another media type as sniffed.
	Looks string
	msg   string
}

func (e *NotFeedError) Error() string { return e.msg }

// Is reports whether target is ErrNotFeed, or ErrHTMLPage for an HTML body.
func (e *NotFeedError) Is(target error) bool {
	return target == ErrNotFeed || (target == ErrHTMLPage && e.Looks == "html")
}

// Parse decodes body (any encoding; contentType is the HTTP Content-Type,
// possibly empty) as RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed 1.0/1.1
// fetched from feedURL, and normalises it: every string valid UTF-8, titles
// plain text, content sanitised HTML, every URL absolute http(s), dates UTC
// and not after now.
//
// A body that is not a feed gives a *NotFeedError (errors.Is ErrNotFeed);
// a feed that cannot be read gives an error matching ErrMalformed. Both
// messages are written for the user. Parse is safe for concurrent use.
func Parse(body []byte, contentType, feedURL string, now time.Time) (*Parsed, error) {
	return parseWith(body, contentType, feedURL, now, defaultSanitizer())
}

// parseWith is Parse with the sanitizer given.
func parseWith(body []byte, contentType, feedURL string, now time.Time, san *sanitizer) (*Parsed, error) {
	if err := rejectNonText(body); err != nil {
		return nil, err
	}
	text, _ := decodeBody(body, contentType)

	f, err := parseFeed(text)
	if err != nil {
		return nil, parseError(text, err)
	}
	if jf, ok := f.OriginalFeed().(*gojson.Feed); ok && !isJSONFeed(jf) {
		return nil, &NotFeedError{Looks: "json",
			msg: "the server sent JSON that is not a JSON Feed (no jsonfeed.org version); check the feed URL"}
	}
	p := normalize(f, feedURL, now, san)
	if f.FeedType == "atom" {
		applyAtomCreated(p, text, now)
	}
	return p, nil
}

// newFeedParser returns a gofeed parser for one parse. It keeps the
// format-specific feed (for RSS ttl, Atom icon, JSON Feed content_text) and
// skips gofeed's per-item HTML scan for a first image, which tidings does
// not use and which costs a full HTML parse of every item. Making one costs
// about 12 ns (BenchmarkNewFeedParser) against about 1.5 ms to parse a
// 20-item feed, so a pool would not pay for itself.
func newFeedParser() *gofeed.Parser {
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return p
}

// parseFeed runs gofeed over text, and when that fails, or finds no items
// in a body that has some, tries again on a mended copy: the RSS or Atom
// document inside an HTML wrapper, or the XML with unclosed elements closed
// (see repairXML). It returns gofeed's first error when mending does not
// help.
func parseFeed(text []byte) (*gofeed.Feed, error) {
	f, err := parseRepairing(text)
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		if emb := embeddedFeed(text); emb != nil {
			if f2, err2 := parseRepairing(emb); err2 == nil {
				return f2, nil
			}
		}
	}
	return f, err
}

// parseRepairing is gofeed's parse, retried once on repairXML's mended copy
// when it fails on XML or finds no items where there are some.
func parseRepairing(text []byte) (*gofeed.Feed, error) {
	f, err := newFeedParser().Parse(bytes.NewReader(text))
	switch {
	case err == nil && (len(f.Items) > 0 || f.FeedType == "json" || !hasItemTags(text)):
		return f, nil
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected), err != nil && looksLikeJSON(text):
		return nil, err
	}
	fixed := repairXML(text)
	if fixed == nil {
		return f, err
	}
	f2, err2 := newFeedParser().Parse(bytes.NewReader(fixed))
	if err2 != nil || (f != nil && len(f2.Items) <= len(f.Items)) {
		return f, err
	}
	return f2, nil
}

// hasItemTags reports whether text holds an RSS item or Atom entry start tag.
func hasItemTags(text []byte) bool {
	return indexStartTag(text, "item") >= 0 || indexStartTag(text, "entry") >= 0
}

// rejectNonText refuses bodies that no decoding can make a feed: empty ones
// and binary formats.
func rejectNonText(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &NotFeedError{Looks: "empty", msg: "the server sent an empty body, not a feed; check the feed URL"}
	}
	ct := http.DetectContentType(firstBytes(body, 512))
	mt, _, _ := strings.Cut(ct, ";")
	switch {
	case strings.HasPrefix(mt, "image/"), strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"),
		strings.HasPrefix(mt, "font/"), mt == "application/pdf", mt == "application/zip",
		mt == "application/x-gzip", mt == "application/wasm", mt == "application/x-rar-compressed",
		mt == "application/vnd.ms-fontobject", mt == "application/postscript":
		looks := mt
		if strings.HasPrefix(mt, "image/") {
			looks = "image"
		}
		return &NotFeedError{Looks: looks,
			msg: fmt.Sprintf("the server sent %s (%s), not a feed; check the feed URL", article(mt), mt)}
	}
	return nil
}

func article(mt string) string {
	switch {
	case strings.HasPrefix(mt, "image/"):
		return "an image"
	case strings.HasPrefix(mt, "audio/"):
		return "an audio file"
	case strings.HasPrefix(mt, "video/"):
		return "a video"
	case strings.HasPrefix(mt, "font/"):
		return "a font"
	}
	return "a binary file"
}

// parseError turns gofeed's error into one that says what the body is and
// what to do.
func parseError(text []byte, err error) error {
	if !errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		if looksLikeJSON(text) {
			return fmt.Errorf("%w: the feed is not valid JSON (%v); its publisher must fix it", ErrMalformed, err)
		}
		return fmt.Errorf("%w: the feed is not well-formed XML (%v); its publisher must fix it", ErrMalformed, err)
	}
	t := bytes.TrimLeft(text, " \t\r\n")
	if len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		return &NotFeedError{Looks: "json",
			msg: "the server sent JSON that is not a JSON Feed; check the feed URL"}
	}
	root := xmlRoot(t)
	switch {
	case root == "html" || isHTML(t):
		return &NotFeedError{Looks: "html",
			msg: "the server sent an HTML page, not a feed; if this is a website, subscribe to it to find its feed"}
	case root != "":
		return &NotFeedError{Looks: "xml",
			msg: fmt.Sprintf("the server sent an XML document with root <%s>, not RSS or Atom; check the feed URL", root)}
	}
	mt, _, _ := strings.Cut(http.DetectContentType(firstBytes(text, 512)), ";")
	return &NotFeedError{Looks: mt,
		msg: fmt.Sprintf("the server sent %s, not a feed; check the feed URL", describeMediaType(mt))}
}

func describeMediaType(mt string) string {
	if mt == "text/plain" {
		return "plain text"
	}
	return "a document of type " + mt
}

// xmlRoot returns the lower-cased local name of the first element, skipping
// the XML declaration, processing instructions, comments and a doctype;
// "" when the body does not start like markup.
func xmlRoot(b []byte) string {
	b = firstBytes(b, 8192)
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return ""
			}
			b = b[i+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b, []byte("-->"))
			if i < 0 {
				return ""
			}
			b = b[i+3:]
		case bytes.HasPrefix(b, []byte("<!")):
			i := bytes.IndexByte(b, '>')
			if i < 0 {
				return ""
			}
			b = b[i+1:]
		case bytes.HasPrefix(b, []byte("<")):
			b = b[1:]
			end := bytes.IndexAny(b, " \t\r\n/>")
			if end < 0 {
				end = len(b)
			}
			name := string(b[:end])
			if _, local, ok := strings.Cut(name, ":"); ok {
				name = local
			}
			return strings.ToLower(name)
		default:
			return ""
		}
	}
}

// isHTML reports whether the start of b is an HTML document even when it
// does not open with <html>.
func isHTML(b []byte) bool {
	head := bytes.ToLower(firstBytes(b, 1024))
	for _, s := range []string{"<!doctype html", "<html", "<head", "<body", "<meta ", "<title>", "<script"} {
		if bytes.Contains(head, []byte(s)) {
			return true
		}
	}
	return false
}

// isJSONFeed tells a JSON Feed from other JSON that starts with '{'.
func isJSONFeed(f *gojson.Feed) bool {
	if strings.Contains(f.Version, "jsonfeed.org/version/") {
		return true
	}
	// Lenient: a feed without its version but with a title and items.
	return f.Version == "" && f.Title != "" && f.Items != nil
}

// normalize turns gofeed's feed into Parsed.
func normalize(f *gofeed.Feed, feedURL string, now time.Time, san *sanitizer) *Parsed {
	feedBase := parseBase(feedURL)
	p := &Parsed{Title: plainText(f.Title)}
	if u, ok := resolveHTTP(feedBase, f.Link); ok {
		p.SiteURL = u
	}

	var ttl string
	var rssItems []*rss.Item
	var jsonItems []*gojson.Item
	icons := make([]string, 0, 3)
	switch orig := f.OriginalFeed().(type) {
	case *rss.Feed:
		ttl = orig.TTL
		rssItems = orig.Items
	case *atom.Feed:
		// The icon is the small square image meant for lists; the logo
		// is a banner.
		icons = append(icons, orig.Icon, orig.Logo)
	case *gojson.Feed:
		icons = append(icons, orig.Favicon, orig.Icon)
		jsonItems = orig.Items
	}
	if f.Image != nil {
		icons = append(icons, f.Image.URL)
	}
	if f.ITunesExt != nil {
		icons = append(icons, f.ITunesExt.Image)
	}
	for _, ic := range icons {
		if u, ok := resolveHTTP(feedBase, ic); ok {
			p.IconURL = u
			break
		}
	}
	p.ServerDelay = serverDelay(ttl, f)

	// Atom and JSON Feed items without an author inherit the feed's (RFC
	// 4287 4.2.1; JSON Feed, author). RSS has no such rule.
	var feedAuthor string
	if f.FeedType == "atom" || f.FeedType == "json" {
		feedAuthor = author(&gofeed.Item{Authors: f.Authors, Author: f.Author})
	}

	p.Items = make([]store.Item, 0, len(f.Items))
	for i, it := range f.Items {
		if it == nil {
			continue
		}
		var ri *rss.Item
		if i < len(rssItems) {
			ri = rssItems[i]
		}
		var ji *gojson.Item
		if i < len(jsonItems) {
			ji = jsonItems[i]
		}
		si := normalizeItem(it, ri, ji, feedBase, now, san)
		if si.Published.IsZero() && si.Updated.IsZero() && hasDateText(it) {
			p.UnreadableDates++
		}
		if si.Author == "" {
			si.Author = feedAuthor
		}
		p.Items = append(p.Items, si)
	}
	return p
}

// normalizeItem turns one gofeed item into a store.Item. ri and ji are the
// format-specific item when the feed is RSS or JSON Feed.
func normalizeItem(it *gofeed.Item, ri *rss.Item, ji *gojson.Item, feedBase *url.URL, now time.Time, san *sanitizer) store.Item {
	si := store.Item{
		GUID:       strings.TrimSpace(it.GUID),
		Title:      plainText(it.Title),
		Author:     author(it),
		Categories: categories(it.Categories),
		Published:  itemDate(it.PublishedParsed, it.Published, now),
		Updated:    itemDate(it.UpdatedParsed, it.Updated, now),
	}
	if si.Published.IsZero() && si.Updated.IsZero() {
		// Dublin Core terms, which gofeed leaves in the extensions.
		si.Published = itemDate(nil, extensionDate(it, "dcterms", "issued", "created", "date", "available"), now)
		si.Updated = itemDate(nil, extensionDate(it, "dcterms", "modified"), now)
	}
	si.URL = itemLink(it, ri, ji, feedBase)

	// Relative URLs in the item resolve against its own page when it has
	// one (gofeed has already applied any xml:base), else the feed's URL.
	base := &lazyBase{raw: si.URL, fallback: feedBase}
	si.Enclosures = enclosures(it.Enclosures, base)
	si.Content = san.sanitize(itemHTML(it, ji), base)
	return si
}

// extensionDate is the text of the first of the named elements of
// extension prefix in it.
func extensionDate(it *gofeed.Item, prefix string, names ...string) string {
	exts := it.Extensions[prefix]
	if exts == nil {
		return ""
	}
	for _, n := range names {
		if v := extValue(exts[n]); v != "" {
			return v
		}
	}
	return ""
}

// hasDateText reports whether it carries a date, read or not.
func hasDateText(it *gofeed.Item) bool {
	return strings.TrimSpace(it.Published) != "" || strings.TrimSpace(it.Updated) != "" ||
		extensionDate(it, "dcterms", "issued", "created", "date", "available", "modified") != ""
}

// itemLink picks the item's web page: its link, its other links, an RSS
// guid that is a permalink, a JSON Feed external_url; the first that
// resolves to http(s) wins.
func itemLink(it *gofeed.Item, ri *rss.Item, ji *gojson.Item, base *url.URL) string {
	if u, ok := resolveHTTP(base, it.Link); ok {
		return u
	}
	for _, l := range it.Links {
		if u, ok := resolveHTTP(base, l); ok {
			return u
		}
	}
	if ri != nil && ri.GUID != nil && !strings.EqualFold(strings.TrimSpace(ri.GUID.IsPermalink), "false") {
		// An RSS guid is a permalink unless it says otherwise; only an
		// absolute one is taken, since a relative guid is rarely a path.
		if g := strings.TrimSpace(ri.GUID.Value); strings.HasPrefix(g, "http://") || strings.HasPrefix(g, "https://") {
			if u, ok := resolveHTTP(nil, g); ok {
				return u
			}
		}
	}
	if ji != nil {
		if u, ok := resolveHTTP(base, ji.ExternalURL); ok {
			return u
		}
	}
	if ri != nil {
		// An Atom <link> inside an RSS item, under whatever prefix the
		// feed bound the Atom namespace to.
		prefixes := make([]string, 0, len(it.Extensions))
		for p := range it.Extensions {
			prefixes = append(prefixes, p)
		}
		sort.Strings(prefixes)
		for _, p := range prefixes {
			for _, l := range it.Extensions[p]["link"] {
				if rel := l.Attrs["rel"]; rel != "" && rel != "alternate" {
					continue
				}
				if u, ok := resolveHTTP(base, l.Attrs["href"]); ok {
					return u
				}
			}
		}
	}
	return ""
}

// itemHTML returns the item's body as HTML: the richest of the elements
// feeds put it in (content:encoded or Atom content, description or
// summary, xhtml:body, body, fullitem, media:description, the iTunes
// summary; JSON Feed content_html, content_text, summary), plain-text
// ones escaped. Richest means the most text; one later in that order
// wins only with a fifth more. A media:group's thumbnail (a YouTube channel feed) is shown
// above a body that has no image of its own.
func itemHTML(it *gofeed.Item, ji *gojson.Item) string {
	if ji != nil {
		switch {
		case strings.TrimSpace(ji.ContentHTML) != "":
			return ji.ContentHTML
		case strings.TrimSpace(ji.ContentText) != "":
			return textToHTML(ji.ContentText)
		}
		return textToHTML(ji.Summary)
	}
	// The common case, one body or a full one beside a shorter summary,
	// costs no text measure.
	if len(it.Content) > 0 && len(it.Content) >= len(it.Description) && len(it.Extensions) == 0 && it.ITunesExt == nil {
		return it.Content
	}
	best, bestLen := "", 0
	consider := func(h string) {
		if strings.TrimSpace(h) == "" {
			return
		}
		n := len(h)
		if strings.IndexByte(h, '<') >= 0 {
			n = len(plainText(h))
		}
		// A later element must have clearly more text: a summary of the
		// same length is the body without its markup.
		if n > bestLen+bestLen/5 || best == "" {
			best, bestLen = h, n
		}
	}
	consider(it.Content)
	consider(it.Description)
	for _, prefix := range []string{"xhtml", "body"} {
		if exts := it.Extensions[prefix]; exts != nil {
			consider(extHTML(exts["body"]))
		}
	}
	for _, exts := range it.Extensions {
		if v := extValue(exts["fullitem"]); v != "" {
			consider(v)
		}
	}
	var thumb string
	if media := it.Extensions["media"]; media != nil {
		for _, g := range media["group"] {
			if d := extValue(g.Children["description"]); d != "" {
				consider(textToHTML(d))
			}
			if th := g.Children["thumbnail"]; len(th) > 0 && thumb == "" {
				thumb = th[0].Attrs["url"]
			}
		}
		if d := extValue(media["description"]); d != "" {
			consider(textToHTML(d))
		}
		if th := media["thumbnail"]; len(th) > 0 && thumb == "" {
			thumb = th[0].Attrs["url"]
		}
	}
	if it.ITunesExt != nil {
		consider(textToHTML(it.ITunesExt.Summary))
	}
	if thumb != "" && !strings.Contains(strings.ToLower(best), "<img") {
		best = `<p><img src="` + html.EscapeString(thumb) + `"></p>` + best
	}
	return best
}

// extHTML renders an extension element's children back to markup (an
// inline xhtml:body), or its text when it has none.
func extHTML(exts []ext.Extension) string {
	if len(exts) == 0 {
		return ""
	}
	var b strings.Builder
	var write func(e ext.Extension)
	write = func(e ext.Extension) {
		b.WriteString(html.EscapeString(e.Value))
		for name, kids := range e.Children {
			for _, k := range kids {
				b.WriteString("<" + name + ">")
				write(k)
				b.WriteString("</" + name + ">")
			}
		}
	}
	write(exts[0])
	return b.String()
}
