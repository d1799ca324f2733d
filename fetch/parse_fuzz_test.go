package fetch

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are hostile and odd bodies added to the corpus next to the
// real-world snapshots and the format samples.
var fuzzSeeds = []string{
	``,
	`<rss version="2.0"><channel><title>&lt;script&gt;x</title><item><title><![CDATA[<img src=x onerror=alert(1)>]]></title>` +
		`<link>javascript:alert(1)</link><description><![CDATA[<a href="javascript:alert(1)">x</a><script>alert(1)</script>` +
		`<iframe src="//evil.test"></iframe><img src="data:text/html,x"><svg onload=alert(1)>]]></description>` +
		`<enclosure url="vbscript:x" type="audio/mpeg" length="-1"/></item></channel></rss>`,
	`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="javascript:alert(1)//"><entry><link href="x"/>` +
		`<content type="html">&lt;a href="y"&gt;z&lt;/a&gt;</content></entry></feed>`,
	`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"javascript:x","content_html":"<script>x</script>"}]}`,
	"\xff\xfe<\x00r\x00s\x00s\x00>\x00",
	"<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><channel><item><title>x</title></item></channel></rss>",
	`<rss><channel><item><title>truncated`,
	`<html><body><p>not a feed</p></body></html>`,
}

func addFeedSeeds(f *testing.F) {
	files, err := filepath.Glob("testdata/realworld/*")
	if err != nil {
		f.Fatal(err)
	}
	more, err := filepath.Glob("testdata/parse/*")
	if err != nil || len(files) == 0 || len(more) == 0 {
		f.Fatalf("seed files: %d real-world, %d parse, %v; want some of each", len(files), len(more), err)
	}
	for _, p := range append(files, more...) {
		if strings.Contains(p, ".golden.") || filepath.Base(p) == "LICENSE" || filepath.Base(p) == "README.md" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "")
	}
	f.Add([]byte(rssWith(`<?xml version="1.0"?>`, "<title>caf\xe9</title>")), "text/xml; charset=iso-8859-1")
}

// FuzzParse checks that Parse never panics and that whatever it returns
// keeps every invariant: valid UTF-8, only absolute http(s) URLs, plain
// titles, content without script, event handlers or script URLs, dates in
// UTC and not after now.
func FuzzParse(f *testing.F) {
	addFeedSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		p, err := Parse(body, contentType, "http://example.test/feed", testNow)
		if err != nil {
			if p != nil {
				t.Errorf("Parse returned both a result and %v", err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Errorf("error message is not valid UTF-8: %q", err)
			}
			return
		}
		checkParsed(t, p, testNow)
	})
}

// FuzzSanitize checks the content path alone on arbitrary HTML: the result
// is valid UTF-8 and safe whatever the input.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		`<p>hi</p>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="java&#x09;script:alert(1)">x</a>`,
		`<img src=x onerror=alert(1)>`,
		`<img src="data:image/png;base64,iVBORw0KGgo=">`,
		`<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`,
		`<picture><source srcset="a.webp, javascript:x 2x"><img srcset="//c.test/i.png 1x"></picture>`,
		`<video poster="javascript:x" src="v.mp4"><track src="vbscript:x"></video>`,
		`<svg><script>alert(1)</script></svg><math><mtext><script>x</script></mtext></math>`,
		`<style>@import "x"</style><form action=x><input></form>`,
		`<<script>script>alert(1)<</script>/script>`,
		`<a href="  /rel  ">r</a><a HREF = 'rel2'>r</a><a/href="rel3">r</a>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
		"<a href=\"http://x.test/\x00\">nul</a>\xff",
	} {
		f.Add(s, "http://example.test/posts/item")
	}
	f.Fuzz(func(t *testing.T, content, base string) {
		var lb *lazyBase
		if b := parseBase(base); b != nil {
			lb = &lazyBase{raw: base}
		}
		got := sanitizeHTML(content, lb)
		if msg := unsafeHTML(got); msg != "" {
			t.Fatalf("sanitizeHTML(%q) = %q: %s", content, got, msg)
		}
		// Sanitising twice changes nothing that matters: still safe.
		if msg := unsafeHTML(sanitizeHTML(got, lb)); msg != "" {
			t.Fatalf("second pass unsafe: %s", msg)
		}
	})
}

// FuzzDiscoverLinks checks that discovery never panics and returns only
// distinct absolute http(s) URLs and valid UTF-8.
func FuzzDiscoverLinks(f *testing.F) {
	for _, s := range []string{
		`<link rel="alternate" type="application/rss+xml" href="/feed" title="T">`,
		`<base href="//x.test/a/"><link rel="ALTERNATE feed" type="application/atom+xml" href="b">`,
		`<link rel=alternate type=application/json href=javascript:alert(1)>`,
		"<meta charset=\"shift_jis\"><link rel=alternate type=text/xml title=\"\x93\xfa\" href=/x>",
		`<script><link rel=alternate type=application/rss+xml href=/no></script>`,
	} {
		f.Add([]byte(s), "https://example.test/page")
	}
	f.Fuzz(func(t *testing.T, body []byte, pageURL string) {
		seen := map[string]bool{}
		for _, l := range DiscoverLinks(body, pageURL) {
			u, err := url.Parse(l.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Errorf("link URL %q is not absolute http(s)", l.URL)
			}
			if seen[l.URL] {
				t.Errorf("duplicate link %q", l.URL)
			}
			seen[l.URL] = true
			if !utf8.ValidString(l.URL) || !utf8.ValidString(l.Title) || !utf8.ValidString(l.Type) {
				t.Errorf("invalid UTF-8 in %+v", l)
			}
		}
	})
}
