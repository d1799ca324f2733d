package store

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// plainTextOracle is PlainText as it was before the byte scanner: every
// token from x/net/html's Tokenizer (plainTextTokenizer, which PlainText
// still uses for comments and raw text). PlainText must give the same on
// every input.
func plainTextOracle(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	return plainTextTokenizer(s)
}

// contentPolicy is close to fetch's policy for item content (bluemonday's
// UGC policy with target=_blank and rel on links, figures, media, code
// classes): the input PlainText sees in practice.
var contentPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowRelativeURLs(false)
	p.AllowDataURIImages()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowElements("picture", "figure", "figcaption")
	p.AllowAttrs("srcset", "sizes").OnElements("img", "source")
	p.AllowAttrs("src", "poster", "width", "height", "controls").OnElements("video")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^[\w\- ]{1,100}$`)).OnElements("code", "pre")
	return p
}()

// plainTextCases are inputs at the edges of the tokenizer's states.
var plainTextCases = []string{
	"", "plain text", "  spaced  ", "a&b", "<", "a<", "<<b>x", "< p>", "<1>", "a < b > c",
	"<p>Hello <b>world</b></p>", "a&amp;b &lt;tag&gt;", "&amp", "&ampx", "&notit;", "&#39;&#x27;&#0;&#x110000;&#128;",
	"&unknown; &", "&AMP;", "&#", "&#x", "&#xZ;", "don&#39;t", "&#8220;q&#8221;",
	"<p>one</p><p>two</p>", "<img src=x alt='picture'>caption", "unclosed <b", "unclosed <b ", "<b x", "<b x=", "<b x='",
	"<b x='>'>y", `<b x=">">y`, `<b x=y>z`, `<b x=y z>w`, `<b x= y>w`, `<b =x>y`, `<b ==x>y`, `<b x"y>z`, `<b x'y='>'>z`,
	`<b/>x`, `<b / >x`, `<br/`, `<b x=/>y`, `<b x= >y`, `<b x=>y`, "<b\tx\n=\fy\r>z", "<B>X</B>",
	"</", "a</", "</>x", "</ x>y", "</1", "</b", "</b>", "</b x='>'>y", "</b/>x", "<//>x",
	"<!", "<!>x", "<!x>y", "<!DOCTYPE html>x", "<!doctype", "<!DOC", "<!-", "<!-x>y", "<!--c-->x", "<!-->x", "<!--->x",
	"<?xml version='1.0'?>x", "<?", "<?x", "a\r\nb\rc\n", "<p>a\r</p>\nb", "&#13;\r\n", "x\x00y<b>\x00</b>",
	"<script>alert(1)</script>after", "<style>p{}</style><div>x</div>", "<SCRIPT>x</SCRIPT>y", "<script/>x</script>y",
	"</script>x", "<scripts>x</scripts>", "<title>a &amp; b</title>", "<textarea><b></textarea>", "<xmp><b></xmp>",
	"<iframe><b>x</b></iframe>", "<noscript><p>x</p></noscript>", "<plaintext><b>x", "<noembed>x", "<noframes>x</noframes>y",
	"<ſcript>x</ſcript>", "<\u212aey>x", "bad \xff utf8 <b>\xfe</b>", "<p>naïve café — “quoted”</p>",
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"  untouched  ", "  untouched  "},
		{"<p>Hello <b>world</b></p>", "Hello  world"},
		{"a&amp;b &lt;tag&gt;", "a&b <tag>"},
		{"<p>one</p><p>two</p>", "one  two"},
		{"<script>alert(1)</script>after", "after"},
		{"<style>p{}</style><div>x</div>", "x"},
		{"<img src=x alt='picture'>caption", "caption"},
		{"<a href='x>y'>link</a>", "link"},
		{"unclosed <b", "unclosed"},
		{"1 < 2", "1 < 2"},
		{"<!-- a comment -->text", "text"},
		{"a\r\nb", "a\r\nb"},
		{"a\r\n<br>b\rc", "a\n b\nc"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range plainTextCases {
		if got, want := PlainText(in), plainTextOracle(in); got != want {
			t.Errorf("PlainText(%q) = %q; the tokenizer gives %q", in, got, want)
		}
	}
}

// TestPlainTextSanitised: on sanitised content, which is what the stores
// index, the byte scanner does the whole job (no hand-over to the
// tokenizer) and gives the tokenizer's result.
func TestPlainTextSanitised(t *testing.T) {
	inputs := append([]string(nil), plainTextCases...)
	files, err := filepath.Glob("../../shared/corpus/realworld/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Each feed's escaped markup, unescaped, is a good enough
		// stand-in for its items' HTML.
		inputs = append(inputs, html.UnescapeString(string(b)))
	}
	for _, in := range inputs {
		s := contentPolicy.Sanitize(in)
		if !scannedWhole(s) {
			t.Errorf("plainTextFast left sanitised %q to the tokenizer", s)
		}
		if got, want := PlainText(s), plainTextOracle(s); got != want {
			t.Errorf("PlainText(%q) = %q; the tokenizer gives %q", s, got, want)
		}
	}
}

// scannedWhole reports whether PlainText(s) needs no tokenizer.
func scannedWhole(s string) bool {
	if !strings.ContainsAny(s, "<&") {
		return true
	}
	_, ok := plainTextFast(s)
	return ok
}

// FuzzPlainText: PlainText equals the tokenizer on any input and on that
// input sanitised, and sanitised input never needs the tokenizer.
func FuzzPlainText(f *testing.F) {
	for _, s := range plainTextCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := PlainText(in), plainTextOracle(in); got != want {
			t.Fatalf("PlainText(%q) = %q; the tokenizer gives %q", in, got, want)
		}
		s := contentPolicy.Sanitize(in)
		if !scannedWhole(s) {
			t.Fatalf("plainTextFast left sanitised %q (from %q) to the tokenizer", s, in)
		}
		if got, want := PlainText(s), plainTextOracle(s); got != want {
			t.Fatalf("PlainText(%q) (sanitised %q) = %q; the tokenizer gives %q", s, in, got, want)
		}
	})
}

// BenchmarkPlainText is one item's content of sanitised HTML, about 700
// bytes, by the byte scanner and by the tokenizer.
func BenchmarkPlainText(b *testing.B) {
	s := contentPolicy.Sanitize(`<p>Many things happened this week. In passing, a gopher was seen near the river, and the
compiler team's release is out.</p><p>See <a href="https://blog.example.com/posts/earlier">the earlier post</a> &amp;
the notes.</p><figure><img src="https://blog.example.com/images/1.jpg" alt="A river" width="800" height="450">
<figcaption>The river in winter</figcaption></figure><blockquote><p>Little river, my while channel one &#8220;cache
before&#8221;.</p></blockquote><ul><li>great down the mountain</li><li><code>deploy()</code></li></ul>
<p>Coffee, the garden, a bicycle &mdash; and the library's new kernel socket buffer latency goroutine.</p>`)
	b.Run("scanner", func(b *testing.B) {
		for b.Loop() {
			PlainText(s)
		}
		b.SetBytes(int64(len(s)))
	})
	b.Run("tokenizer", func(b *testing.B) {
		for b.Loop() {
			plainTextOracle(s)
		}
		b.SetBytes(int64(len(s)))
	})
}
