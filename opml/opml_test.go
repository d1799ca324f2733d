package opml

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tidings/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const sample = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="Tech News" title="Tech News">
      <outline text="Go" xmlUrl="https://go.example/feed.atom" htmlUrl="https://go.example/" type="rss"/>
      <outline text="Languages">
        <outline title="Rust" text="Rust blog" xmlURL="https://rust.example/feed.xml" category="systems,/lang/compiled"/>
      </outline>
    </outline>
    <outline text="Loose" xmlurl="https://loose.example/rss"/>
    <outline text="Bad" xmlUrl="javascript:alert(1)"/>
    <outline text="Bad tag: not a word!" >
      <outline text="Kept" xmlUrl="https://kept.example/rss"/>
    </outline>
    <outline text="Again" xmlUrl="https://go.example/feed.atom"/>
    <outline text="???" xmlUrl="HTTPS://Cpp.Example:443/rss" category="C++,???"/>
  </body>
</opml>
`

func TestRead(t *testing.T) {
	res, err := Read(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := []Feed{
		{URL: "https://go.example/feed.atom", Title: "Go", Tags: []string{"tech-news"}},
		{URL: "https://rust.example/feed.xml", Title: "Rust", Tags: []string{"tech-news", "languages", "systems", "lang", "compiled"}},
		{URL: "https://loose.example/rss", Title: "Loose"},
		{URL: "https://kept.example/rss", Title: "Kept", Tags: []string{"bad-tag-not-a-word"}},
		{URL: "https://go.example/feed.atom", Title: "Again"},
		{URL: "https://cpp.example/rss", Title: "???", Tags: []string{"c"}},
	}
	if len(res.Feeds) != len(want) {
		t.Fatalf("feeds %+v, want %+v", res.Feeds, want)
	}
	for i, f := range res.Feeds {
		w := want[i]
		if f.URL != w.URL || f.Title != w.Title || !slices.Equal(f.Tags, w.Tags) {
			t.Errorf("feed %d: %+v, want %+v", i, f, w)
		}
	}
	if !slices.Equal(res.Invalid, []string{"javascript:alert(1)"}) {
		t.Errorf("invalid = %q", res.Invalid)
	}
	if !slices.Equal(res.Untagged, []string{"???"}) {
		t.Errorf("untagged = %q", res.Untagged)
	}
}

func TestTag(t *testing.T) {
	tests := []struct{ name, want string }{
		{"News & Politics", "news-politics"},
		{"C++", "c"},
		{"Tech News", "tech-news"},
		{"  Go  ", "go"},
		{"a - b", "a-b"},
		{"news/world", "news/world"},
		{"/lang/", "lang"},
		{"Ünïcode Zeitung", "ünïcode-zeitung"},
		{"日本語", "日本語"},
		{"!!!", ""},
		{"---", ""},
		{strings.Repeat("x", 70), strings.Repeat("x", 64)},
		{strings.Repeat("x", 63) + " y", strings.Repeat("x", 63)},
	}
	for _, tt := range tests {
		if got := Tag(tt.name); got != tt.want {
			t.Errorf("Tag(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestReadBroken(t *testing.T) {
	deep := "<opml><body>" + strings.Repeat("<outline>", maxDepth+1) + `<outline xmlUrl="https://a.example/"/>` +
		strings.Repeat("</outline>", maxDepth+1) + "</body></opml>"
	tests := []struct{ name, doc, want string }{
		{"empty", "", "no <opml> element"},
		{"not xml", "hello there", "no <opml> element"},
		{"bad xml", "<opml><body></opml>", "not valid XML"},
		{"truncated", `<opml><body><outline text="a" xmlUrl="https://a.example/"`, "not valid XML"},
		{"unclosed", `<opml><body><outline text="a" xmlUrl="https://a.example/">`, "not valid XML"},
		{"not opml", `<rss><channel/></rss>`, "not an OPML file"},
		{"no outlines", `<opml version="2.0"><head/><body/></opml>`, "no feeds"},
		{"no body", `<opml version="2.0"><head/></opml>`, "no feeds"},
		{"folders only", `<opml><body><outline text="a"><outline text="b"/></outline></body></opml>`, "no feeds"},
		{"outside body", `<opml><head><outline xmlUrl="https://a.example/"/></head><body/></opml>`, "no feeds"},
		{"too deep", deep, "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestReadCharset(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><opml><body><outline text=\"Caf\xe9\" xmlUrl=\"https://cafe.example/rss\"/></body></opml>"
	res, err := Read(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Feeds) != 1 || res.Feeds[0].Title != "Café" {
		t.Errorf("feeds = %+v, want one titled Café", res.Feeds)
	}
}

func TestWriteGolden(t *testing.T) {
	feeds := []Feed{
		{URL: "https://go.example/blog/feed.atom", Title: "The Go Blog", SiteURL: "https://go.example/blog", Tags: []string{"go", "programming"}},
		{URL: "https://news.example/rss", Title: "Morning news"},
		{URL: "https://plain.example/feed?a=1&b=2"},
		{URL: "https://more.example/atom", Title: `Quotes "&" <angles>`, Tags: []string{"programming", "misc"}},
	}
	var b strings.Builder
	if err := Write(&b, "tidings subscriptions", feeds, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "write.opml")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("Write differs from %s (go test -update rewrites it):\n%s", path, b.String())
	}
	back, err := Read(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range back.Feeds {
		// Read puts folder feeds first: match by URL.
		j := slices.IndexFunc(feeds, func(w Feed) bool { return w.URL == f.URL })
		w := feeds[j]
		if f.Title != w.Title || !slices.Equal(f.Tags, w.Tags) {
			t.Errorf("read back %d: %+v, want %+v", i, f, w)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(sample)
	f.Add(`<opml><body><outline text="x" category="a,b/c" xmlUrl="https://x.example/"/></body></opml>`)
	f.Add(`<opml><body><outline><outline><outline xmlUrl="http://a/"/></outline></outline></body></opml>`)
	f.Add(`<?xml version="1.0" encoding="windows-1252"?><opml/>`)
	f.Add(`<opml><body><OUTLINE XMLURL="https://a.example/" TITLE="A"><outline xmlUrl="https://b.example/"/></OUTLINE></body></opml>`)
	f.Fuzz(func(t *testing.T, doc string) {
		res, err := Read(strings.NewReader(doc))
		if err != nil {
			return
		}
		for _, fd := range res.Feeds {
			if canon, err := config.CanonicalURL(fd.URL); err != nil || canon != fd.URL {
				t.Errorf("feed with a bad or uncanonical URL accepted: %q (%q, %v)", fd.URL, canon, err)
			}
			for _, tag := range fd.Tags {
				if !config.ValidTag(tag) || tag != strings.ToLower(tag) {
					t.Errorf("feed with a bad tag: %q", fd.Tags)
				}
			}
		}
		// What was read must survive a trip through Write.
		var b strings.Builder
		if err := Write(&b, "t", res.Feeds, time.Unix(0, 0)); err != nil {
			t.Fatal(err)
		}
		again, err := Read(strings.NewReader(b.String()))
		if len(res.Feeds) > 0 && (err != nil || len(again.Feeds) != len(res.Feeds)) {
			t.Errorf("Write of %d feeds read back as %d (err %v):\n%s", len(res.Feeds), len(again.Feeds), err, b.String())
		}
	})
}
