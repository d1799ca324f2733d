package fetch

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// Link is a feed advertised by an HTML page.
type Link struct {
	URL   string // absolute
	Title string
	Type  string // MIME type as given, e.g. application/atom+xml
}

// feedTypes are the link types that advertise a feed.
var feedTypes = map[string]bool{
	"application/rss+xml":    true,
	"application/atom+xml":   true,
	"application/feed+json":  true,
	"application/json":       true,
	"application/rdf+xml":    true,
	"application/x-rss+xml":  true,
	"application/x-atom+xml": true,
	"application/xml":        true,
	"text/xml":               true,
	"text/rss+xml":           true,
	"text/atom+xml":          true,
}

// DiscoverLinks returns the feeds an HTML page at pageURL advertises with
// <link rel="alternate"> (RSS, Atom, JSON Feed types), absolute, in page order,
// without duplicates.
//
// rel may hold several space-separated words and is matched without regard
// to case. hrefs resolve against the page's first <base href>, itself
// resolved against pageURL; only http and https links are returned. Titles
// are plain text. The page may be in any encoding its <meta> declares.
func DiscoverLinks(body []byte, pageURL string) []Link {
	if !utf8.Valid(body) {
		// Attribute values are all this reads; decode them the way a
		// browser would, from the page's own <meta charset> or a sniff.
		enc, _, _ := charset.DetermineEncoding(body, "text/html")
		if dec, err := enc.NewDecoder().Bytes(body); err == nil {
			body = dec
		}
	}

	type rawLink struct{ href, title, typ string }
	var (
		raws    []rawLink
		baseRef string
		gotBase bool
	)
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		switch atom.Lookup(name) {
		case atom.Base:
			// Only the first <base> with an href counts (HTML, "the
			// document base URL").
			if gotBase {
				continue
			}
			if href, ok := attrs(z)["href"]; ok {
				baseRef, gotBase = href, true
			}
		case atom.Link:
			a := attrs(z)
			if !hasWord(a["rel"], "alternate") {
				continue
			}
			typ := strings.TrimSpace(a["type"])
			mt, _, err := mime.ParseMediaType(typ)
			if err != nil || !feedTypes[mt] {
				continue
			}
			href, ok := a["href"]
			if !ok || strings.TrimSpace(href) == "" {
				continue
			}
			raws = append(raws, rawLink{href: href, title: a["title"], typ: typ})
		}
	}
	if len(raws) == 0 {
		return nil
	}

	base := parseBase(pageURL)
	if gotBase {
		if b, ok := resolveHTTP(base, baseRef); ok {
			base = parseBase(b)
		}
	}
	links := make([]Link, 0, len(raws))
	seen := make(map[string]bool, len(raws))
	for _, r := range raws {
		u, ok := resolveHTTP(base, r.href)
		if !ok || seen[u] {
			continue
		}
		seen[u] = true
		links = append(links, Link{
			URL:   strings.ToValidUTF8(u, "\uFFFD"),
			Title: plainText(r.title),
			Type:  strings.ToValidUTF8(r.typ, "\uFFFD"),
		})
	}
	if len(links) == 0 {
		return nil
	}
	return links
}

// attrs returns the current tag's attributes, lower-case keys, first value
// of each.
func attrs(z *html.Tokenizer) map[string]string {
	m := make(map[string]string, 4)
	for {
		k, v, more := z.TagAttr()
		key := string(k)
		if _, dup := m[key]; !dup {
			m[key] = string(v)
		}
		if !more {
			return m
		}
	}
}

// hasWord reports whether the space-separated list s holds w, ignoring case.
func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

// CommonFeedPaths are the paths tried, in order, on a page that advertises no
// feed.
var CommonFeedPaths = []string{"/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml", "/rss", "/feed.json"}
