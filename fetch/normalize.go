package fetch

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/idna"

	"tidings/store"
)

// maxServerDelay bounds a feed's own polling hint, so that absurd values
// cannot overflow a Duration; the scheduler applies its own, lower cap.
const maxServerDelay = 365 * 24 * time.Hour

// resolveHTTP resolves raw against base (which may be nil) and returns the
// absolute URL if its scheme, checked after resolving, is http or https and
// it has a host. Protocol-relative URLs take base's scheme.
func resolveHTTP(base *url.URL, raw string) (string, bool) {
	return resolveWith(raw, func() *url.URL { return base })
}

// lazyBase is a base URL parsed only when a relative URL needs it: most
// items' URLs are absolute, and parsing each item's link as a base would
// cost more than everything else done with it.
type lazyBase struct {
	raw      string
	fallback *url.URL // used when raw is not an absolute http(s) URL
	u        *url.URL
	done     bool
}

// get returns the parsed base, or the fallback; nil for a nil receiver.
func (b *lazyBase) get() *url.URL {
	if b == nil {
		return nil
	}
	if !b.done {
		b.done = true
		if b.u = parseBase(b.raw); b.u == nil {
			b.u = b.fallback
		}
	}
	return b.u
}

// resolve is resolveHTTP against the lazily parsed base.
func (b *lazyBase) resolve(raw string) (string, bool) {
	return resolveWith(raw, b.get)
}

func resolveWith(raw string, base func() *url.URL) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", false
	}
	ref, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	abs := ref
	if !ref.IsAbs() {
		b := base()
		if b == nil {
			return "", false
		}
		abs = b.ResolveReference(ref)
	}
	if (abs.Scheme != "http" && abs.Scheme != "https") || abs.Host == "" {
		return "", false
	}
	if !isASCII(abs.Host) || !isASCII(abs.RawQuery) {
		if !browserASCII(abs) {
			return "", false
		}
	}
	return abs.String(), true
}

// browserASCII writes u's host and query the way a browser sends them:
// an internationalised host name in its ASCII (punycode) form, and the
// query's non-ASCII characters percent-encoded as UTF-8 (the path and
// fragment url.URL.String already encodes). It reports false for a host
// that is no valid name.
func browserASCII(u *url.URL) bool {
	if !isASCII(u.Host) {
		host, port := u.Hostname(), u.Port()
		a, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return false
		}
		u.Host = a
		if port != "" {
			u.Host += ":" + port
		}
	}
	if !isASCII(u.RawQuery) {
		var b strings.Builder
		for i := 0; i < len(u.RawQuery); i++ {
			if c := u.RawQuery[i]; c >= utf8.RuneSelf {
				fmt.Fprintf(&b, "%%%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
		u.RawQuery = b.String()
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// parseBase parses raw as an absolute http(s) URL to resolve others against;
// nil when it is not one.
func parseBase(raw string) *url.URL {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	return u
}

// plainText reduces s to plain text: entities decoded, markup reduced to
// the text a browser shows of it (nothing from script or style; the
// fallback of noscript), control characters dropped and whitespace
// collapsed to single spaces.
func plainText(s string) string {
	if s == "" {
		return ""
	}
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		return collapseSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	writePlainText(&b, s, 0)
	return collapseSpace(b.String())
}

// writePlainText writes the text of markup s to b; depth counts the
// noscript contents being read as markup.
func writePlainText(b *strings.Builder, s string, depth int) {
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	noscript := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return
		case html.TextToken:
			switch {
			case noscript && depth < maxRewriteDepth:
				// Raw text to the tokenizer, markup to a reader that
				// runs no script.
				writePlainText(b, string(z.Text()), depth+1)
			case skip == 0:
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Noscript:
				noscript = tt == html.StartTagToken
			case atom.Script, atom.Style, atom.Title, atom.Textarea, atom.Iframe, atom.Noembed, atom.Noframes, atom.Xmp:
				// The tokenizer reads their contents as raw text.
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Br, atom.P, atom.Div, atom.Li, atom.Td, atom.Th, atom.Tr, atom.H1, atom.H2,
				atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Hr, atom.Center, atom.Marquee:
				b.WriteByte(' ')
			}
		}
	}
}

// collapseSpace trims s, turns every run of whitespace into one space and
// drops control characters and invalid UTF-8.
func collapseSpace(s string) string {
	clean := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c == 0x7f || c >= utf8.RuneSelf {
			clean = false
			break
		}
		if c == ' ' {
			if prevSpace {
				clean = false
				break
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
	}
	if clean && !prevSpace {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			r = '\uFFFD'
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' ||
			r == '\u00a0' || r == '\u2028' || r == '\u2029' || r == '\u3000' || (r >= '\u2000' && r <= '\u200a'):
			pending = b.Len() > 0
			continue
		case r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0):
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// itemDate returns the parsed date gofeed gave, else a second-chance parse
// of the raw string, in UTC and no later than now; zero when neither works.
func itemDate(parsed *time.Time, raw string, now time.Time) time.Time {
	var t time.Time
	switch {
	case parsed != nil && !parsed.IsZero():
		t = *parsed
		if hasZoneGofeedMisreads(raw) {
			if t2, ok := parseDate(raw); ok {
				t = t2
			}
		}
	case raw != "":
		var ok bool
		if t, ok = parseDate(raw); !ok {
			return time.Time{}
		}
	default:
		return time.Time{}
	}
	t = t.UTC()
	if t.Before(minItemDate) || t.Year() > maxItemYear {
		return time.Time{}
	}
	if !now.IsZero() && t.After(now) {
		return now.UTC()
	}
	return t
}

// author returns the first author's name, or their e-mail when there is no
// name, as plain text.
func author(it *gofeed.Item) string {
	people := it.Authors
	if len(people) == 0 && it.Author != nil {
		people = []*gofeed.Person{it.Author}
	}
	for _, p := range people {
		if p == nil {
			continue
		}
		if n := plainText(p.Name); n != "" {
			return n
		}
		if e := plainText(p.Email); e != "" {
			return e
		}
	}
	if it.DublinCoreExt != nil {
		for _, c := range it.DublinCoreExt.Creator {
			if n := plainText(c); n != "" {
				return n
			}
		}
	}
	return ""
}

// maxCategories bounds the categories kept per item: a hostile feed could
// otherwise attach millions to each item.
const maxCategories = 100

// categories returns the item's categories as plain text, trimmed, without
// empty ones or repeats (compared case-insensitively), in feed order, at most
// maxCategories of them.
func categories(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, min(len(in), maxCategories))
	seen := make(map[string]struct{}, min(len(in), maxCategories))
	for _, c := range in {
		c = plainText(c)
		if c == "" {
			continue
		}
		key := strings.ToLower(c)
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		out = append(out, c)
		if len(out) == maxCategories {
			break
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// maxEnclosures bounds the enclosures kept per item.
const maxEnclosures = 50

// enclosures returns the item's enclosures with absolute http(s) URLs,
// without repeats, at most maxEnclosures; a length that is not a
// non-negative integer becomes 0.
func enclosures(in []*gofeed.Enclosure, base *lazyBase) []store.Enclosure {
	if len(in) == 0 {
		return nil
	}
	out := make([]store.Enclosure, 0, min(len(in), maxEnclosures))
	seen := make(map[string]struct{}, min(len(in), maxEnclosures))
	for _, e := range in {
		if e == nil {
			continue
		}
		u, ok := base.resolve(e.URL)
		if !ok {
			continue
		}
		if _, dup := seen[u]; dup {
			continue
		}
		seen[u] = struct{}{}
		if len(out) == maxEnclosures {
			break
		}
		n, err := strconv.ParseInt(strings.TrimSpace(e.Length), 10, 64)
		if err != nil || n < 0 {
			n = 0
		}
		out = append(out, store.Enclosure{URL: u, Type: collapseSpace(e.Type), Length: n})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// serverDelay reads a feed's own polling hint: RSS <ttl> in minutes, and
// sy:updatePeriod divided by sy:updateFrequency. When both are given the
// longer wins: each is a request not to poll more often.
func serverDelay(ttl string, f *gofeed.Feed) time.Duration {
	var d time.Duration
	if m, err := strconv.Atoi(strings.TrimSpace(ttl)); err == nil && m > 0 {
		d = clampDelay(time.Duration(min(int64(m), int64(maxServerDelay/time.Minute))) * time.Minute)
	}
	sy := f.Extensions["sy"]
	if sy == nil {
		return d
	}
	period := extValue(sy["updatePeriod"])
	var p time.Duration
	switch strings.ToLower(period) {
	case "hourly":
		p = time.Hour
	case "daily":
		p = 24 * time.Hour
	case "weekly":
		p = 7 * 24 * time.Hour
	case "monthly":
		p = 30 * 24 * time.Hour
	case "yearly":
		p = 365 * 24 * time.Hour
	default:
		return d
	}
	freq := 1
	if v, err := strconv.Atoi(extValue(sy["updateFrequency"])); err == nil && v > 0 {
		freq = v
	}
	if s := clampDelay(p / time.Duration(freq)); s > d {
		d = s
	}
	return d
}

func clampDelay(d time.Duration) time.Duration {
	return min(max(d, 0), maxServerDelay)
}

// extValue is the trimmed text of the first extension element.
func extValue(exts []ext.Extension) string {
	if len(exts) == 0 {
		return ""
	}
	return strings.TrimSpace(exts[0].Value)
}
