// Package opml reads and writes OPML 2.0 subscription lists, the format
// feed readers import and export.
//
// Read is lenient, as exporters are: attribute names match without regard
// to case, any declared encoding is read, folders (outlines without an
// xmlUrl) and category attributes become tags, and what cannot be used is
// listed rather than refused. Write produces what Read reads back.
package opml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html/charset"

	"tidings/config"
)

// Feed is one feed outline.
type Feed struct {
	// URL is the feed's address (xmlUrl); Read returns it canonical
	// (config.CanonicalURL).
	URL string
	// Title is the name the list gives the feed; Read leaves it empty when
	// the outline's only name is its URL.
	Title string
	// SiteURL is the web site of the feed (htmlUrl), written by Write.
	SiteURL string
	// Tags are the feed's tags: on Read, its folders' names and its
	// category's parts, made tags by Tag; on Write, the first is its
	// folder and all are its category.
	Tags []string
}

// Result is what Read found in a document.
type Result struct {
	// Feeds are the outlines with an http(s) xmlUrl, in document order,
	// repeats included.
	Feeds []Feed
	// Invalid are the xmlUrl values that are not http(s) URLs.
	Invalid []string
	// Untagged are the folder names and category parts that make no tag
	// (Tag returns ""), each once.
	Untagged []string
}

// ErrNoFeeds means a document holds no outline with an xmlUrl.
var ErrNoFeeds = errors.New("no feeds in it: no outline has an xmlUrl")

// maxDepth bounds how deeply outlines may nest: real lists nest a few
// levels, and a hostile one should not cost a stack per level.
const maxDepth = 64

// Read reads an OPML document (any version: 1.0 and 2.0 lists differ in
// nothing Read uses). Nested outlines give their names as tags to the feeds
// inside them, and a category attribute ("a,b" or "/a/b") gives its parts;
// names that make no tag are listed in Untagged. A document that is not
// XML, not OPML, or has no feed in it is an error saying so.
func Read(r io.Reader) (Result, error) {
	d := xml.NewDecoder(r)
	d.CharsetReader = charset.NewReaderLabel
	var res Result
	if err := read(d, &res); err != nil {
		var syn *xml.SyntaxError
		switch {
		case errors.As(err, &syn):
			return Result{}, fmt.Errorf("not valid XML: line %d: %s", syn.Line, syn.Msg)
		case errors.Is(err, io.EOF):
			return Result{}, errors.New("not an OPML file: no <opml> element in it")
		}
		return Result{}, err
	}
	if len(res.Feeds) == 0 && len(res.Invalid) == 0 {
		return res, ErrNoFeeds
	}
	return res, nil
}

// read walks the document's tokens: the <opml> root, its <body>, and the
// outlines in it, keeping the tags each level gives the ones inside it.
func read(d *xml.Decoder, res *Result) error {
	root, err := firstElement(d)
	if err != nil {
		return err
	}
	if root.Name.Local != "opml" {
		return fmt.Errorf("not an OPML file: its root element is <%s>, not <opml>", root.Name.Local)
	}
	// stack holds, per open outline, the tags its children get; inBody
	// says whether the walk is inside <body>.
	var stack [][]string
	inBody := false
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case !inBody && t.Name.Local == "body":
				inBody = true
			case inBody && strings.EqualFold(t.Name.Local, "outline"):
				if len(stack) >= maxDepth {
					return fmt.Errorf("not a usable OPML file: outlines nested more than %d deep", maxDepth)
				}
				var parent []string
				if len(stack) > 0 {
					parent = stack[len(stack)-1]
				}
				stack = append(stack, res.outline(t, parent))
			default:
				if err := d.Skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			switch {
			case len(stack) > 0:
				stack = stack[:len(stack)-1]
			case inBody:
				// </body>: the rest of the document holds no outline.
				return nil
			default:
				// </opml> without a body.
				return nil
			}
		}
	}
}

// firstElement returns the document's root element.
func firstElement(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		if t, ok := tok.(xml.StartElement); ok {
			return t, nil
		}
	}
}

// outline records the outline t, inside outlines that gave parent as
// tags, and returns the tags its children get: a folder's name added for
// a folder, parent for a feed.
func (res *Result) outline(t xml.StartElement, parent []string) []string {
	var text, title, xmlURL, category string
	for _, a := range t.Attr {
		// Exporters write xmlUrl, xmlURL and xmlurl alike.
		switch strings.ToLower(a.Name.Local) {
		case "text":
			text = a.Value
		case "title":
			title = a.Value
		case "xmlurl":
			xmlURL = a.Value
		case "category":
			category = a.Value
		}
	}
	name := strings.TrimSpace(title)
	if name == "" {
		name = strings.TrimSpace(text)
	}
	u := strings.TrimSpace(xmlURL)
	if u == "" {
		// A folder: its name tags every feed inside it.
		return res.addTag(parent, name)
	}
	canon, err := config.CanonicalURL(u)
	if err != nil {
		res.Invalid = append(res.Invalid, u)
		return parent
	}
	tags := slices.Clone(parent)
	for _, part := range strings.FieldsFunc(category, func(r rune) bool { return r == ',' || r == '/' }) {
		tags = res.addTag(tags, part)
	}
	f := Feed{URL: canon, Tags: tags}
	if name != u {
		f.Title = name
	}
	res.Feeds = append(res.Feeds, f)
	// Outlines inside a feed's outline are unusual; they keep the
	// folders' tags.
	return parent
}

// addTag returns tags with the tag that name makes (Tag) added, unless it
// is there already. A name that makes no tag is noted in Untagged and tags
// returned as they are; a blank name is no folder name at all.
func (res *Result) addTag(tags []string, name string) []string {
	name = strings.TrimSpace(name)
	if name == "" {
		return tags
	}
	t := Tag(name)
	if t == "" {
		if !slices.Contains(res.Untagged, name) {
			res.Untagged = append(res.Untagged, name)
		}
		return tags
	}
	if slices.Contains(tags, t) {
		return tags
	}
	return append(slices.Clone(tags), t)
}

// maxTagRunes is the longest tag config.ValidTag accepts.
const maxTagRunes = 64

// Tag turns a folder or category name into a tag: lowercased, each run of
// characters a tag cannot hold (and of '-') made one '-', separators
// trimmed from both ends, and cut to 64 characters: "News & Politics"
// becomes "news-politics", "C++" becomes "c". It returns "" when nothing is
// left ("!!!").
func Tag(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_./", r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	t := strings.Trim(b.String(), "-_./")
	if r := []rune(t); len(r) > maxTagRunes {
		t = strings.Trim(string(r[:maxTagRunes]), "-_./")
	}
	if !config.ValidTag(t) {
		return ""
	}
	return t
}

// document is an OPML document as Write writes it (OPML 2.0).
type document struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    head     `xml:"head"`
	Body    outline  `xml:"body"`
}

type head struct {
	Title       string `xml:"title,omitempty"`
	DateCreated string `xml:"dateCreated,omitempty"`
}

// outline is an <outline>: a feed when it has an xmlUrl, else a folder of
// outlines. The body element uses it too, for its children.
type outline struct {
	Text     string    `xml:"text,attr,omitempty"`
	Title    string    `xml:"title,attr,omitempty"`
	Type     string    `xml:"type,attr,omitempty"`
	XMLURL   string    `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string    `xml:"htmlUrl,attr,omitempty"`
	Category string    `xml:"category,attr,omitempty"`
	Outlines []outline `xml:"outline"`
}

// Write writes feeds as an OPML 2.0 document titled title, created at
// now: each feed under a folder named after its first tag (folders sorted
// by name, then the feeds without tags), with all its tags in its category
// attribute. A feed without a Title is named by its URL.
func Write(w io.Writer, title string, feeds []Feed, now time.Time) error {
	doc := document{
		Version: "2.0",
		Head:    head{Title: title, DateCreated: now.UTC().Format(time.RFC1123Z)},
	}
	var folders []string
	byFolder := map[string][]outline{}
	var loose []outline
	for _, f := range feeds {
		name := f.Title
		if name == "" {
			name = f.URL
		}
		o := outline{
			Text:     name,
			Title:    name,
			Type:     "rss",
			XMLURL:   f.URL,
			HTMLURL:  f.SiteURL,
			Category: strings.Join(f.Tags, ","),
		}
		if len(f.Tags) == 0 {
			loose = append(loose, o)
			continue
		}
		first := f.Tags[0]
		if _, ok := byFolder[first]; !ok {
			folders = append(folders, first)
		}
		byFolder[first] = append(byFolder[first], o)
	}
	slices.Sort(folders)
	for _, name := range folders {
		doc.Body.Outlines = append(doc.Body.Outlines, outline{Text: name, Title: name, Outlines: byFolder[name]})
	}
	doc.Body.Outlines = append(doc.Body.Outlines, loose...)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	return nil
}
