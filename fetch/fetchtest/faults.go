package fetchtest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// Fault is a kind of broken, hostile or unusual response. Every fault is
// served at FaultURL(kind) on every listener, whatever the Options.
type Fault string

// The faults. Unless said otherwise the status is 200.
const (
	// FaultMalformedXML is an RSS body with mismatched tags, cut off.
	FaultMalformedXML Fault = "malformed-xml"
	// FaultHTML is an ordinary HTML page (text/html) where a feed was
	// expected. It advertises no feed.
	FaultHTML Fault = "html"
	// FaultJSONNotFeed is JSON (application/json) that is not a JSON Feed.
	// Note that gofeed parses any JSON object as a JSON Feed with an empty
	// version and no items; a client must check the version itself.
	FaultJSONNotFeed Fault = "json-not-feed"
	// FaultImage is a PNG image.
	FaultImage Fault = "image"
	// FaultEmpty is a 200 with an RSS content type and an empty body.
	FaultEmpty Fault = "empty"
	// FaultEndless is an RSS document that never ends: items are streamed
	// until the client goes away or the server closes.
	FaultEndless Fault = "endless"
	// FaultGzipBomb is about 4 MiB of gzip (Content-Encoding: gzip, sent
	// whether or not the client asked for it) that inflates to
	// GzipBombSize bytes: an RSS prolog followed by spaces.
	FaultGzipBomb Fault = "gzip-bomb"
	// FaultRedirectLoop redirects (302) between two URLs forever.
	FaultRedirectLoop Fault = "redirect-loop"
	// FaultRedirectChain redirects (302) RedirectChainHops times before
	// reaching RedirectTarget; see also RedirectChainURL.
	FaultRedirectChain Fault = "redirect-chain"
	// FaultMovedPermanently is a 301 to RedirectTarget.
	FaultMovedPermanently Fault = "moved-permanently"
	// FaultPermanentRedirect is a 308 to RedirectTarget.
	FaultPermanentRedirect Fault = "permanent-redirect"
	// FaultFound is a 302 to RedirectTarget.
	FaultFound Fault = "found"
	// FaultTemporaryRedirect is a 307 to RedirectTarget.
	FaultTemporaryRedirect Fault = "temporary-redirect"
	// FaultGone is 410 Gone.
	FaultGone Fault = "gone"
	// FaultTooManyRequests is 429 with Retry-After in seconds
	// (TooManyRequestsRetryAfter).
	FaultTooManyRequests Fault = "too-many-requests"
	// FaultUnavailable is 503 with Retry-After as an HTTP date,
	// UnavailableRetryAfter after Options.Now.
	FaultUnavailable Fault = "unavailable"
	// FaultNotFound is 404.
	FaultNotFound Fault = "not-found"
	// FaultServerError is 500.
	FaultServerError Fault = "server-error"
	// FaultHang accepts the request and never answers, until the client
	// gives up or the server closes.
	FaultHang Fault = "hang"
	// FaultSlow sends a small valid RSS feed one byte per
	// Options.SlowInterval (default one second).
	FaultSlow Fault = "slow"
	// FaultInvalidUTF8 is an RSS feed declared UTF-8 with invalid bytes in
	// titles and content.
	FaultInvalidUTF8 Fault = "invalid-utf8"
	// FaultHugeFeed is one RSS feed of HugeFeedItems small items (about
	// 15 MB, under the default 16 MiB body cap), streamed.
	FaultHugeFeed Fault = "huge-feed"
	// FaultMissingFields is an RSS feed whose items lack a guid, a link, a
	// title, or all three.
	FaultMissingFields Fault = "missing-fields"
	// FaultDuplicateGUIDs is an RSS feed whose three items share one guid
	// (with different links and titles).
	FaultDuplicateGUIDs Fault = "duplicate-guids"
	// FaultHostile is an Atom feed with script, iframes, event handlers,
	// style, forms, objects, javascript: and data: URLs in content and
	// titles, and a javascript: xml:base. See HostileStrings.
	FaultHostile Fault = "hostile"
	// FaultHostileRSS is the same hostile content as RSS 2.0.
	FaultHostileRSS Fault = "hostile-rss"
	// FaultRelativeURLs is an Atom feed with a relative xml:base (on the
	// feed and on an entry), relative links, images and enclosures, and
	// protocol-relative URLs.
	FaultRelativeURLs Fault = "relative-urls"
	// FaultRelativeRSS is an RSS feed with relative and protocol-relative
	// URLs and no xml:base: they resolve against the item link or the feed
	// URL.
	FaultRelativeRSS Fault = "relative-rss"
	// FaultWindows1252 is an RSS feed encoded in windows-1252, declared in
	// the XML prolog only; its item title is EncodedTitle.
	FaultWindows1252 Fault = "windows-1252"
	// FaultLatin1Header is an RSS feed encoded in iso-8859-1, declared only
	// in the HTTP Content-Type (no encoding in the prolog); its item title
	// is Latin1Title.
	FaultLatin1Header Fault = "latin1-header"
	// FaultUTF16 is an RSS feed in UTF-16LE with a byte order mark; its
	// item title is EncodedTitle.
	FaultUTF16 Fault = "utf-16"
	// FaultPageWithLinks is an HTML page advertising feeds with
	// <link rel="alternate">; DiscoveryLinks lists them.
	FaultPageWithLinks Fault = "page-with-links"
	// FaultPageWithoutLinks is an HTML page advertising no feed; a feed is
	// served at /feed on the same host (DiscoveredFeedURL).
	FaultPageWithoutLinks Fault = "page-without-links"
)

// Faults lists every Fault, for table tests.
func Faults() []Fault {
	return []Fault{
		FaultMalformedXML, FaultHTML, FaultJSONNotFeed, FaultImage, FaultEmpty, FaultEndless,
		FaultGzipBomb, FaultRedirectLoop, FaultRedirectChain, FaultMovedPermanently,
		FaultPermanentRedirect, FaultFound, FaultTemporaryRedirect, FaultGone,
		FaultTooManyRequests, FaultUnavailable, FaultNotFound, FaultServerError, FaultHang,
		FaultSlow, FaultInvalidUTF8, FaultHugeFeed, FaultMissingFields, FaultDuplicateGUIDs,
		FaultHostile, FaultHostileRSS, FaultRelativeURLs, FaultRelativeRSS, FaultWindows1252,
		FaultLatin1Header, FaultUTF16, FaultPageWithLinks, FaultPageWithoutLinks,
	}
}

// Constants describing what some faults serve.
const (
	// GzipBombSize is how many bytes FaultGzipBomb inflates to (4 GiB).
	GzipBombSize = bombMembers * bombMember
	// HugeFeedItems is the number of items in FaultHugeFeed.
	HugeFeedItems = 100_000
	// RedirectChainHops is the number of redirects FaultRedirectChain
	// makes before reaching RedirectTarget.
	RedirectChainHops = 10
	// TooManyRequestsRetryAfter is FaultTooManyRequests' Retry-After.
	TooManyRequestsRetryAfter = 120 * time.Second
	// UnavailableRetryAfter is how long after Options.Now FaultUnavailable's
	// Retry-After date is.
	UnavailableRetryAfter = 10 * time.Minute
	// EncodedTitle is the item title of FaultWindows1252 and FaultUTF16,
	// once decoded.
	EncodedTitle = "Café “déjà vu” — 5 €"
	// Latin1Title is the item title of FaultLatin1Header, once decoded.
	Latin1Title = "Café déjà vu, naïve façade"
)

// HostileStrings are substrings of FaultHostile and FaultHostileRSS that
// must not survive sanitising, compared case-insensitively.
var HostileStrings = []string{"<script", "<iframe", "<style", "<form", "<object", "<embed", "onerror", "onclick", "onmouseover", "javascript:", "data:text/html"}

// FaultURL returns the URL at which kind is served (on the first listener).
func (s *Server) FaultURL(kind Fault) string {
	return "http://" + s.hosts[0].addr + "/fault/" + string(kind)
}

// RedirectChainURL returns a URL that redirects n times (302) before
// reaching RedirectTarget.
func (s *Server) RedirectChainURL(n int) string {
	return s.FaultURL(FaultRedirectChain) + "/" + strconv.Itoa(n)
}

// RedirectTarget is where the redirect faults lead: feed 0, or the
// DiscoveredFeedURL when the server has no feeds.
func (s *Server) RedirectTarget() string {
	if len(s.feeds) > 0 {
		return s.URL(0)
	}
	return s.DiscoveredFeedURL()
}

// DiscoveredFeedURL is the feed served at /feed on the first listener: the
// one a client finds on FaultPageWithoutLinks by trying common paths. Its
// title is "Discovered feed".
func (s *Server) DiscoveredFeedURL() string { return "http://" + s.hosts[0].addr + "/feed" }

// DiscoveryLinks returns the feed URLs FaultPageWithLinks advertises, made
// absolute, in page order.
func (s *Server) DiscoveryLinks() []string {
	return []string{s.RedirectTarget(), "http://" + s.hosts[0].addr + "/feed"}
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, kind Fault, rest string) {
	hd := w.Header()
	base := "http://" + r.Host
	switch kind {
	case FaultMalformedXML:
		hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Broken & unescaped</title>
<item><title>One</titl><link>` + base + `/one</link></item>
<item><guid>two</guid><title>Two <b>bold</title></b>
<item><title>Three`))
	case FaultHTML:
		hd.Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(htmlPage("A page, not a feed", "")))
	case FaultJSONNotFeed:
		hd.Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok","results":[{"id":1,"name":"not a feed"}],"next":null}` + "\n"))
	case FaultImage:
		hd.Set("Content-Type", "image/png")
		_, _ = w.Write(pngImage())
	case FaultEmpty:
		hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
		hd.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case FaultEndless:
		s.serveEndless(w, r)
	case FaultGzipBomb:
		s.serveGzipBomb(w, r)
	case FaultRedirectLoop:
		next := "/fault/redirect-loop/b"
		if rest == "b" {
			next = "/fault/redirect-loop"
		}
		http.Redirect(w, r, next, http.StatusFound)
	case FaultRedirectChain:
		n := RedirectChainHops
		if rest != "" {
			var err error
			if n, err = strconv.Atoi(rest); err != nil || n < 0 {
				http.NotFound(w, r)
				return
			}
		}
		if n <= 1 {
			http.Redirect(w, r, s.RedirectTarget(), http.StatusFound)
			return
		}
		http.Redirect(w, r, "/fault/redirect-chain/"+strconv.Itoa(n-1), http.StatusFound)
	case FaultMovedPermanently:
		http.Redirect(w, r, s.RedirectTarget(), http.StatusMovedPermanently)
	case FaultPermanentRedirect:
		http.Redirect(w, r, s.RedirectTarget(), http.StatusPermanentRedirect)
	case FaultFound:
		http.Redirect(w, r, s.RedirectTarget(), http.StatusFound)
	case FaultTemporaryRedirect:
		http.Redirect(w, r, s.RedirectTarget(), http.StatusTemporaryRedirect)
	case FaultGone:
		http.Error(w, "410 gone: this feed was removed", http.StatusGone)
	case FaultTooManyRequests:
		hd.Set("Retry-After", strconv.Itoa(int(TooManyRequestsRetryAfter/time.Second)))
		http.Error(w, "429 too many requests", http.StatusTooManyRequests)
	case FaultUnavailable:
		hd.Set("Retry-After", s.opts.Now().Add(UnavailableRetryAfter).UTC().Format(http.TimeFormat))
		http.Error(w, "503 service unavailable", http.StatusServiceUnavailable)
	case FaultNotFound:
		http.NotFound(w, r)
	case FaultServerError:
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		// Drop the connection rather than answer an empty 200.
		panic(http.ErrAbortHandler)
	case FaultSlow:
		s.serveSlow(w, r)
	case FaultInvalidUTF8:
		hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(invalidUTF8Feed(base))
	case FaultHugeFeed:
		hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
		writeHugeFeed(w, base)
	case FaultMissingFields:
		hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(missingFieldsFeed(base))
	case FaultDuplicateGUIDs:
		hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(duplicateGUIDsFeed(base))
	case FaultHostile:
		hd.Set("Content-Type", "application/atom+xml; charset=utf-8")
		_, _ = w.Write([]byte(hostileAtom))
	case FaultHostileRSS:
		hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write([]byte(hostileRSS))
	case FaultRelativeURLs:
		hd.Set("Content-Type", "application/atom+xml; charset=utf-8")
		_, _ = w.Write([]byte(relativeAtom))
	case FaultRelativeRSS:
		hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write([]byte(relativeRSS))
	case FaultWindows1252:
		hd.Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(encodeSingleByte(encodedFeed(`<?xml version="1.0" encoding="windows-1252"?>`, EncodedTitle, base), cp1252))
	case FaultLatin1Header:
		hd.Set("Content-Type", "application/rss+xml; charset=iso-8859-1")
		_, _ = w.Write(encodeSingleByte(encodedFeed(`<?xml version="1.0"?>`, Latin1Title, base), latin1))
	case FaultUTF16:
		hd.Set("Content-Type", "application/rss+xml")
		_, _ = w.Write(encodeUTF16LE(encodedFeed(`<?xml version="1.0" encoding="UTF-16"?>`, EncodedTitle, base)))
	case FaultPageWithLinks:
		links := fmt.Sprintf(`<link rel="stylesheet" href="/style.css">
<link rel="alternate" hreflang="fr" href="/fr/">
<link rel="alternate" type="%s" title="Posts" href="%s">
<link rel="alternate" type="application/rss+xml" title="Comments" href="/feed">`,
			discoveryType(s), pathOf(s.RedirectTarget()))
		hd.Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(htmlPage("A blog with feeds", links)))
	case FaultPageWithoutLinks:
		hd.Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(htmlPage("A blog without feed links", `<link rel="stylesheet" href="/style.css">`)))
	default:
		http.NotFound(w, r)
	}
}

func discoveryType(s *Server) string {
	if len(s.feeds) == 0 {
		return "application/rss+xml"
	}
	return strings.TrimSuffix(contentType(s.feeds[0].format), "; charset=utf-8")
}

// pathOf strips scheme and host: the page links its feed relatively.
func pathOf(u string) string {
	u = strings.TrimPrefix(u, "http://")
	if i := strings.IndexByte(u, '/'); i >= 0 {
		return u[i:]
	}
	return "/"
}

func htmlPage(title, head string) string {
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>` + title + `</title>
` + head + `
</head><body><header><h1>` + title + `</h1><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>
<main><article><h2>Hello</h2><p>This is a web page for people. <a href="/posts/1">Read the first post</a>.</p></article></main>
</body></html>
`
}

// serveDiscovered serves the small RSS feed at /feed.
func (s *Server) serveDiscovered(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host
	var items []item
	for j := 2; j >= 0; j-- {
		items = append(items, makeItem(s.opts, -1, j, base))
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	_, _ = w.Write(renderRSS("Discovered feed", base+"/", items[0].published, items))
}

// flushEvery writes chunks produced by next, flushing after each, until
// next returns nil, a write fails, the client goes away or the server
// closes.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, next func() []byte) {
	rc := http.NewResponseController(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		default:
		}
		chunk := next()
		if chunk == nil {
			return
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func (s *Server) serveEndless(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	base := "http://" + r.Host
	head := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Endless</title><link>` + base + `/</link>
`)
	n := 0
	s.stream(w, r, func() []byte {
		if head != nil {
			h := head
			head = nil
			return h
		}
		var b bytes.Buffer
		for b.Len() < 32<<10 {
			fmt.Fprintf(&b, "<item><guid>endless-%d</guid><title>Endless item %d</title><link>%s/endless/%d</link><description>More, and more, and more.</description></item>\n", n, n, base, n)
			n++
		}
		return b.Bytes()
	})
}

const (
	bombMember  = 1 << 20 // uncompressed bytes per gzip member
	bombMembers = 4096
)

// bomb builds, once, the gzip members of the bomb: a head member with an
// RSS prolog and a member of bombMember spaces that is repeated. gzip
// readers (Go's included) read concatenated members as one stream, so the
// bomb is sent without ever holding more than one small member in memory.
var bomb = sync.OnceValues(func() (head, member []byte) {
	var h bytes.Buffer
	zw := gzip.NewWriter(&h)
	_, _ = zw.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bomb</title><description>`))
	_ = zw.Close()

	var m bytes.Buffer
	zw, _ = gzip.NewWriterLevel(&m, gzip.BestCompression)
	spaces := bytes.Repeat([]byte{' '}, 64<<10)
	for range bombMember / len(spaces) {
		_, _ = zw.Write(spaces)
	}
	_ = zw.Close()
	return h.Bytes(), m.Bytes()
})

func (s *Server) serveGzipBomb(w http.ResponseWriter, r *http.Request) {
	head, member := bomb()
	hd := w.Header()
	hd.Set("Content-Type", "application/rss+xml; charset=utf-8")
	hd.Set("Content-Encoding", "gzip")
	hd.Set("Content-Length", strconv.Itoa(len(head)+bombMembers*len(member)))
	sent := -1
	s.stream(w, r, func() []byte {
		sent++
		switch {
		case sent == 0:
			return head
		case sent <= bombMembers:
			return member
		}
		return nil
	})
}

func (s *Server) serveSlow(w http.ResponseWriter, r *http.Request) {
	body := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>` +
		`<item><guid>slow-1</guid><title>Slow item</title><link>http://` + r.Host + `/slow/1</link></item></channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	pos := 0
	s.stream(w, r, func() []byte {
		if pos >= len(body) {
			return nil
		}
		if pos > 0 && !s.sleep(r.Context(), s.opts.SlowInterval) {
			return nil
		}
		pos++
		return body[pos-1 : pos]
	})
}

func writeHugeFeed(w http.ResponseWriter, base string) {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Huge feed</title><link>%s/</link>
`, base)
	t := DefaultEpoch
	for j := HugeFeedItems - 1; j >= 0; j-- {
		// Writes fail once the client stops reading; keep the loop cheap
		// and let the final Flush report nothing.
		fmt.Fprintf(bw, "<item><guid>h%d</guid><title>Item %d</title><link>%s/h/%d</link><pubDate>%s</pubDate></item>\n",
			j, j, base, j, t.Add(time.Duration(j)*time.Minute).Format(time.RFC1123Z))
	}
	bw.WriteString("</channel></rss>\n")
	_ = bw.Flush()
}

func invalidUTF8Feed(base string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Invalid ` + "\xff\xfe" + ` UTF-8</title><link>` + base + `/</link>
<item><guid>bad-1</guid><title>Broken ` + "\xc3\x28" + ` bytes ` + "\xe2\x82" + `</title><link>` + base + `/bad/1</link>
<description>Content with ` + "\xff" + ` and ` + "\xc0\xaf" + ` in it.</description></item>
<item><guid>good-2</guid><title>Good item</title><link>` + base + `/bad/2</link><description>Fine.</description></item>
</channel></rss>
`)
}

func missingFieldsFeed(base string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Missing fields</title><link>` + base + `/</link>
<item><title>No guid</title><link>` + base + `/missing/no-guid</link><pubDate>Mon, 06 Jan 2025 09:00:00 +0000</pubDate><description>Has a link and a title.</description></item>
<item><guid isPermaLink="false">no-link</guid><title>No link</title><description>Has a guid and a title.</description></item>
<item><guid>` + base + `/missing/no-title</guid><link>` + base + `/missing/no-title</link><description>Has a guid and a link, no title.</description></item>
<item><description>Nothing but a description (one).</description><pubDate>Tue, 07 Jan 2025 09:00:00 +0000</pubDate></item>
<item><description>Nothing but a description (two).</description></item>
</channel></rss>
`)
}

func duplicateGUIDsFeed(base string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Duplicate guids</title><link>` + base + `/</link>
`)
	for j := 1; j <= 3; j++ {
		fmt.Fprintf(&b, "<item><guid isPermaLink=\"false\">same-guid</guid><title>Item %d</title><link>%s/dup/%d</link><description>Item %d of three.</description></item>\n", j, base, j, j)
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

const hostileContent = `<p onclick="steal()">Hello</p><script>alert('content')</script>
<iframe src="https://evil.example.com/frame"></iframe>
<img src="https://img.example.com/x.png" onerror="alert('img')">
<a href="javascript:alert('link')">click</a> <a href="JaVaScRiPt:alert('case')">case</a>
<a href="java&#x09;script:alert('tab')">tab</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>
<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==" alt="data image">
<style>body{display:none}</style><form action="https://evil.example.com/"><input name="password"></form>
<object data="https://evil.example.com/x.swf"></object><embed src="https://evil.example.com/x.swf">
<svg onload="alert('svg')"><circle r="1"/></svg><b onmouseover="alert('b')">bold</b>
<a href="relative/page">relative under a hostile base</a>`

func xmlEscape(s string) string { return esc(s) }

var hostileAtom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="javascript:alert('base')//">
<title type="html">` + xmlEscape(`Hostile <script>alert('feed')</script> feed`) + `</title>
<id>urn:fetchtest:hostile</id>
<link href="home"/>
<updated>2025-01-06T09:00:00Z</updated>
<entry>
<title type="html">` + xmlEscape(`<script>alert('title')</script>Hostile <img src=x onerror="alert('t')"> title`) + `</title>
<link href="posts/1"/>
<id>urn:fetchtest:hostile:1</id>
<updated>2025-01-06T09:00:00Z</updated>
<content type="html">` + xmlEscape(hostileContent) + `</content>
</entry>
<entry xml:base="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;/">
<title>Entry with a data: base</title>
<link href="posts/2"/>
<id>urn:fetchtest:hostile:2</id>
<updated>2025-01-07T09:00:00Z</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>XHTML <a href="javascript:alert('xhtml')">content</a></p><img src="pic.png" onerror="alert('x')"/></div></content>
</entry>
</feed>
`

var hostileRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>` + xmlEscape(`Hostile <script>alert('feed')</script> feed`) + `</title>
<link>javascript:alert('channel')</link>
<item>
<title>` + xmlEscape(`<script>alert('title')</script>Hostile <img src=x onerror="alert('t')"> title`) + `</title>
<link>javascript:alert('item')</link>
<guid isPermaLink="false">hostile-rss-1</guid>
<description>` + xmlEscape(`<iframe src="https://evil.example.com/"></iframe><a href="javascript:alert(1)">x</a>`) + `</description>
<content:encoded><![CDATA[` + hostileContent + `]]></content:encoded>
<enclosure url="javascript:alert('enclosure')" type="audio/mpeg" length="1"/>
</item>
</channel></rss>
`

const relativeAtom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/blog/">
<title>Relative URLs</title>
<id>urn:fetchtest:relative</id>
<link href="./"/>
<icon>../favicon.ico</icon>
<updated>2025-01-06T09:00:00Z</updated>
<entry>
<title>Relative to the feed's base</title>
<link href="posts/1"/>
<id>urn:fetchtest:relative:1</id>
<updated>2025-01-06T09:00:00Z</updated>
<link rel="enclosure" type="audio/mpeg" length="1000" href="media/1.mp3"/>
<content type="html">&lt;p&gt;&lt;img src="images/1.png"&gt; &lt;a href="../about"&gt;about&lt;/a&gt; &lt;a href="//cdn.example.com/x"&gt;protocol-relative&lt;/a&gt; &lt;img src="//img.example.com/2.png"&gt; &lt;a href="?page=2"&gt;query&lt;/a&gt; &lt;a href="#top"&gt;fragment&lt;/a&gt;&lt;/p&gt;</content>
</entry>
<entry xml:base="entries/">
<title>Relative to the entry's own base</title>
<link href="2"/>
<id>urn:fetchtest:relative:2</id>
<updated>2025-01-07T09:00:00Z</updated>
<content type="html">&lt;p&gt;&lt;img src="two.png"&gt; &lt;a href="/root"&gt;root&lt;/a&gt;&lt;/p&gt;</content>
</entry>
</feed>
`

const relativeRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Relative URLs (RSS)</title>
<link>/</link>
<image><url>/favicon.png</url><title>Relative URLs (RSS)</title><link>/</link></image>
<item>
<title>Relative link</title>
<link>/posts/1/</link>
<guid isPermaLink="false">relative-rss-1</guid>
<content:encoded><![CDATA[<p><img src="img/a.png"> <a href="../2/">next</a> <a href="//cdn.example.com/lib">protocol-relative</a> <img src="//img.example.com/b.png"></p>]]></content:encoded>
<enclosure url="/media/1.mp3" type="audio/mpeg" length="1000"/>
</item>
<item>
<title>Protocol-relative link</title>
<link>//www.example.com/posts/2</link>
<guid isPermaLink="false">relative-rss-2</guid>
<description>&lt;a href="3"&gt;three&lt;/a&gt;</description>
</item>
</channel></rss>
`

// encodedFeed is a one-item RSS feed titled title, with prolog as its first
// line, still in UTF-8: the caller encodes it.
func encodedFeed(prolog, title, base string) string {
	return prolog + `
<rss version="2.0"><channel><title>` + xmlEscape(title) + `</title><link>` + base + `/</link>
<item><guid isPermaLink="false">encoded-1</guid><title>` + xmlEscape(title) + `</title><link>` + base + `/encoded/1</link>
<description>` + xmlEscape("<p>"+title+"</p>") + `</description></item>
</channel></rss>
`
}

// The few non-ASCII characters the encoded faults use, in windows-1252 and
// iso-8859-1.
var (
	cp1252 = map[rune]byte{'é': 0xE9, 'à': 0xE0, 'ï': 0xEF, 'ç': 0xE7, '“': 0x93, '”': 0x94, '—': 0x97, '€': 0x80}
	latin1 = map[rune]byte{'é': 0xE9, 'à': 0xE0, 'ï': 0xEF, 'ç': 0xE7}
)

func encodeSingleByte(s string, table map[rune]byte) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0x80 {
			out = append(out, byte(r))
			continue
		}
		b, ok := table[r]
		if !ok {
			panic(fmt.Sprintf("fetchtest: %q has no single-byte encoding here", r))
		}
		out = append(out, b)
	}
	return out
}

func encodeUTF16LE(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := make([]byte, 0, 2+2*len(u))
	out = append(out, 0xFF, 0xFE)
	for _, c := range u {
		out = append(out, byte(c), byte(c>>8))
	}
	return out
}

var pngImage = sync.OnceValue(func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{R: uint8(x * 32), G: uint8(y * 32), B: 128, A: 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
})
