package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"tidings/store"
)

const sampleOPML = `<?xml version="1.0" encoding="UTF-8"?>
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
  </body>
</opml>
`

func TestReadOPML(t *testing.T) {
	res, err := readOPML(strings.NewReader(sampleOPML))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.Feed{}
	var urls []string
	for _, f := range res.Feeds {
		if _, ok := got[f.URL]; !ok {
			got[f.URL] = f
		}
		urls = append(urls, f.URL)
	}
	wantURLs := []string{"https://go.example/feed.atom", "https://rust.example/feed.xml", "https://loose.example/rss", "https://kept.example/rss", "https://go.example/feed.atom"}
	if !slices.Equal(urls, wantURLs) {
		t.Errorf("feeds %q, want %q", urls, wantURLs)
	}
	tests := []struct {
		url, title string
		tags       []string
	}{
		{"https://go.example/feed.atom", "Go", []string{"tech-news"}},
		{"https://rust.example/feed.xml", "Rust", []string{"tech-news", "languages", "systems", "lang", "compiled"}},
		{"https://loose.example/rss", "Loose", nil},
		{"https://kept.example/rss", "Kept", []string{"bad-tag-not-a-word"}},
	}
	for _, tt := range tests {
		f := got[tt.url]
		if f.Title != tt.title || !slices.Equal(f.Tags, tt.tags) || f.Origin != store.OriginUser {
			t.Errorf("%s: title %q tags %q origin %q; want %q %q user", tt.url, f.Title, f.Tags, f.Origin, tt.title, tt.tags)
		}
	}
	if !slices.Equal(res.Invalid, []string{"javascript:alert(1)"}) {
		t.Errorf("invalid = %q", res.Invalid)
	}
}

func TestOPMLTag(t *testing.T) {
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
		if got := opmlTag(tt.name); got != tt.want {
			t.Errorf("opmlTag(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestImportSanitisesTags checks that folder and category names that are
// not tags become one, that the rest are reported, and that feed URLs are
// stored canonical.
func TestImportSanitisesTags(t *testing.T) {
	h := newHarness(t, "")
	path := filepath.Join(h.dir, "subs.opml")
	os.WriteFile(path, []byte(`<opml version="2.0"><body>
  <outline text="News &amp; Politics">
    <outline text="C++ weekly" xmlUrl="HTTPS://Cpp.Example:443/rss" category="C++,???"/>
  </outline>
  <outline text="!!!"><outline text="x" xmlUrl="https://x.example/rss"/></outline>
</body></opml>`), 0o644)
	r := h.mustRun(exitOK, "import", path)
	want := "Ignored 2 folder or category names that make no tag (no letter or digit in them):\n  \"???\"\n  \"!!!\"\n"
	if !strings.Contains(r.stdout, want) {
		t.Errorf("import output lacks %q:\n%s", want, r.stdout)
	}
	f, err := h.openStore().Feed(context.Background(), "https://cpp.example/rss")
	if err != nil {
		t.Fatalf("feed not stored under its canonical URL: %v", err)
	}
	if !slices.Equal(f.Tags, []string{"news-politics", "c"}) {
		t.Errorf("tags %q, want [news-politics c]", f.Tags)
	}
}

func TestReadOPMLBroken(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"empty", "", "no <opml> element"},
		{"not xml", "hello there", "no <opml> element"},
		{"bad xml", "<opml><body></opml>", "not valid XML"},
		{"truncated", `<opml><body><outline text="a" xmlUrl="https://a.example/"`, "not valid XML"},
		{"not opml", `<rss><channel/></rss>`, "not an OPML file"},
		{"no outlines", `<opml version="2.0"><head/><body/></opml>`, "no feeds"},
		{"folders only", `<opml><body><outline text="a"><outline text="b"/></outline></body></opml>`, "no feeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readOPML(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestReadOPMLCharset(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><opml><body><outline text=\"Caf\xe9\" xmlUrl=\"https://cafe.example/rss\"/></body></opml>"
	res, err := readOPML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Feeds) != 1 || res.Feeds[0].Title != "Café" {
		t.Errorf("feeds = %+v, want one titled Café", res.Feeds)
	}
}

func FuzzImportOPML(f *testing.F) {
	f.Add(sampleOPML)
	f.Add(`<opml><body><outline text="x" category="a,b/c" xmlUrl="https://x.example/"/></body></opml>`)
	f.Add(`<opml><body><outline><outline><outline xmlUrl="http://a/"/></outline></outline></body></opml>`)
	f.Add(`<?xml version="1.0" encoding="windows-1252"?><opml/>`)
	f.Fuzz(func(t *testing.T, doc string) {
		res, err := readOPML(strings.NewReader(doc))
		if err != nil {
			return
		}
		for _, fd := range res.Feeds {
			if canon, err := checkURL(fd.URL); err != nil || canon != fd.URL {
				t.Errorf("feed with a bad or uncanonical URL accepted: %q (%q, %v)", fd.URL, canon, err)
			}
			if tags, err := checkTags(fd.Tags); err != nil || !slices.Equal(tags, fd.Tags) {
				t.Errorf("feed with a bad tag: %q (%v)", fd.Tags, err)
			}
		}
		// What was read must survive a trip through export.
		var b strings.Builder
		if err := writeOPML(&b, res.Feeds, testNow); err != nil {
			t.Fatal(err)
		}
		again, err := readOPML(strings.NewReader(b.String()))
		if len(res.Feeds) > 0 && (err != nil || len(again.Feeds) != len(res.Feeds)) {
			t.Errorf("export of %d feeds read back as %d (err %v):\n%s", len(res.Feeds), len(again.Feeds), err, b.String())
		}
	})
}

func TestImport(t *testing.T) {
	h := newHarness(t, "")
	path := filepath.Join(h.dir, "subs.opml")
	os.WriteFile(path, []byte(sampleOPML), 0o644)
	h.mustRun(exitOK, "add", "--no-fetch", "https://loose.example/rss")
	r := h.mustRun(exitOK, "import", path, "--tag", "imported")
	for _, want := range []string{
		"Added 3 feeds from " + path,
		"Skipped 2 feeds already subscribed or repeated in the file:\n  https://loose.example/rss\n  https://go.example/feed.atom\n",
		"Ignored 1 outline whose xmlUrl is not an http or https URL:\n  javascript:alert(1)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("import output lacks %q:\n%s", want, r.stdout)
		}
	}
	f, err := h.openStore().Feed(context.Background(), "https://rust.example/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Origin != store.OriginUser || !sameSet(f.Tags, []string{"tech-news", "languages", "systems", "lang", "compiled", "imported"}) {
		t.Errorf("rust feed: origin %s tags %q", f.Origin, f.Tags)
	}
}

// TestImportBrokenChangesNothing checks that a file that is not OPML is
// refused with exit 1 and adds nothing.
func TestImportBrokenChangesNothing(t *testing.T) {
	h := newHarness(t, "")
	h.mustRun(exitOK, "add", "--no-fetch", "https://before.example/rss")
	path := filepath.Join(h.dir, "broken.opml")
	os.WriteFile(path, []byte(strings.Replace(sampleOPML, "</body>", "", 1)), 0o644)
	r := h.run("import", path)
	if r.code != exitFailure || !strings.Contains(r.stderr, "not valid XML") {
		t.Fatalf("exit %d, %q", r.code, r.stderr)
	}
	feeds, err := h.openStore().Feeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(feeds) != 1 {
		t.Errorf("%d feeds after a broken import, want the 1 from before", len(feeds))
	}
	if r := h.run("import", filepath.Join(h.dir, "missing.opml")); r.code != exitFailure {
		t.Errorf("import of a missing file: exit %d", r.code)
	}
}

func TestExportGolden(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	h.mustRun(exitOK, "add", "--no-fetch", "https://plain.example/feed?a=1&b=2")
	r := h.mustRun(exitOK, "export")
	golden(t, "export.opml", r.stdout)
}

// TestExportImportRoundTrip exports a store and imports the result into an
// empty database: the same feeds with the same tags.
func TestExportImportRoundTrip(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	h.mustRun(exitOK, "add", "--no-fetch", "https://plain.example/feed?a=1&b=2")
	h.mustRun(exitOK, "add", "--no-fetch", "https://more.example/atom", "--tag", "programming", "--tag", "misc", "--title", `Quotes "&" <angles>`)
	r := h.mustRun(exitOK, "export")
	path := filepath.Join(h.dir, "out.opml")
	os.WriteFile(path, []byte(r.stdout), 0o644)

	other := filepath.Join(h.dir, "other.toml")
	os.WriteFile(other, []byte("database = \"other.db\"\n"), 0o644)
	h.mustRun(exitOK, "--config", other, "import", path)

	ctx := context.Background()
	before, err := h.openStore().Feeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h2 := *h
	h2.dbPath = filepath.Join(h.dir, "other.db")
	after, err := h2.openStore().Feeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("%d feeds after the round trip, want %d", len(after), len(before))
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.URL != b.URL || !slices.Equal(a.Tags, b.Tags) || a.Name() != b.Name() {
			t.Errorf("feed %d: got %s %q %q, want %s %q %q", i, a.URL, a.Tags, a.Name(), b.URL, b.Tags, b.Name())
		}
	}
}

// TestReadWhileImporting runs a large import and reads against one
// database at the same time, each command with its own store: both succeed.
func TestReadWhileImporting(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	var b strings.Builder
	b.WriteString(`<opml version="2.0"><body>`)
	for i := range 2000 {
		fmt.Fprintf(&b, `<outline text="Feed %d" xmlUrl="https://host%d.example/feed/%d" category="bulk,t%d"/>`, i, i%50, i, i%7)
	}
	b.WriteString(`</body></opml>`)
	path := filepath.Join(h.dir, "big.opml")
	os.WriteFile(path, []byte(b.String()), 0o644)

	var wg sync.WaitGroup
	results := make([]result, 3)
	wg.Go(func() { results[0] = h.run("import", path) })
	wg.Go(func() {
		for range 5 {
			if r := h.run("read", "2", "3"); r.code != exitOK {
				results[1] = r
				return
			}
			if r := h.run("unread", "2"); r.code != exitOK {
				results[1] = r
				return
			}
		}
	})
	wg.Go(func() { results[2] = h.run("items", "--json") })
	wg.Wait()
	for i, r := range results {
		if r.code != exitOK {
			t.Errorf("command %d: exit %d\n%s", i, r.code, r.stderr)
		}
	}
	if !strings.Contains(results[0].stdout, "Added 2000 feeds") {
		t.Errorf("import: %s", results[0].stdout)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
