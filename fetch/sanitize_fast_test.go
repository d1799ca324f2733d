package fetch

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	gojson "github.com/mmcdole/gofeed/json"

	"tidings/fetch/fetchtest"
)

// fastTestBase is the item URL the differential tests resolve against.
const fastTestBase = "http://example.test/posts/item"

// checkFast runs the fast path on s and, when it accepts, compares its
// output with the policy path's. It reports whether the fast path
// accepted.
func checkFast(tb testing.TB, s string) bool {
	tb.Helper()
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	got, ok := sanitizeFast(s)
	if !ok {
		return false
	}
	if want := sanitizePolicy(s, &lazyBase{raw: fastTestBase}); got != want {
		tb.Errorf("fast path differs from the policy on %q\n fast:   %q\n policy: %q", s, got, want)
	}
	return true
}

// itemContents returns the HTML of every item of body as normalize hands
// it to sanitizeHTML, or nil when body is not a feed.
func itemContents(body []byte, contentType string) []string {
	text, _ := decodeBody(body, contentType)
	f, err := parseFeed(text)
	if err != nil {
		return nil
	}
	var jsonItems []*gojson.Item
	if jf, ok := f.OriginalFeed().(*gojson.Feed); ok {
		jsonItems = jf.Items
	}
	var out []string
	for i, it := range f.Items {
		if it == nil {
			continue
		}
		var ji *gojson.Item
		if i < len(jsonItems) {
			ji = jsonItems[i]
		}
		out = append(out, itemHTML(it, ji))
	}
	return out
}

// realWorldFeeds is the item HTML of every real-world snapshot, by file.
func realWorldFeeds(tb testing.TB) map[string][]string {
	tb.Helper()
	files, err := filepath.Glob("testdata/realworld/*")
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]string{}
	for _, p := range files {
		name := filepath.Base(p)
		if strings.Contains(name, ".golden.") || name == "LICENSE" || name == "README.md" {
			continue
		}
		body, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = itemContents(body, "")
	}
	if len(out) == 0 {
		tb.Fatal("no feeds in testdata/realworld")
	}
	return out
}

// realWorldContents is the item HTML of every real-world snapshot.
func realWorldContents(tb testing.TB) []string {
	tb.Helper()
	feeds := realWorldFeeds(tb)
	names := make([]string, 0, len(feeds))
	for name := range feeds {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []string
	for _, name := range names {
		out = append(out, feeds[name]...)
	}
	return out
}

// fetchtestContents is the item HTML of the benchmark server's feeds, as
// served over loopback.
func fetchtestContents(tb testing.TB, format fetchtest.Format, feeds int) []string {
	tb.Helper()
	srv := fetchtest.NewServer(tb, fetchtest.Options{Feeds: feeds, Items: 20, Format: format})
	var out []string
	for i := range srv.Len() {
		resp, err := http.Get(srv.URL(i))
		if err != nil {
			tb.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, itemContents(body, resp.Header.Get("Content-Type"))...)
	}
	if len(out) == 0 {
		tb.Fatal("no item content from fetchtest")
	}
	return out
}

// acceptRate runs checkFast over contents that are HTML (not plain text,
// which sanitizeHTML handles before the fast path) and returns how many
// it accepted, out of how many.
func acceptRate(tb testing.TB, contents []string) (accepted, total int) {
	for _, h := range contents {
		if strings.IndexByte(h, '<') < 0 && strings.IndexByte(h, '&') < 0 {
			continue
		}
		total++
		if checkFast(tb, h) {
			accepted++
		}
	}
	return accepted, total
}

// TestFastCorpora compares the fast path with the policy on every item of
// the real-world snapshots and the benchmark server's feeds, and reports
// how much of each it accepts. The benchmark feeds are simple HTML by
// design: all of it must take the fast path.
func TestFastCorpora(t *testing.T) {
	feeds := realWorldFeeds(t)
	all, allHTML, acc, n := 0, 0, 0, 0
	for _, contents := range feeds {
		a, k := acceptRate(t, contents)
		acc, n = acc+a, n+k
		if k > 0 {
			allHTML++
			if a == k {
				all++
			}
		}
	}
	t.Logf("real-world snapshots: fast path accepted %d of %d HTML items (%.0f%%), all HTML items of %d of the %d feeds that have some (of %d)",
		acc, n, 100*float64(acc)/float64(n), all, allHTML, len(feeds))
	for _, format := range []fetchtest.Format{fetchtest.MixedXML, fetchtest.JSON} {
		acc, n := acceptRate(t, fetchtestContents(t, format, 6))
		t.Logf("fetchtest %s: fast path accepted %d of %d HTML items", format, acc, n)
		if acc != n {
			t.Errorf("fetchtest %s: fast path accepted only %d of %d items", format, acc, n)
		}
	}
}

// TestSanitizeFastAccepts lists input the fast path must take, with the
// policy's output spelled out; checkFast compares with the policy too.
func TestSanitizeFastAccepts(t *testing.T) {
	const rel = ` rel="nofollow noreferrer noopener" target="_blank"`
	for _, tc := range []struct{ name, in, want string }{
		{"paragraph", "<p>Hello, world.</p>", "<p>Hello, world.</p>"},
		{"link", `<a href="https://example.com/a/b?x=1&amp;y=2#top">x</a>`,
			`<a href="https://example.com/a/b?x=1&amp;y=2#top"` + rel + `>x</a>`},
		{"link bare ampersand", `<a href="http://example.com/?x=1&y=2">x</a>`,
			`<a href="http://example.com/?x=1&amp;y=2"` + rel + `>x</a>`},
		{"link own rel and target dropped", `<a target="_self" rel="me" href="http://example.com/" title="Home">h</a>`,
			`<a href="http://example.com/" title="Home"` + rel + `>h</a>`},
		{"link single quotes and upper case", `<A HREF='http://Example.com:8080/p'>x</A>`,
			`<a href="http://Example.com:8080/p"` + rel + `>x</a>`},
		{"link without href keeps title", `<a title="t" id="n">x</a>`, `<a title="t" id="n">x</a>`},
		{"self-closing link", `<a href="http://example.com/"/>`, `<a href="http://example.com/"` + rel + `/>`},
		{"image", `<img src="http://example.com/i.png" alt="A cat" width="800" height="50%" class="wp" style="x" loading="lazy" border="0" data-id="7">`,
			`<img src="http://example.com/i.png" alt="A cat" width="800" height="50%" loading="lazy">`},
		{"image attributes failing their pattern dropped", `<img src="http://example.com/i.png" alt="a: b" width="80px" loading="soon" align="nowhere"/>`,
			`<img src="http://example.com/i.png"/>`},
		{"image without src", `<img alt="no src">`, `<img alt="no src">`},
		{"image end tag", `<img src="http://example.com/i.png" ismap></img>`, `<img src="http://example.com/i.png"></img>`},
		{"text escapes", `it's "quoted" > & so on`, `it&#39;s &#34;quoted&#34; &gt; &amp; so on`},
		{"literal less-than", `a < b <3 and 1<2 <`, `a &lt; b &lt;3 and 1&lt;2 &lt;`},
		{"entities", `x&nbsp;&#8217;&#x2019;&hellip;&amp;&lt;&gt;&quot;&apos;&#39;&eacute;&#13;`,
			"x\u00a0\u2019\u2019\u2026&amp;&lt;&gt;&#34;&#39;&#39;\u00e9&#13;"},
		{"comments dropped", `<p>a<!-- note -->b<!---->c<!-->d<!--->e<!-- x --!>f</p>`, `<p>abcdef</p>`},
		{"carriage returns", "<p>a\r\nb\rc</p>", "<p>a\nb\nc</p>"},
		{"upper case and spaces", "<P\tClass=\"x\" >A<BR/>B<br />C</P >", "<p>A<br/>B<br/>C</p>"},
		{"code class", `<pre class="chroma"><code class="language-go">x := 1</code></pre>`,
			`<pre class="chroma"><code class="language-go">x := 1</code></pre>`},
		{"code class failing its pattern dropped", `<code class="a.b">x</code>`, `<code>x</code>`},
		{"global attributes", `<p dir="RTL" lang="en-GB" id="p1" title="(c) 2025">x</p><span dir="up" lang="x" id="" title="a&amp;b">y</span>`,
			`<p dir="RTL" lang="en-GB" id="p1" title="(c) 2025">x</p><span>y</span>`},
		{"blockquote cite", `<blockquote cite="https://example.com/q"><p>q</p></blockquote>`,
			`<blockquote cite="https://example.com/q"><p>q</p></blockquote>`},
		{"table", `<table width="100%" class="t"><tr align="left"><th colspan="2" valign="top">h</th></tr><tr><td rowspan="x">d</td></tr></table>`,
			`<table width="100%"><tr align="left"><th colspan="2" valign="top">h</th></tr><tr><td>d</td></tr></table>`},
		{"figure", "<figure><img src=\"http://example.com/i.jpg\" alt=\"x\"><figcaption>Cap</figcaption></figure>\n",
			"<figure><img src=\"http://example.com/i.jpg\" alt=\"x\"><figcaption>Cap</figcaption></figure>"},
		{"trimmed", " \n <p>x</p> \n", "<p>x</p>"},
		{"unbalanced tags kept as they are", `<p><em>x</p></li>`, `<p><em>x</p></li>`},
		{"attribute name without legacy entity", `<a href="http://example.com/?cmd=x&hosted_id=1">p</a>`,
			`<a href="http://example.com/?cmd=x&amp;hosted_id=1"` + rel + `>p</a>`},
		{"non-ASCII text and title", `<p title="Grüße">Grüße, 世界</p>`, `<p title="Grüße">Grüße, 世界</p>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := sanitizeFast(tc.in)
			if !ok {
				t.Fatalf("sanitizeFast(%q) declined", tc.in)
			}
			if got != tc.want {
				t.Errorf("sanitizeFast(%q)\n got  %q\n want %q", tc.in, got, tc.want)
			}
			checkFast(t, tc.in)
			if full := sanitizeHTML(tc.in, &lazyBase{raw: fastTestBase}); full != tc.want {
				t.Errorf("sanitizeHTML(%q) = %q, want %q", tc.in, full, tc.want)
			}
		})
	}
}

// fastDeclines are inputs outside the subset: hostile, odd or merely
// unhandled. The fast path must leave every one to the policy.
var fastDeclines = []string{
	// Eight hex digits overflow a rune: negative values once came out as
	// raw bytes (NUL, 0xFF) where the policy writes U+FFFD.
	`<p>&#xFFFFFF00;</p>`,
	`<p>&#xFFFFFFFF;</p>`,
	`<p>&#x800000e9;x</p>`,
	`<p>&#x8000003C;</p>`,
	`<p>&#x80000000;</p>`,
	`<script>alert(1)</script>`,
	`<SCRIPT>alert(1)</SCRIPT>`,
	`<style>p{}</style>`,
	`<iframe src="https://example.com/"></iframe>`,
	`<svg onload="alert(1)"></svg>`,
	`<math><mtext>x</mtext></math>`,
	`<textarea><p>x</p></textarea>`,
	`<title>x</title>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
	`<img src=x onerror=alert(1)>`,
	`<img src="http://example.com/i.png" onerror="alert(1)">`,
	`<a href="http://example.com/" onclick="alert(1)">x</a>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="java&#x09;script:alert(1)">x</a>`,
	`<a href="JavaScript:alert(1)">x</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`,
	`<img src="data:image/png;base64,iVBORw0KGgo=">`,
	`<a href="mailto:a@example.com">m</a>`,
	`<a href="/relative">r</a>`,
	`<a href="relative">r</a>`,
	`<a href="//example.com/">r</a>`,
	`<a href="HTTP://example.com/">r</a>`,
	`<a href=" http://example.com/">r</a>`,
	`<a href="http://example.com/a b">r</a>`,
	`<a href="http://example.com/é">r</a>`,
	`<a href="http://example.com/%zz">r</a>`,
	`<a href="http://example.com/#a#b">r</a>`,
	`<a href="http://example.com/#">r</a>`,
	`<a href="http://user:pw@example.com/">r</a>`,
	`<a href="http://[::1]/">r</a>`,
	`<a href="http://example.com:123456/">r</a>`,
	`<a href="http://example.com/&quot;">r</a>`,
	`<a href="http://example.com/" href="javascript:x">r</a>`,
	`<a>no href</a>`,
	`<a name="anchor"></a>`,
	`<img width="wide">`,
	`<img src="http://example.com/i.png" srcset="i2.png 2x">`,
	`<img src="http://example.com/i.png" longdesc="d.html">`,
	`<video poster="p.png" src="http://example.com/v.mp4"></video>`,
	`<div cite="http://example.com/" src="x">d</div>`,
	`<del cite="http://example.com/">d</del>`,
	`<ul type="square"><li>x</li></ul>`,
	`<div align="center">x</div>`,
	`<p xml:lang="en">x</p>`,
	`<font face="x">x</font>`,
	`<center>x</center>`,
	`<kbd>x</kbd>`,
	`<p title='x'title="y">x</p>`,
	`<p a=/>x`,
	`<p class=x>x</p>`,
	`<p class = "x">x</p>`,
	`<p`,
	`<p class="x`,
	`<p class="x"`,
	`</p class="x">`,
	`</br/>`,
	`</>`,
	`</ p>`,
	`<a:b>x</a:b>`,
	`<xhtml:img src="http://example.com/i.png"/>`,
	`<!DOCTYPE html><p>x</p>`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	`<?xml version="1.0"?><p>x</p>`,
	`<!-- unterminated`,
	`<!-x->`,
	`&copy2025`,
	`AT&T`,
	`&unknownentity;`,
	`&#128;`,
	`&#0;`,
	`&#xD800;`,
	`&#x110000;`,
	`&#;`,
	`&#x;`,
	`&NotANamedEntity;`,
	"a\x00b",
	"a\fb",
	"<p\fclass=\"x\">",
	"<p class=\"x\"\r>",
	`<a href="http://example.com/?a&copy=1&copyx">x</a>`,
	`<a href="http://example.com/?a&not">x</a>`,
}

func TestSanitizeFastDeclines(t *testing.T) {
	for _, in := range fastDeclines {
		if got, ok := sanitizeFast(in); ok {
			t.Errorf("sanitizeFast(%q) = %q, want it declined", in, got)
		}
	}
}

// TestFastTables probes the policy with every element of fastElems and
// every attribute the fast path knows, with values that match and fail
// each pattern: whatever the fast path accepts must come out as the
// policy has it. It fails when newContentPolicy changes in a way the
// tables do not follow.
func TestFastTables(t *testing.T) {
	names := map[string]bool{"data-x": true, "aria-label": true, "onclick": true, "xml": true,
		"usemap": true, "open": true, "datetime": true, "type": true, "value": true, "span": true,
		"abbr": true, "headers": true, "scope": true, "nowrap": true, "coords": true, "shape": true,
		"srcset": true, "sizes": true, "poster": true, "controls": true, "media": true}
	for _, e := range fastElems {
		for k := range e.attrs {
			names[k] = true
		}
	}
	for k := range fastGlobalAttrs {
		names[k] = true
	}
	for k := range fastDroppedAttrs {
		names[k] = true
	}
	values := []string{"", "1", "50%", "x", "left", "top", "rtl", "lazy", "en", "a b", "a: b",
		"language-go", "http://example.com/p", "https://example.com/?a=1&amp;b=2",
		"javascript:alert(1)", "/rel", "a&amp;b", "'quoted'", "ſquare", "3px"}
	for name, e := range fastElems {
		required := ""
		switch name {
		case "a":
			required = ` href="http://example.com/a"`
		case "img":
			required = ` src="http://example.com/i.png"`
		}
		plain := "<" + name + ">t</" + name + ">"
		if checkFast(t, plain) == e.needsAttrs {
			t.Errorf("fast path on %q: accepted %v, want %v", plain, !e.needsAttrs, e.needsAttrs)
		}
		for _, in := range []string{"<" + name + required + ">t</" + name + ">", "<" + name + required + "/>"} {
			if !checkFast(t, in) {
				t.Errorf("fast path declined %q", in)
			}
		}
		for attr := range names {
			for _, v := range values {
				checkFast(t, fmt.Sprintf(`<%s%s %s="%s">t</%s>`, name, required, attr, v, name))
				checkFast(t, fmt.Sprintf(`<%s %s="%s"%s/>`, name, attr, v, required))
			}
			checkFast(t, fmt.Sprintf(`<%s%s %s>t</%s>`, name, required, attr, name))
		}
	}
}

// TestFastEntities checks every entity the fast path decodes, in text and
// in attribute values, against the policy.
func TestFastEntities(t *testing.T) {
	if len(fastEntities()) < 250 {
		t.Fatalf("only %d entities known", len(fastEntities()))
	}
	for name := range fastEntities() {
		for _, in := range []string{
			"<p>x&" + name + ";y</p>",
			`<p title="x&` + name + `;y">t</p>`,
			`<a href="http://example.com/?q=&` + name + `;">t</a>`,
			`<a href="http://example.com/?q=1&` + name + `=2">t</a>`,
		} {
			checkFast(t, in)
		}
		if !checkFast(t, "&"+name+";") {
			t.Errorf("fast path declined &%s;", name)
		}
	}
	for _, r := range []rune{1, 9, 10, 13, 31, 32, 38, 39, 60, 62, 127, 0xA0, 0xFF, 0x2019, 0xFFFD, 0xFFFE, 0x1F600, 0x10FFFF} {
		checkFast(t, fmt.Sprintf("&#%d;&#x%X;&#x%x;&#00%d;", r, r, r, r))
		checkFast(t, fmt.Sprintf(`<p title="&#%d;">t</p>`, r))
	}
}

// TestIsParagraph checks isParagraph against bluemonday.Paragraph for
// every character.
func TestIsParagraph(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if 0xD800 <= r && r <= 0xDFFF {
			continue
		}
		s := "a" + string(r) + "b"
		if got, want := isParagraph(s), bluemonday.Paragraph.MatchString(s); got != want {
			t.Errorf("isParagraph(%q) = %v, bluemonday.Paragraph says %v", s, got, want)
		}
	}
}

// FuzzSanitizeFast is the differential test: for any input the fast path
// accepts, its output equals the policy's byte for byte.
func FuzzSanitizeFast(f *testing.F) {
	for _, s := range realWorldContents(f) {
		f.Add(s)
	}
	for _, s := range fetchtestContents(f, fetchtest.MixedXML, 2)[:10] {
		f.Add(s)
	}
	for _, s := range fastDeclines {
		f.Add(s)
	}
	for _, s := range []string{
		`<p>Hello <a href="https://example.com/x?a=1&amp;b=2#f">x</a> &amp; 'q' "d" &gt; <em>e</em></p>`,
		`<img src="http://example.com/i.png" alt="A" width="1" height="2%" loading="LAZY" align="Left">`,
		`<p dir="ltr" lang="en" id="i" title="t">x</p><code class="go">c</code><!-- c -->`,
		`<table><tr><td colspan="2" align="center" valign="top">x</td></tr></table>`,
		`<blockquote cite="http://example.com/"><p>x</p></blockquote><q cite="http://example.com/">q</q>`,
		"<ul>\r\n<li>&nbsp;&#8217;&hellip;</li></ul>",
		`<a href="http://example.com/?a=1&b&c=3&copy=4&notes">x</a>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFast(t, s)
	})
}

// FuzzPlainHTTPURL checks that what plainHTTPURL accepts is left as it is
// by url.Parse-then-String (the policy's validURL) and by the resolver
// sanitizeHTML applies first, and is absolute http(s) with a host.
func FuzzPlainHTTPURL(f *testing.F) {
	for _, s := range []string{
		"http://example.com", "https://example.com:8080/a/b;c?d=e&f#g", "http://Example.COM/%7e~x",
		"http://example.com/?", "http://example.com/a/../b/./c", "http://example.com//x",
		"http://a.b/(x)*!$'+,=:@", "http://example.com/#frag?x/y", "http://x/%2F%2f%00",
		"http://example.com/?q=a%zz", "http://example.com:/", "http://-.-/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !plainHTTPURL(s) {
			return
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("plainHTTPURL(%q) but url.Parse: %v", s, err)
		}
		if got := u.String(); got != s {
			t.Errorf("plainHTTPURL(%q) but url.Parse(...).String() = %q", s, got)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Errorf("plainHTTPURL(%q) but scheme %q host %q", s, u.Scheme, u.Host)
		}
		for _, kind := range []urlAttr{linkURL, mediaURL, imageURL} {
			if got, ok := resolveContentURL(s, &lazyBase{raw: fastTestBase}, kind); !ok || got != s {
				t.Errorf("plainHTTPURL(%q) but resolveContentURL = %q, %v", s, got, ok)
			}
		}
	})
}

// TestFastLookups checks the flattened lookup tables against the
// declarative ones they are built from.
func TestFastLookups(t *testing.T) {
	names := []string{"data-x", "aria-hidden", "onclick", "xyz", "a", "href"}
	for _, e := range fastElems {
		for k := range e.attrs {
			names = append(names, k)
		}
	}
	for k := range fastGlobalAttrs {
		names = append(names, k)
	}
	for k := range fastDroppedAttrs {
		names = append(names, k)
	}
	for name, want := range fastElems {
		got, i := lookupElem(name)
		if got != want {
			t.Fatalf("lookupElem(%q) is not fastElems[%q]", name, name)
		}
		for _, a := range names {
			if got, want := lookupAttr(i, a), attrRuleFor(want, a); got != want {
				t.Errorf("lookupAttr(%s, %s) = %v, attrRuleFor says %v", name, a, got, want)
			}
		}
	}
	for _, name := range []string{"", "script", "iframe", "x", "aa", "img1", "strongest"} {
		if e, _ := lookupElem(name); e != nil {
			t.Errorf("lookupElem(%q) found an element", name)
		}
	}
}

// Pieces buildHTML assembles HTML from: names and values in the subset
// (good), and near it or well outside it (bad).
var (
	buildElems = [2][]string{
		{"a", "img", "p", "br", "em", "code", "pre", "blockquote", "q", "td", "tr", "table", "li", "ul",
			"figure", "h2", "span", "div", "A", "IMG", "Br"},
		{"script", "style", "iframe", "svg", "font", "kbd", "area", "source", "video", "title", "textarea",
			"noscript", "xmp", "plaintext", "a:b", "p.x"},
	}
	buildAttrs = [2][]string{
		{"href", "src", "cite", "alt", "title", "width", "height", "class", "style", "id", "lang", "dir",
			"loading", "align", "valign", "colspan", "summary", "rel", "target", "border", "data-x",
			"aria-label", "xmlns", "ismap", "HREF", "Src", "name"},
		{"onclick", "onerror", "srcset", "poster", "longdesc", "usemap", "type", "open", "xml:lang", "a\"b"},
	}
	buildValues = [2][]string{
		{"", "x", "1", "50%", "3px", "http://example.com/", "https://example.com/a?b=1&amp;c=2#d",
			"http://EXAMPLE.com:80", "http://example.com/?a&b=1&copy=2&notes", "ltr", "RTL", "lazy", "left",
			"center", "top", "en", "a b", "a: b", "language-go", "x&y", "&quot;", "&#39;", "&amp;", "é",
			"A cat (2)", "http://x.test/a(b)*!$;,=:@~", "https://x.test/%41?q=%7e#f/?"},
		{"javascript:alert(1)", "/rel", "//x.test/", "mailto:a@b.test", "data:image/png;base64,AA==",
			"ſquare", "http://example.com/%41%zz", "http://x.test/#a#b", "http://x.test/#", " http://x.test/",
			"http://x.test/\x00", "&#x0;", "&unknown;"},
	}
	buildTexts = [2][]string{
		{"text", " ", "\n", "'", "\"", ">", "< ", "<3", "& ", "&amp;", "&nbsp;", "&#39;", "&#x41;",
			"&copy;", "&hellip;", "\r\n", "\r", "é", "\u00a0", "<!-- c -->", "<!---->", "<!-->",
			"<!-- a --!>", "\t", "&lt;p&gt;"},
		{"<", "&", "&#128;", "&copy", "&unknown;", "<!-- x", "<![CDATA[x]]>", "<!DOCTYPE html>", "<?x?>",
			"</>", "</ p>", "\x00", "\f"},
	}
)

// buildHTML turns the fuzzer's bytes into HTML made of buildElems,
// buildAttrs, buildValues and buildTexts, mostly their good halves, so
// that much of what it makes is in the fast path's subset or one step
// outside it: the bytes choose the pieces.
func buildHTML(prog []byte) string {
	var b strings.Builder
	next := func() int {
		if len(prog) == 0 {
			return 0
		}
		c := int(prog[0])
		prog = prog[1:]
		return c
	}
	pick := func(lists [2][]string) string {
		c := next()
		list := lists[0]
		if c >= 240 {
			list = lists[1]
		}
		return list[c%len(list)]
	}
	for len(prog) > 0 {
		switch op := next(); op % 8 {
		case 0, 1, 2:
			b.WriteString(pick(buildTexts))
		case 3, 4:
			b.WriteString("<" + pick(buildElems))
			for n := next() % 4; n > 0; n-- {
				b.WriteString([]string{" ", " ", "  ", "\n", "\t", ""}[next()%6])
				b.WriteString(pick(buildAttrs))
				switch next() % 16 {
				case 0:
					// valueless
				case 1:
					b.WriteString("=" + pick(buildValues)) // unquoted
				case 2, 3:
					b.WriteString("='" + pick(buildValues) + "'")
				default:
					b.WriteString(`="` + pick(buildValues) + `"`)
				}
			}
			b.WriteString([]string{">", ">", ">", "/>", " />", " >", "", "/", "\r>"}[next()%9])
		case 5:
			b.WriteString("</" + pick(buildElems) + []string{">", ">", ">", " >", "", " x>"}[next()%6])
		case 6:
			b.WriteByte(byte(next()))
		case 7:
			b.WriteString(pick(buildValues))
		}
	}
	return b.String()
}

// FuzzSanitizeFastBuilt is FuzzSanitizeFast on HTML assembled by buildHTML,
// which reaches far more of the subset than mutated bytes do.
func FuzzSanitizeFastBuilt(f *testing.F) {
	for _, seed := range [][]byte{
		{3, 0, 1, 0, 3, 0, 0, 0, 0, 0, 5, 2, 3, 0, 0},
		{3, 1, 2, 0, 1, 3, 5, 11, 4, 2, 1, 3, 0},
		{4, 2, 3, 30, 7, 0, 12, 3, 2, 0, 0, 6, 0, 3, 2, 0},
		{0, 24, 0, 25, 0, 26, 0, 27, 0, 12, 0, 13, 0, 14, 0, 15},
		{0, 250, 1, 241, 3, 245, 1, 0, 241, 4, 5, 0},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, prog []byte) {
		checkFast(t, buildHTML(prog))
	})
}
