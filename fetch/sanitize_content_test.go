package fetch

import (
	"encoding/xml"
	"html"
	"io"
	"strings"
	"testing"
)

// keptTextCases are elements the content policy removes, each with the
// text a browser shows of it in order (want) and what must never appear,
// as text or markup (never).
var keptTextCases = []struct {
	name  string
	html  string
	want  []string
	never []string
}{
	{"font", `a<font color="red">b</font>c`, []string{"abc"}, []string{"font", "red"}},
	{"center", `a<center>b</center>c`, []string{"a", "b", "c"}, []string{"center"}},
	{"blink", `a <blink>b</blink> c`, []string{"a b c"}, []string{"blink"}},
	{"marquee", `a<marquee behavior="scroll">b</marquee>c`, []string{"a", "b", "c"}, []string{"marquee", "scroll"}},
	{"unknown tag", `a <foo-bar x="1">b</foo-bar> <zzz>c</zzz>`, []string{"a b c"}, []string{"foo", "zzz"}},
	{"object fallback", `a<object data="http://example.test/x.swf"><param name="m" value="v"><p>fallback</p></object>b`,
		[]string{"a", "fallback", "b"}, []string{"object", "param", "x.swf"}},
	{"embed", `a<embed src="http://example.test/y.swf">b`, []string{"a", "http://example.test/y.swf", "b"}, []string{"<embed"}},
	{"applet fallback", `a<applet code="X.class"><p>no java</p></applet>b`, []string{"a", "no java", "b"}, []string{"applet", "X.class"}},
	{"noscript fallback", `a<noscript><p>no <em>script</em></p></noscript>b`, []string{"a", "no script", "b"}, []string{"noscript", "&lt;"}},
	{"unclosed noscript", `a<noscript><p>rest`, []string{"a", "rest"}, []string{"noscript", "&lt;"}},
	{"stray frameset", `a<frameset><frame src="http://example.test/f">b`, []string{"a", "b"}, []string{"frame"}},
	{"stray meta", `a<meta charset="x">b`, []string{"a", "b"}, []string{"meta"}},
	{"stray link", `a<link rel="stylesheet" href="http://example.test/s.css">b`, []string{"a", "b"}, []string{"<link", "s.css"}},
	{"stray base", `a<base href="http://evil.test/">b<a href="/x">c</a>`, []string{"a", "b", "c"}, []string{"base", "evil"}},
	{"stray title", `a<title>t</title>b`, []string{"a", "b"}, []string{"<title"}},
	{"script", `a<script>var s = "hidden";</script>b`, []string{"a", "b"}, []string{"script", "hidden"}},
	{"unclosed script", `a<script>var s = "hidden";`, []string{"a"}, []string{"script", "hidden"}},
	{"style", `a<style>p { color: hidden }</style>b`, []string{"a", "b"}, []string{"style", "hidden", "color"}},
	{"script in noscript", `a<noscript><script>hidden()</script>c</noscript>b`, []string{"a", "c", "b"}, []string{"script", "hidden"}},
	{"iframe", `a<iframe src="http://example.test/frame">fallback</iframe>b`,
		[]string{"a", "http://example.test/frame", "b"}, []string{"<iframe", "fallback"}},
}

// TestSanitizeKeepsText sanitises each case as item content (escaped HTML,
// CDATA, inline XHTML) and as a title, and checks that a browser shows
// the text of the case in order and nothing that must never appear.
func TestSanitizeKeepsText(t *testing.T) {
	for _, tc := range keptTextCases {
		wraps := map[string]string{
			"escaped": rssWith("", `<title>t</title><link>http://example.test/posts/item</link>`+
				`<description>`+html.EscapeString(tc.html)+`</description>`),
			"cdata": rssWith("", `<title>t</title><link>http://example.test/posts/item</link>`+
				`<description><![CDATA[`+tc.html+`]]></description>`),
			"title": rssWith("", `<title>`+html.EscapeString(tc.html)+`</title><link>http://example.test/posts/item</link>`),
		}
		if xhtmlSafe(tc.html) {
			wraps["xhtml"] = `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>t</title>` +
				`<id>i</id><link href="http://example.test/posts/item"/><updated>2025-01-01T00:00:00Z</updated>` +
				`<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">` + tc.html + `</div></content></entry></feed>`
		}
		for wrap, body := range wraps {
			t.Run(tc.name+"/"+wrap, func(t *testing.T) {
				it := oneItem(t, mustParse(t, []byte(body), "", "http://example.test/feed"))
				stored, text := it.Content, browserText(it.Content)
				if wrap == "title" {
					stored, text = it.Title, it.Title
				}
				at := 0
				for _, w := range tc.want {
					if wrap == "title" && strings.HasPrefix(w, "http://") {
						continue // a title has no links
					}
					i := strings.Index(text[at:], w)
					if i < 0 {
						t.Fatalf("text %q lacks %q after offset %d (stored %q)", text, w, at, stored)
					}
					at += i + len(w)
				}
				low := strings.ToLower(stored)
				for _, n := range tc.never {
					if wrap == "title" && n == "&lt;" {
						continue
					}
					if strings.Contains(low, strings.ToLower(n)) {
						t.Errorf("stored %q has %q", stored, n)
					}
				}
			})
		}
	}
}

// xhtmlSafe reports whether s is well-formed XML, and so can be inline
// XHTML.
func xhtmlSafe(s string) bool {
	d := xml.NewDecoder(strings.NewReader("<div>" + s + "</div>"))
	for {
		if _, err := d.Token(); err != nil {
			return err == io.EOF
		}
	}
}

func TestSanitizeIframes(t *testing.T) {
	const sandbox = ` allowfullscreen="" sandbox="allow-scripts allow-same-origin allow-popups" loading="lazy"></iframe>`
	peertube := []string{"youtube.com", "videos.example.org"}
	tests := []struct {
		name  string
		hosts []string // nil: the defaults
		in    string
		want  string // the whole result
	}{
		{"youtube to nocookie", nil, `<iframe width="560" height="315" src="https://www.youtube.com/embed/abc?si=x" frameborder="0" allow="autoplay"></iframe>`,
			`<iframe src="https://www.youtube-nocookie.com/embed/abc?si=x" width="560" height="315"` + sandbox},
		{"youtube protocol-relative", nil, `<iframe src="//www.youtube.com/embed/abc"></iframe>`,
			`<iframe src="https://www.youtube-nocookie.com/embed/abc"` + sandbox},
		{"youtube watch page", nil, `<iframe src="https://youtube.com/watch?v=abc"></iframe>`,
			`<iframe src="https://www.youtube-nocookie.com/embed/abc"` + sandbox},
		{"nocookie kept", nil, `<iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe>`,
			`<iframe src="https://www.youtube-nocookie.com/embed/abc"` + sandbox},
		{"vimeo over http", nil, `<iframe src="http://player.vimeo.com/video/1" title="A film"></iframe>`,
			`<iframe src="https://player.vimeo.com/video/1" title="A film"` + sandbox},
		{"dailymotion", nil, `<iframe src="https://www.dailymotion.com/embed/video/x1"></iframe>`,
			`<iframe src="https://www.dailymotion.com/embed/video/x1"` + sandbox},
		{"their sandbox replaced", nil, `<iframe src="https://player.vimeo.com/video/1" sandbox="allow-top-navigation allow-forms" onload="x()"></iframe>`,
			`<iframe src="https://player.vimeo.com/video/1"` + sandbox},
		{"peertube from config", peertube, `<iframe src="https://videos.example.org/videos/embed/9"></iframe>`,
			`<iframe src="https://videos.example.org/videos/embed/9"` + sandbox},
		{"peertube not in defaults", nil, `<iframe src="https://videos.example.org/videos/embed/9"></iframe>`,
			`<a href="https://videos.example.org/videos/embed/9" rel="nofollow noreferrer noopener" target="_blank">https://videos.example.org/videos/embed/9</a>`},
		{"vimeo not in config", peertube, `<iframe src="https://player.vimeo.com/video/1"></iframe>`,
			`<a href="https://player.vimeo.com/video/1" rel="nofollow noreferrer noopener" target="_blank">https://player.vimeo.com/video/1</a>`},
		{"no hosts at all", []string{}, `<iframe src="https://www.youtube.com/embed/abc"></iframe>`,
			`<a href="https://www.youtube.com/embed/abc" rel="nofollow noreferrer noopener" target="_blank">https://www.youtube.com/embed/abc</a>`},
		{"lookalike host", nil, `<iframe src="https://youtube.com.evil.test/embed/abc"></iframe>`,
			`<a href="https://youtube.com.evil.test/embed/abc" rel="nofollow noreferrer noopener" target="_blank">https://youtube.com.evil.test/embed/abc</a>`},
		{"relative src", nil, `<iframe src="/frame?a=1&amp;b=2"></iframe>`,
			`<a href="http://example.test/frame?a=1&amp;b=2" rel="nofollow noreferrer noopener" target="_blank">http://example.test/frame?a=1&amp;b=2</a>`},
		{"javascript src", nil, `a<iframe src="javascript:alert(1)"></iframe>b`, `ab`},
		{"srcdoc", nil, `a<iframe srcdoc="<script>alert(1)</script><p>hi</p>"></iframe>b`, `ab`},
		{"allowed host given data:", nil, `a<iframe src="data:text/html,https://www.youtube.com/embed/x"></iframe>b`, `ab`},
		{"fallback dropped", nil, `<iframe src="https://player.vimeo.com/video/1"><p>Your browser has no frames</p></iframe>`,
			`<iframe src="https://player.vimeo.com/video/1"` + sandbox},
		{"unclosed iframe", nil, `a<iframe src="https://player.vimeo.com/video/1">b`,
			`a<iframe src="https://player.vimeo.com/video/1"` + sandbox},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := newSanitizer(tt.hosts)
			got := z.sanitize(tt.in, &lazyBase{raw: "http://example.test/posts/item"})
			if got != tt.want {
				t.Errorf("sanitize(%q)\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
			if tt.hosts == nil {
				if msg := unsafeHTML(got); msg != "" {
					t.Errorf("unsafe: %s", msg)
				}
			}
		})
	}
}

// TestNoControlCharacters: no C0 or C1 control other than tab and newline
// is stored in a title or content, whichever way the feed writes it.
func TestNoControlCharacters(t *testing.T) {
	const attack = "&amp;#27;]0;pwned&amp;#7;"
	tests := []struct {
		name        string
		body        string
		title, text string // what the title and content must read
	}{
		{"RSS entities", rssWith("", `<title>a`+attack+`b</title><link>http://example.test/i</link>`+
			`<description>&lt;p&gt;x`+attack+`y&lt;/p&gt;</description>`), "a]0;pwnedb", "<p>x]0;pwnedy</p>"},
		{"RSS entities in plain text", rssWith("", `<title>t</title><link>http://example.test/i</link>`+
			`<description>x`+attack+`y</description>`), "t", "x]0;pwnedy"},
		// An HTML reference to 0x80-0x9F means the windows-1252
		// character, as browsers read it (&#x9b; is ›).
		{"RSS hex entities and C1", rssWith("", `<title>t</title><link>http://example.test/i</link>`+
			`<description>&lt;b&gt;x&amp;#x1B;[5m&amp;#x9b;y&#x9b;z&lt;/b&gt;</description>`), "t", "<b>x[5m›y›z</b>"},
		{"RSS attribute", rssWith("", `<title>t</title><link>http://example.test/i</link>`+
			`<description>&lt;img src="http://example.test/a.png" alt="x&amp;#27;y" title="&amp;#x85;"&gt;</description>`), "t",
			`<img src="http://example.test/a.png">`},
		{"JSON Feed html", `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1",` +
			`"title":"a\u001b[5mb\u009b","content_html":"<p>x\u001b[5my\u0007\u009bz</p>"}]}`, "a[5mb", "<p>x[5myz</p>"},
		{"JSON Feed text", `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1",` +
			`"title":"t","content_text":"x\u001b[5my\u0000z"}]}`, "t", "x[5myz"},
		{"JSON Feed entity text", `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1",` +
			`"title":"t","content_html":"x&#27;]0;y&#7;"}]}`, "t", "x]0;y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := oneItem(t, mustParse(t, []byte(tt.body), "", "http://example.test/feed"))
			if it.Title != tt.title {
				t.Errorf("title %q, want %q", it.Title, tt.title)
			}
			if it.Content != tt.text {
				t.Errorf("content %q, want %q", it.Content, tt.text)
			}
			for _, s := range []string{it.Title, it.Content} {
				if i := controlIndex(s); i >= 0 {
					t.Errorf("control character at %d of %q", i, s)
				}
			}
		})
	}
}

func TestSanitizeDataImages(t *testing.T) {
	const png = "data:image/png;base64,iVBORw0KGgo="
	tests := []struct{ in, want string }{
		{`<img src="` + png + `">`, `<img src="` + png + `">`},
		{`a<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" alt="pic">b`, `apicb`},
		{`a<img src="DATA:Image/SVG+XML;base64,PHN2Zz48L3N2Zz4=">b`, `ab`},
		{`a<img src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E">b`, `ab`},
		{`a<img srcset="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4= 1x">b`, `ab`},
		{`<a href="` + png + `">x</a>`, `x`},
	}
	for _, tt := range tests {
		if got := sanitizeHTML(tt.in, &lazyBase{raw: "http://example.test/i"}); got != tt.want {
			t.Errorf("sanitizeHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
