package fetch

import (
	"net/url"
	"testing"
)

func TestResolveHTTP(t *testing.T) {
	base, _ := url.Parse("https://example.test/dir/page.html")
	tests := []struct {
		raw  string
		want string // "" when refused
	}{
		{"http://other.test/x", "http://other.test/x"},
		{"  https://other.test/x  ", "https://other.test/x"},
		{"HTTP://Other.test/x", "http://Other.test/x"},
		{"/abs", "https://example.test/abs"},
		{"rel?q=1#f", "https://example.test/dir/rel?q=1#f"},
		{"../up", "https://example.test/up"},
		{"//cdn.test/i.png", "https://cdn.test/i.png"},
		{"#frag", "https://example.test/dir/page.html#frag"},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(1)", ""},
		{"vbscript:x", ""},
		{"data:text/html,x", ""},
		{"mailto:a@b.test", ""},
		{"ftp://files.test/x", ""},
		{"file:///etc/passwd", ""},
		{"http:///nohost", ""},
		{"http://[::1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := resolveHTTP(base, tt.raw)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("resolveHTTP(%q) = %q, %v; want %q", tt.raw, got, ok, tt.want)
		}
	}
	if got, ok := resolveHTTP(nil, "/rel"); ok {
		t.Errorf("relative URL without a base resolved to %q", got)
	}
	lb := &lazyBase{raw: "javascript:alert(1)//", fallback: base}
	if got, _ := lb.resolve("x"); got != "https://example.test/dir/x" {
		t.Errorf("a hostile item base was used: %q", got)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"  a \n\t b  ", "a b"},
		{"A &amp; B &lt;c&gt; &#8220;q&#8221; &eacute;", "A & B <c> “q” é"},
		{"<p>one</p><p>two</p>", "one two"},
		{"x<br>y", "x y"},
		{"<b>bold</b> <i>it</i>", "bold it"},
		{"<script>alert(1)</script>ok<style>p{}</style>", "ok"},
		{"1 < 2 > 0", "1 < 2 > 0"},
		{"tab\x00null\x07bell", "tabnullbell"},
		{"nbsp\u00a0and\u2003em", "nbsp and em"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"", ""},
		{"<img src=x>", ""},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNeedsURLRewrite(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`<p>no links</p>`, false},
		{`<a href="https://x.test/">x</a><img src='http://x.test/i.png'>`, false},
		{`<a HREF = "HTTPS://x.test/">x</a>`, false},
		{`<a href="/rel">x</a>`, true},
		{`<a href=rel>x</a>`, true},
		{`<a href="//cdn.test/">x</a>`, true},
		{`<a href=" javascript:x">x</a>`, true},
		{`<a href="&#106;avascript:x">x</a>`, true},
		{`<img src="data:image/png;base64,AA==">`, true},
		{`<a/href="rel">`, true},
		{`<img srcset="https://x.test/a.png 1x">`, true},
		{`<video poster="https://x.test/p.png">`, true},
		{`<blockquote cite="rel">`, true},
		{`<p>2 + 2 = 4; a=b</p>`, false},
		{`<p title="src=rel">x</p>`, true}, // errs on the side of yes
	}
	for _, tt := range tests {
		if got := needsURLRewrite(tt.in); got != tt.want {
			t.Errorf("needsURLRewrite(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if got := tagNeedsURLRewrite([]byte(tt.in)); got != tt.want {
			t.Errorf("tagNeedsURLRewrite(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDecodeBodyStripsDeclaration(t *testing.T) {
	in := []byte(`<?xml version="1.0" encoding='ISO-8859-1' standalone="yes"?><rss/>`)
	got, name := decodeBody(in, "")
	if name != "windows-1252" || string(got) != `<?xml version="1.0" standalone="yes"?><rss/>` {
		t.Errorf("decodeBody = %q, %q", got, name)
	}
	utf := []byte(`<?xml version="1.0" encoding="UTF-8"?><rss/>`)
	if got, _ := decodeBody(utf, ""); &got[0] != &utf[0] {
		t.Errorf("a valid UTF-8 body was copied")
	}
}
