package fetch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"tidings/store"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// rssWith returns an RSS 2.0 document whose one item has the given inner
// XML, after prolog.
func rssWith(prolog, itemXML string) string {
	return prolog + `<rss version="2.0"><channel><title>T</title><link>http://example.test/</link>` +
		`<item>` + itemXML + `</item></channel></rss>`
}

func mustParse(t *testing.T, body []byte, contentType, feedURL string) *Parsed {
	t.Helper()
	p, err := Parse(body, contentType, feedURL, testNow)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkParsed(t, p, testNow)
	return p
}

func oneItem(t *testing.T, p *Parsed) store.Item {
	t.Helper()
	if len(p.Items) != 1 {
		t.Fatalf("got %d items, want 1", len(p.Items))
	}
	return p.Items[0]
}

func utf16Bytes(s string, order binary.ByteOrder, bom bool) []byte {
	var b bytes.Buffer
	if bom {
		_ = binary.Write(&b, order, uint16(0xFEFF))
	}
	for _, u := range utf16.Encode([]rune(s)) {
		_ = binary.Write(&b, order, u)
	}
	return b.Bytes()
}

func utf32Bytes(s string, order binary.ByteOrder) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, order, uint32(0xFEFF))
	for _, r := range s {
		_ = binary.Write(&b, order, uint32(r))
	}
	return b.Bytes()
}

func TestParseEncodings(t *testing.T) {
	const wide = `<?xml version="1.0" encoding="UTF-16"?>` +
		`<rss version="2.0"><channel><title>Wide</title><item><title>日本語 café €</title><guid>g</guid></item></channel></rss>`
	const wide32 = `<?xml version="1.0" encoding="UTF-32"?>` +
		`<rss version="2.0"><channel><title>Wide</title><item><title>日本語 café €</title><guid>g</guid></item></channel></rss>`
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string // the item's title
	}{
		{
			name: "windows-1252 via prolog",
			body: []byte(rssWith(`<?xml version="1.0" encoding="windows-1252"?>`,
				"<title>\x93quoted\x94 caf\xe9 \x80 na\xefve</title><guid>g</guid>")),
			want: "“quoted” café € naïve",
		},
		{
			name: "iso-8859-1 via prolog",
			body: []byte(rssWith(`<?xml version="1.0" encoding="ISO-8859-1"?>`,
				"<title>Gr\xfc\xdfe aus K\xf6ln</title><guid>g</guid>")),
			want: "Grüße aus Köln",
		},
		{
			name:        "iso-8859-1 via HTTP header only",
			body:        []byte(rssWith(`<?xml version="1.0"?>`, "<title>Gr\xfc\xdfe \xe0 vous</title><guid>g</guid>")),
			contentType: "application/rss+xml; charset=ISO-8859-1",
			want:        "Grüße à vous",
		},
		{
			name: "HTTP header wins over the prolog",
			body: []byte(rssWith(`<?xml version="1.0" encoding="windows-1251"?>`,
				"<title>caf\xe9</title><guid>g</guid>")),
			contentType: `text/xml; charset="iso-8859-1"`,
			want:        "café",
		},
		{
			name: "UTF-8 body under a Latin-1 default header, prolog says UTF-8",
			body: []byte(rssWith(`<?xml version="1.0" encoding="utf-8"?>`,
				"<title>café 日本</title><guid>g</guid>")),
			contentType: "text/xml; charset=iso-8859-1",
			want:        "café 日本",
		},
		{
			name:        "Shift_JIS via header",
			body:        []byte(rssWith(`<?xml version="1.0" encoding="Shift_JIS"?>`, "<title>\x93\xfa\x96\x7b</title><guid>g</guid>")),
			contentType: "application/xml; charset=shift_jis",
			want:        "日本",
		},
		{
			name: "UTF-16 LE with BOM",
			body: utf16Bytes(wide, binary.LittleEndian, true),
			want: "日本語 café €",
		},
		{
			name: "UTF-16 BE with BOM",
			body: utf16Bytes(wide, binary.BigEndian, true),
			want: "日本語 café €",
		},
		{
			name: "UTF-16 LE without BOM",
			body: utf16Bytes(wide, binary.LittleEndian, false),
			want: "日本語 café €",
		},
		{
			name:        "UTF-16 BE with BOM and a wrong header",
			body:        utf16Bytes(wide, binary.BigEndian, true),
			contentType: "application/rss+xml; charset=utf-8",
			want:        "日本語 café €",
		},
		{
			name: "UTF-32 LE with BOM",
			body: utf32Bytes(wide32, binary.LittleEndian),
			want: "日本語 café €",
		},
		{
			name: "UTF-32 BE with BOM",
			body: utf32Bytes(wide32, binary.BigEndian),
			want: "日本語 café €",
		},
		{
			name: "UTF-8 with BOM and a Latin-1 header",
			body: append([]byte("\xef\xbb\xbf"), rssWith(`<?xml version="1.0" encoding="iso-8859-1"?>`,
				"<title>café</title><guid>g</guid>")...),
			contentType: "text/xml; charset=iso-8859-1",
			want:        "café",
		},
		{
			name: "invalid UTF-8 bytes become U+FFFD",
			body: []byte(rssWith(`<?xml version="1.0" encoding="utf-8"?>`,
				"<title>caf\xc3 ok \xff\xfe é</title><guid>g</guid>")),
			want: "caf\uFFFD ok \uFFFD é",
		},
		{
			name:        "a UTF-16 label on a UTF-8 body is not believed",
			body:        []byte(rssWith(`<?xml version="1.0" encoding="UTF-16"?>`, "<title>café</title><guid>g</guid>")),
			contentType: "application/xml; charset=utf-16",
			want:        "café",
		},
		{
			name: "undeclared Latin-1 is read as windows-1252",
			body: []byte(rssWith(``, "<title>caf\xe9 cr\xe8me</title><guid>g</guid>")),
			want: "café crème",
		},
		{
			name: "unknown charset label falls through to the prolog",
			body: []byte(rssWith(`<?xml version="1.0" encoding="iso-8859-15"?>`,
				"<title>\xa4uro</title><guid>g</guid>")),
			contentType: "text/xml; charset=x-no-such-thing",
			want:        "€uro",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.body, tt.contentType, "http://example.test/feed")
			if got := oneItem(t, p).Title; got != tt.want {
				t.Errorf("title = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseJSONFeedEncoding(t *testing.T) {
	body := "\xef\xbb\xbf" + `{"version":"https://jsonfeed.org/version/1.1","title":"Caf` + "é" +
		`","items":[{"id":"1","title":"na` + "\xff" + `ive","content_text":"x"}]}`
	// The header's charset is wrong: JSON is always UTF-8.
	p := mustParse(t, []byte(body), "application/feed+json; charset=iso-8859-1", "http://example.test/feed.json")
	if p.Title != "Café" {
		t.Errorf("title = %q, want Café", p.Title)
	}
	if got := oneItem(t, p).Title; got != "na\uFFFDive" {
		t.Errorf("item title = %q", got)
	}
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		file  string
		title string
		site  string
		icon  string
		delay time.Duration
		items []store.Item // fields compared: GUID, URL, Title, Author, Published, Categories, Enclosures
	}{
		{
			file: "rss091.xml", title: "RSS 0.91 Channel", site: "http://example.test/", icon: "http://example.test/logo.gif",
			items: []store.Item{{URL: "http://example.test/first", Title: "First & only", Content: "Hello from 1999"}},
		},
		{
			file: "rss10.rdf", title: "RSS 1.0 Channel", site: "http://example.test/", delay: 12 * time.Hour,
			items: []store.Item{{URL: "http://example.test/a", Title: "RDF item", Author: "Ann Author",
				Published: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC), Categories: []string{"news"}, Content: "<p>Body</p>"}},
		},
		{
			file: "rss20.xml", title: "RSS 2.0 Channel", site: "http://example.test/", delay: 90 * time.Minute,
			items: []store.Item{
				{GUID: "post-2", URL: "http://example.test/posts/2", Title: "Second", Author: "Bob",
					Published:  time.Date(2024, 3, 5, 13, 30, 0, 0, time.UTC),
					Categories: []string{"go", "rss"},
					Enclosures: []store.Enclosure{{URL: "http://example.test/media/2.mp3", Type: "audio/mpeg", Length: 12345}},
					Content:    `<p>Full <b>content</b> <img src="http://example.test/posts/img/2.png"></p>`},
				{GUID: "http://example.test/posts/1", URL: "http://example.test/posts/1", Title: "First",
					Published:  time.Date(2024, 3, 4, 7, 30, 0, 0, time.UTC),
					Enclosures: []store.Enclosure{{URL: "http://cdn.example.test/1.mp3", Type: "audio/mpeg"}},
					Content:    "<p>Only a description</p>"},
			},
		},
		{
			file: "atom03.xml", title: "Atom 0.3 Feed", site: "http://example.test/",
			items: []store.Item{{GUID: "tag:example.test,2003:1", URL: "http://example.test/old", Title: "Old entry",
				Author: "Old Timer", Published: time.Date(2003, 12, 13, 12, 29, 29, 0, time.UTC),
				Content: `<p>escaped <a href="http://example.test/x" rel="nofollow noreferrer noopener" target="_blank">html</a></p>`}},
		},
		{
			file: "atom10.xml", title: "Atom <1.0> Feed", site: "http://example.test/blog/", icon: "http://example.test/favicon.ico",
			items: []store.Item{
				{GUID: "urn:example:entry:1", URL: "http://example.test/blog/2024/03/entry", Title: "An xhtml title",
					Author: "anon@example.test", Published: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC),
					Categories: []string{"Atom", "xml"},
					Enclosures: []store.Enclosure{{URL: "http://example.test/blog/files/talk.pdf", Type: "application/pdf", Length: 999}},
					Content: `<p>See <a href="http://example.test/blog/other" rel="nofollow noreferrer noopener" target="_blank">other</a>` +
						` and <img src="http://example.test/pic.jpg"/></p>`},
				{GUID: "urn:example:entry:2", URL: "http://other.example.test/dir/page.html", Title: "Elsewhere",
					Published: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
					Content:   `<a href="http://other.example.test/dir/rel" rel="nofollow noreferrer noopener" target="_blank">rel</a>`},
			},
		},
		{
			file: "jsonfeed10.json", title: "JSON Feed 1.0", site: "https://example.test/", icon: "http://example.test/favicon-64.png",
			items: []store.Item{
				{GUID: "1", URL: "http://example.test/posts/1", Title: "Text item", Author: "Jay Son",
					Published:  time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
					Categories: []string{"a", "b"},
					Enclosures: []store.Enclosure{{URL: "http://example.test/audio.m4a", Type: "audio/x-m4a", Length: 4242}},
					Content:    "Line one &lt;not a tag&gt;<br>\nLine two"},
				{GUID: "2", URL: "https://elsewhere.test/article", Author: "Jay Son", Content: "<p>HTML item</p>"},
			},
		},
		{
			file: "jsonfeed11.json", title: "JSON Feed 1.1", site: "https://example.test/",
			items: []store.Item{{GUID: "https://example.test/x", URL: "https://example.test/x", Title: "Eleven",
				Author: "Item Author", Published: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC), Content: "<p>eleven</p>"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile("testdata/parse/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			p := mustParse(t, body, "", "http://example.test/feeds/"+tt.file)
			if p.Title != tt.title || p.SiteURL != tt.site || p.IconURL != tt.icon || p.ServerDelay != tt.delay {
				t.Errorf("feed = %q %q %q %v, want %q %q %q %v",
					p.Title, p.SiteURL, p.IconURL, p.ServerDelay, tt.title, tt.site, tt.icon, tt.delay)
			}
			if len(p.Items) != len(tt.items) {
				t.Fatalf("got %d items, want %d", len(p.Items), len(tt.items))
			}
			for i, want := range tt.items {
				got := p.Items[i]
				if got.GUID != want.GUID || got.URL != want.URL || got.Title != want.Title || got.Author != want.Author ||
					!got.Published.Equal(want.Published) || got.Content != want.Content ||
					!slices.Equal(got.Categories, want.Categories) || !slices.Equal(got.Enclosures, want.Enclosures) {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, got, want)
				}
			}
		})
	}
}

func TestParseSanitisesContent(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings that must be in the result
		notWant []string // substrings that must not
	}{
		{"script", `<p>ok</p><script>alert(1)</script><SCRIPT src="http://evil.test/x.js"></SCRIPT>`,
			[]string{"<p>ok</p>"}, []string{"script", "alert", "evil"}},
		{"iframe", `<iframe src="http://evil.test/"></iframe>after`, []string{`<a href="http://evil.test/" rel="nofollow noreferrer noopener" target="_blank">http://evil.test/</a>after`}, []string{"iframe"}},
		{"event handlers", `<img src="a.png" onerror="alert(1)"><p onclick="x()" onmouseover=y>t</p>`,
			[]string{`<img src="http://example.test/posts/a.png"`, "<p>t</p>"}, []string{"onerror", "onclick", "onmouseover", "alert"}},
		{"javascript URLs", `<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(2)">b</a>` +
			`<a href="java&#x09;script:alert(3)">c</a><a href="&#106;avascript:alert(4)">d</a><img src="javascript:alert(5)">`,
			[]string{"a", "b", "c", "d"}, []string{"javascript", "alert", "href"}},
		{"vbscript URL", `<a href="vbscript:msgbox(1)">v</a>`, []string{"v"}, []string{"vbscript", "href"}},
		{"data URL image kept", `<img src="data:image/png;base64,iVBORw0KGgo=">`,
			[]string{`src="data:image/png;base64,iVBORw0KGgo="`}, nil},
		{"data URL link dropped", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
			[]string{"x"}, []string{"data:", "href"}},
		{"data URL non-image dropped", `<img src="data:text/html;base64,PHNjcmlwdD4=">`, nil, []string{"data:"}},
		{"form", `<form action="http://evil.test/"><input name="q"><button>go</button></form>`, nil,
			[]string{"form", "input", "button", "evil"}},
		{"style", `<style>body{display:none}</style><p style="position:fixed">s</p>`,
			[]string{"<p>s</p>"}, []string{"style", "display", "fixed"}},
		{"object and embed", `<object data="http://evil.test/x.swf"></object><embed src="http://evil.test/y.swf">`,
			[]string{`<a href="http://evil.test/y.swf" rel="nofollow noreferrer noopener" target="_blank">http://evil.test/y.swf</a>`},
			[]string{"object", "embed", "x.swf"}},
		{"svg script", `<svg><script>alert(1)</script></svg>`, nil, []string{"svg", "script", "alert"}},
		{"meta refresh and base", `<meta http-equiv="refresh" content="0;url=http://evil.test/"><base href="http://evil.test/">`,
			nil, []string{"meta", "base", "evil"}},
		{"relative and protocol-relative URLs", `<a href="/abs">1</a><a href="rel">2</a><img src="//cdn.test/i.png"><a href="#frag">3</a>`,
			[]string{`href="http://example.test/abs"`, `href="http://example.test/posts/rel"`, `src="http://cdn.test/i.png"`,
				`href="http://example.test/posts/item#frag"`}, nil},
		{"links are nofollow noopener noreferrer", `<a href="http://other.test/">o</a>`,
			[]string{"nofollow", "noopener", "noreferrer", `target="_blank"`}, nil},
		{"mailto kept", `<a href="mailto:me@example.test">mail</a>`, []string{`href="mailto:me@example.test"`}, nil},
		{"media", `<figure><picture><source srcset="a.webp 1x, javascript:alert(1) 2x, //cdn.test/b.webp 2x" type="image/webp">` +
			`<img src="a.jpg" srcset="s.jpg 480w, l.jpg 1080w" alt="A"></picture><figcaption>cap</figcaption></figure>` +
			`<video src="v.mp4" poster="javascript:alert(1)" controls></video><audio src="a.mp3" controls></audio>`,
			[]string{"<figure>", "<picture>", `srcset="http://example.test/posts/a.webp 1x, http://cdn.test/b.webp 2x"`,
				`srcset="http://example.test/posts/s.jpg 480w, http://example.test/posts/l.jpg 1080w"`,
				`<video src="http://example.test/posts/v.mp4"`, `<audio src="http://example.test/posts/a.mp3"`, "<figcaption>cap</figcaption>"},
			[]string{"javascript", "poster"}},
		{"tables and code", `<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>` +
			`<pre><code class="language-go">x := 1 &lt; 2</code></pre>`,
			[]string{"<table>", "<th>h</th>", "<td>d</td>", `<pre><code class="language-go">x := 1 &lt; 2</code></pre>`}, nil},
		{"plain text is escaped", `1 < 2 and "quotes"`, []string{"1 &lt; 2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := rssWith("", `<title>t</title><link>http://example.test/posts/item</link><guid>g</guid>`+
				`<description><![CDATA[`+tt.content+`]]></description>`)
			got := oneItem(t, mustParse(t, []byte(body), "", "http://example.test/feed")).Content
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("content lacks %q:\n%s", w, got)
				}
			}
			low := strings.ToLower(got)
			for _, n := range tt.notWant {
				if strings.Contains(low, strings.ToLower(n)) {
					t.Errorf("content has %q:\n%s", n, got)
				}
			}
		})
	}
}

func TestParsePlainTextTitles(t *testing.T) {
	tests := []struct{ xml, want string }{
		{`<title>A &amp;amp; B</title>`, "A & B"},
		{`<title>&lt;b&gt;Bold&lt;/b&gt; &amp;#8220;quoted&amp;#8221;</title>`, "Bold “quoted”"},
		{`<title><![CDATA[<script>alert(1)</script>Hello <img src=x onerror=alert(2)>world]]></title>`, "Hello world"},
		{`<title>  spaced
			out	title  </title>`, "spaced out title"},
		{`<title>javascript:alert(1)</title>`, "javascript:alert(1)"},
		{`<title>1 &lt; 2</title>`, "1 < 2"},
		{`<title></title>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			body := rssWith("", tt.xml+`<guid>g</guid>`)
			if got := oneItem(t, mustParse(t, []byte(body), "", "http://example.test/feed")).Title; got != tt.want {
				t.Errorf("title = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseURLs(t *testing.T) {
	t.Run("relative and protocol-relative", func(t *testing.T) {
		body := `<rss version="2.0"><channel><title>T</title><link>/home</link><image><url>//cdn.test/logo.png</url></image>` +
			`<item><title>a</title><link>../posts/a</link><enclosure url="//cdn.test/a.mp3" type="audio/mpeg" length="1"/></item>` +
			`<item><title>b</title><link>//other.test/b</link></item>` +
			`<item><title>c</title><link>ftp://files.test/c</link><enclosure url="file:///etc/passwd" type="text/plain"/></item>` +
			`</channel></rss>`
		p := mustParse(t, []byte(body), "", "https://example.test/feeds/main.xml")
		if p.SiteURL != "https://example.test/home" || p.IconURL != "https://cdn.test/logo.png" {
			t.Errorf("site, icon = %q, %q", p.SiteURL, p.IconURL)
		}
		want := []string{"https://example.test/posts/a", "https://other.test/b", ""}
		for i, w := range want {
			if p.Items[i].URL != w {
				t.Errorf("item %d URL = %q, want %q", i, p.Items[i].URL, w)
			}
		}
		if len(p.Items[0].Enclosures) != 1 || p.Items[0].Enclosures[0].URL != "https://cdn.test/a.mp3" {
			t.Errorf("enclosures = %+v", p.Items[0].Enclosures)
		}
		if len(p.Items[2].Enclosures) != 0 {
			t.Errorf("a file: enclosure was kept: %+v", p.Items[2].Enclosures)
		}
	})
	t.Run("xml:base", func(t *testing.T) {
		body := `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://base.test/a/"><title>T</title>` +
			`<entry xml:base="sub/"><id>1</id><title>x</title><link href="post"/>` +
			`<content type="html">&lt;img src="pic.png"&gt;</content></entry></feed>`
		it := oneItem(t, mustParse(t, []byte(body), "", "http://example.test/feed"))
		if it.URL != "http://base.test/a/sub/post" {
			t.Errorf("URL = %q", it.URL)
		}
		if !strings.Contains(it.Content, `src="http://base.test/a/sub/pic.png"`) {
			t.Errorf("content = %q", it.Content)
		}
	})
	t.Run("hostile xml:base", func(t *testing.T) {
		for _, base := range []string{"javascript:alert(1)//", "data:text/html,", "vbscript:x/", "file:///etc/"} {
			body := `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="` + base + `"><title>T</title><link href="home"/>` +
				`<icon>i.png</icon><entry><id>1</id><title>x</title><link href="post"/>` +
				`<link rel="enclosure" href="f.mp3" type="audio/mpeg"/>` +
				`<content type="html">&lt;a href="x"&gt;l&lt;/a&gt;&lt;img src="p.png"&gt;</content></entry></feed>`
			p := mustParse(t, []byte(body), "", "http://example.test/feed")
			it := oneItem(t, p)
			for _, s := range []string{p.SiteURL, p.IconURL, it.URL, it.Content} {
				low := strings.ToLower(s)
				if strings.Contains(low, "javascript") || strings.Contains(low, "data:") ||
					strings.Contains(low, "vbscript") || strings.Contains(low, "file:") {
					t.Errorf("base %q leaked into %q", base, s)
				}
			}
			if len(it.Enclosures) != 0 {
				t.Errorf("base %q: enclosure kept: %+v", base, it.Enclosures)
			}
		}
	})
}

func TestParseItemsWithoutGUIDLinkOrTitle(t *testing.T) {
	body := `<rss version="2.0"><channel><title>T</title>` +
		`<item><description>only a body</description></item>` +
		`<item><title>only a title</title></item>` +
		`<item><link>http://example.test/only-link</link></item>` +
		`<item><guid isPermaLink="true">http://example.test/permalink</guid></item>` +
		`<item><guid isPermaLink="false">http://example.test/not-a-link</guid></item>` +
		`<item></item>` +
		`</channel></rss>`
	p := mustParse(t, []byte(body), "", "http://example.test/feed")
	want := []store.Item{
		{Content: "only a body"},
		{Title: "only a title"},
		{URL: "http://example.test/only-link"},
		{GUID: "http://example.test/permalink", URL: "http://example.test/permalink"},
		{GUID: "http://example.test/not-a-link"},
		{},
	}
	if len(p.Items) != len(want) {
		t.Fatalf("got %d items, want %d", len(p.Items), len(want))
	}
	for i, w := range want {
		g := p.Items[i]
		if g.GUID != w.GUID || g.URL != w.URL || g.Title != w.Title || g.Content != w.Content || !g.Published.IsZero() {
			t.Errorf("item %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestParseDatesInFeeds(t *testing.T) {
	body := `<rss version="2.0"><channel><title>T</title>` +
		`<item><guid>garbage</guid><pubDate>sometime soon</pubDate></item>` +
		`<item><guid>far-future</guid><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>` +
		`<item><guid>odd</guid><pubDate>Mon, 2 Jan 2006 15:04:05 +0000 (UTC)</pubDate></item>` +
		`<item><guid>named</guid><pubDate>Sun, 10 Mar 2024 09:00:00 CEST</pubDate></item>` +
		`<item><guid>none</guid></item>` +
		`</channel></rss>`
	p := mustParse(t, []byte(body), "", "http://example.test/feed")
	want := map[string]time.Time{
		"garbage":    {},
		"far-future": testNow,
		"odd":        time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC),
		"named":      time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC),
		"none":       {},
	}
	for _, it := range p.Items {
		if !it.Published.Equal(want[it.GUID]) {
			t.Errorf("%s: published %v, want %v", it.GUID, it.Published, want[it.GUID])
		}
	}
}

func TestParseServerDelay(t *testing.T) {
	sy := `xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"`
	tests := []struct {
		name, channel string
		want          time.Duration
	}{
		{"ttl", `<ttl>45</ttl>`, 45 * time.Minute},
		{"hourly", `<sy:updatePeriod>hourly</sy:updatePeriod>`, time.Hour},
		{"daily twice", `<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>`, 12 * time.Hour},
		{"longer wins", `<ttl>30</ttl><sy:updatePeriod> Weekly </sy:updatePeriod>`, 7 * 24 * time.Hour},
		{"garbage", `<ttl>soon</ttl><sy:updatePeriod>often</sy:updatePeriod>`, 0},
		{"negative", `<ttl>-5</ttl>`, 0},
		{"huge", `<ttl>99999999999</ttl>`, maxServerDelay},
		{"capped", `<ttl>9999999</ttl>`, maxServerDelay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `<rss version="2.0" ` + sy + `><channel><title>T</title>` + tt.channel + `</channel></rss>`
			p := mustParse(t, []byte(body), "", "http://example.test/feed")
			if p.ServerDelay != tt.want {
				t.Errorf("ServerDelay = %v, want %v", p.ServerDelay, tt.want)
			}
		})
	}
}

func TestParseNotAFeed(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	tests := []struct {
		name  string
		body  []byte
		looks string
		html  bool
		says  string
	}{
		{"HTML page", []byte("<!DOCTYPE html>\n<html><head><title>Home</title></head><body>hi</body></html>"), "html", true, "HTML page"},
		{"HTML without doctype", []byte("  <html lang=en><body><p>x</p></body></html>"), "html", true, "subscribe to it"},
		{"HTML fragment", []byte("<div><p>hello</p><script>x()</script></div>"), "html", true, "HTML page"},
		{"JSON object", []byte(`{"status":"ok","data":[1,2,3]}`), "json", false, "JSON"},
		{"JSON array", []byte(`[{"title":"x"}]`), "json", false, "JSON"},
		{"PNG", png, "image", false, "image"},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "image", false, "image/gif"},
		{"empty", nil, "empty", false, "empty"},
		{"whitespace", []byte(" \r\n\t "), "empty", false, "empty"},
		{"plain text", []byte("Service temporarily unavailable"), "text/plain", false, "plain text"},
		{"other XML", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), "xml", false, "<svg>"},
		{"sitemap", []byte(`<?xml version="1.0"?><!-- c --><urlset><url><loc>http://x/</loc></url></urlset>`), "xml", false, "<urlset>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.body, "", "http://example.test/feed", testNow)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", p)
			}
			if !errors.Is(err, ErrNotFeed) {
				t.Errorf("error %v does not match ErrNotFeed", err)
			}
			if errors.Is(err, ErrHTMLPage) != tt.html {
				t.Errorf("errors.Is(ErrHTMLPage) = %v, want %v", !tt.html, tt.html)
			}
			var nf *NotFeedError
			if !errors.As(err, &nf) || nf.Looks != tt.looks {
				t.Errorf("error %#v, want Looks %q", err, tt.looks)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Run("broken markup", func(t *testing.T) {
		for _, body := range []string{
			`<rss version="2.0"><channel><title>x</title><item><<<</item></channel></rss>`,
			`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title a="1" a="2" <</title></entry></feed>`,
		} {
			_, err := Parse([]byte(body), "", "http://example.test/feed", testNow)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("Parse(%q) = %v, want ErrMalformed", body, err)
			}
			if err != nil && !strings.Contains(err.Error(), "well-formed XML") {
				t.Errorf("error %q does not say what is wrong", err)
			}
		}
	})
	t.Run("broken JSON Feed", func(t *testing.T) {
		_, err := Parse([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":`), "", "http://example.test/f", testNow)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "JSON") {
			t.Errorf("err = %v, want ErrMalformed about JSON", err)
		}
	})
	t.Run("truncated feed keeps its complete items", func(t *testing.T) {
		body := `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>` +
			`<item><title>one</title><guid>1</guid></item><item><title>two</title><guid>2</guid></item><item><title>thr`
		p := mustParse(t, []byte(body), "", "http://example.test/feed")
		if len(p.Items) < 2 || p.Items[0].Title != "one" || p.Items[1].Title != "two" {
			t.Errorf("items = %+v", p.Items)
		}
	})
	t.Run("unclosed element before the items", func(t *testing.T) {
		body := `<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>T</title>` +
			`<itunes:category text="Tech"><itunes:category text="Gadgets"/>` +
			`<item><title>one</title><guid>1</guid></item><item><title>two</title><guid>2</guid></item></channel></rss>`
		p := mustParse(t, []byte(body), "", "http://example.test/feed")
		if len(p.Items) != 2 {
			t.Errorf("got %d items, want 2", len(p.Items))
		}
	})
	t.Run("text before the XML", func(t *testing.T) {
		body := "<br />\n<b>Warning</b>: Cannot modify header information in /var/www/feed.php on line 3<br />\n" +
			`<?xml version="1.0"?><rss version="2.0"><channel><title>After junk</title><item><guid>1</guid></item></channel></rss>`
		p := mustParse(t, []byte(body), "", "http://example.test/feed")
		if p.Title != "After junk" || len(p.Items) != 1 {
			t.Errorf("got %q with %d items", p.Title, len(p.Items))
		}
	})
	t.Run("feed wrapped in XHTML", func(t *testing.T) {
		body := `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>` +
			`<feed xmlns="http://www.w3.org/2005/Atom"><title>Wrapped</title><entry><id>1</id><title>e</title></entry></feed>` +
			`</body></html>`
		p := mustParse(t, []byte(body), "", "http://example.test/feed")
		if p.Title != "Wrapped" || len(p.Items) != 1 {
			t.Errorf("got %q with %d items", p.Title, len(p.Items))
		}
	})
}

// TestParseLargeFeed parses one feed of 100,000 items, generated, and checks
// that memory stays proportional to the body.
func TestParseLargeFeed(t *testing.T) {
	const n = 100_000
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title><link>http://example.test/</link>`)
	for i := range n {
		b.WriteString(`<item><title>Item `)
		b.WriteString(strconv.Itoa(i))
		b.WriteString(`</title><link>/items/`)
		b.WriteString(strconv.Itoa(i))
		b.WriteString(`</link><guid>id-`)
		b.WriteString(strconv.Itoa(i))
		b.WriteString(`</guid><description>&lt;p&gt;Body of &lt;a href="/x"&gt;item&lt;/a&gt;&lt;/p&gt;</description></item>`)
	}
	b.WriteString(`</channel></rss>`)
	body := b.Bytes()

	var before, after runtimeMem
	before.read()
	p, err := Parse(body, "application/rss+xml", "http://example.test/feed", testNow)
	if err != nil {
		t.Fatal(err)
	}
	after.read()
	if len(p.Items) != n {
		t.Fatalf("got %d items, want %d", len(p.Items), n)
	}
	last := p.Items[n-1]
	if last.GUID != "id-99999" || last.URL != "http://example.test/items/99999" || last.Title != "Item 99999" ||
		!strings.Contains(last.Content, `href="http://example.test/x"`) {
		t.Errorf("last item = %+v", last)
	}
	// The result itself is about the size of the body; what parsing keeps
	// live beyond that must stay within a small multiple of it.
	if grown := after.heap - before.heap; grown > 12*uint64(len(body)) {
		t.Errorf("live heap grew by %d MB for a %d MB body", grown>>20, len(body)>>20)
	}
	t.Logf("body %d MB, live heap +%d MB", len(body)>>20, (after.heap-before.heap)>>20)
}

// runtimeMem is the live heap after a full collection.
type runtimeMem struct{ heap uint64 }

func (m *runtimeMem) read() {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.heap = s.HeapAlloc
}

// TestParseHostileShapes covers bodies built to make normalisation slow or
// large: each must give a clean, bounded result.
func TestParseHostileShapes(t *testing.T) {
	t.Run("many categories and enclosures on one item", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`<rss version="2.0"><channel><title>T</title><item><guid>g</guid>`)
		for i := range 20000 {
			b.WriteString(`<category>c` + strconv.Itoa(i%5000) + `</category>`)
			b.WriteString(`<enclosure url="/e/` + strconv.Itoa(i) + `" type="audio/mpeg"/>`)
		}
		b.WriteString(`</item></channel></rss>`)
		it := oneItem(t, mustParse(t, []byte(b.String()), "", "http://example.test/feed"))
		if len(it.Categories) != maxCategories || it.Categories[0] != "c0" {
			t.Errorf("kept %d categories starting %q, want %d starting c0", len(it.Categories), it.Categories[0], maxCategories)
		}
		if len(it.Enclosures) != maxEnclosures {
			t.Errorf("kept %d enclosures, want %d", len(it.Enclosures), maxEnclosures)
		}
	})
	t.Run("deep nesting with stray end tags", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`<rss version="2.0"><channel><title>T</title>`)
		for range 50000 {
			b.WriteString(`<x>`)
		}
		for range 50000 {
			b.WriteString(`</y>`)
		}
		b.WriteString(`<item><title>i</title></item>`)
		// Whatever the outcome, it comes back, with an error or items.
		p, err := Parse([]byte(b.String()), "", "http://example.test/feed", testNow)
		if err == nil {
			checkParsed(t, p, testNow)
		}
	})
}

// TestParseConcurrent parses the real-world snapshots from many goroutines
// at once (run with -race) and checks each result equals a sequential one.
func TestParseConcurrent(t *testing.T) {
	files, err := filepath.Glob("testdata/realworld/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no real-world snapshots to parse (%v)", err)
	}
	var bodies [][]byte
	var want []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(b, "", "http://example.test/f", testNow)
		if err != nil {
			continue
		}
		bodies = append(bodies, b)
		want = append(want, string(renderParsed(t, p)))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range bodies {
				k := (i + g) % len(bodies)
				p, err := Parse(bodies[k], "", "http://example.test/f", testNow)
				if err != nil {
					t.Errorf("Parse: %v", err)
					return
				}
				if got := string(renderParsed(t, p)); got != want[k] {
					t.Errorf("concurrent result for body %d differs", k)
				}
			}
		})
	}
	wg.Wait()
}
