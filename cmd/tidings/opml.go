package main

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
	"tidings/store"
)

// opmlFile is an OPML document as export writes it (OPML 2.0).
type opmlFile struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Head    opmlHead    `xml:"head"`
	Body    opmlOutline `xml:"body"`
}

type opmlHead struct {
	Title       string `xml:"title,omitempty"`
	DateCreated string `xml:"dateCreated,omitempty"`
}

// opmlOutline is an <outline>: a feed when it has an xmlUrl, else a folder
// of outlines. The body element uses it too, for its children.
type opmlOutline struct {
	Text     string        `xml:"text,attr,omitempty"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Category string        `xml:"category,attr,omitempty"`
	Outlines []opmlOutline `xml:"outline"`
}

// UnmarshalXML reads an outline, matching attribute names without regard
// to case: exporters write xmlUrl, xmlURL and xmlurl alike.
func (o *opmlOutline) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for _, a := range start.Attr {
		switch strings.ToLower(a.Name.Local) {
		case "text":
			o.Text = a.Value
		case "title":
			o.Title = a.Value
		case "type":
			o.Type = a.Value
		case "xmlurl":
			o.XMLURL = a.Value
		case "htmlurl":
			o.HTMLURL = a.Value
		case "category":
			o.Category = a.Value
		}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !strings.EqualFold(t.Name.Local, "outline") {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			var child opmlOutline
			if err := d.DecodeElement(&child, &t); err != nil {
				return err
			}
			o.Outlines = append(o.Outlines, child)
		case xml.EndElement:
			return nil
		}
	}
}

// opmlResult is what readOPML found in a file.
type opmlResult struct {
	// Feeds are the outlines with an http(s) xmlUrl, in file order, with the
	// tags their folders and categories give them.
	Feeds []store.Feed
	// Invalid are the xmlUrl values that are not http(s) URLs.
	Invalid []string
	// Untagged are the folder titles and category parts that make no tag
	// (opmlTag), each once.
	Untagged []string
}

// errNoFeeds means an OPML file holds no outline with an xmlUrl.
var errNoFeeds = errors.New("no feeds in it: no outline has an xmlUrl")

// readOPML reads an OPML file: nested outlines give their titles as tags to
// the feeds inside them, and a category attribute ("a,b" or "/a/b") gives
// its parts as tags, made into tags by opmlTag; names that make no tag are
// listed in Untagged. Feed URLs are made canonical (config.CanonicalURL).
func readOPML(r io.Reader) (opmlResult, error) {
	var doc struct {
		XMLName xml.Name    `xml:"opml"`
		Body    opmlOutline `xml:"body"`
	}
	d := xml.NewDecoder(r)
	d.CharsetReader = charset.NewReaderLabel
	if err := d.Decode(&doc); err != nil {
		var syn *xml.SyntaxError
		if errors.As(err, &syn) {
			return opmlResult{}, fmt.Errorf("not valid XML: line %d: %s", syn.Line, syn.Msg)
		}
		if errors.Is(err, io.EOF) {
			return opmlResult{}, errors.New("not an OPML file: no <opml> element in it")
		}
		return opmlResult{}, fmt.Errorf("not an OPML file: %w", err)
	}
	var res opmlResult
	walkOutlines(doc.Body.Outlines, nil, &res)
	if len(res.Feeds) == 0 && len(res.Invalid) == 0 {
		return res, errNoFeeds
	}
	return res, nil
}

func walkOutlines(outlines []opmlOutline, parentTags []string, res *opmlResult) {
	for _, o := range outlines {
		name := strings.TrimSpace(o.Title)
		if name == "" {
			name = strings.TrimSpace(o.Text)
		}
		u := strings.TrimSpace(o.XMLURL)
		if u == "" {
			// A folder: its name tags every feed inside it.
			walkOutlines(o.Outlines, res.addTag(parentTags, name), res)
			continue
		}
		if canon, err := config.CanonicalURL(u); err != nil {
			res.Invalid = append(res.Invalid, u)
		} else {
			tags := slices.Clone(parentTags)
			for _, part := range strings.FieldsFunc(o.Category, func(r rune) bool { return r == ',' || r == '/' }) {
				tags = res.addTag(tags, part)
			}
			f := store.Feed{URL: canon, Tags: tags, Origin: store.OriginUser}
			if name != u {
				f.Title = name
			}
			res.Feeds = append(res.Feeds, f)
		}
		// Outlines inside a feed's outline are unusual; keep them too.
		walkOutlines(o.Outlines, parentTags, res)
	}
}

// addTag returns tags with the tag that name makes (opmlTag) added, unless
// it is there already. A name that makes no tag is noted in Untagged and
// tags returned as they are; a blank name is no folder name at all.
func (res *opmlResult) addTag(tags []string, name string) []string {
	name = strings.TrimSpace(name)
	if name == "" {
		return tags
	}
	t := opmlTag(name)
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

// opmlTag turns a folder or category name into a tag: lowercased, each run
// of characters a tag cannot hold (and of '-') made one '-', separators
// trimmed from both ends, and cut to 64 characters: "News & Politics"
// becomes "news-politics", "C++" becomes "c". It returns "" when nothing is
// left ("!!!").
func opmlTag(name string) string {
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

// writeOPML writes feeds as an OPML 2.0 document, each feed under a folder
// named after its first tag, with all its tags in its category attribute.
func writeOPML(w io.Writer, feeds []store.Feed, now time.Time) error {
	doc := opmlFile{
		Version: "2.0",
		Head:    opmlHead{Title: "tidings subscriptions", DateCreated: now.UTC().Format(time.RFC1123Z)},
	}
	var folders []string
	byFolder := map[string][]opmlOutline{}
	var loose []opmlOutline
	for _, f := range feeds {
		o := opmlOutline{
			Text:     f.Name(),
			Title:    f.Name(),
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
		doc.Body.Outlines = append(doc.Body.Outlines, opmlOutline{Text: name, Title: name, Outlines: byFolder[name]})
	}
	doc.Body.Outlines = append(doc.Body.Outlines, loose...)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
