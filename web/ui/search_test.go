package ui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func marked(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Marked {
			b.WriteString("[" + s.Text + "]")
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct{ q, text, want string }{
		{"gopher", "Gophers and a gopher", "Gophers and a [gopher]"},
		{"goph*", "Gophers and a gopher", "[Gophers] and a [gopher]"},
		{"go*", "go gopher", "[go] gopher"}, // too short a prefix: a word
		{"go", "go gopher, Go!", "[go] gopher, [Go]!"},
		{`"river gophers"`, "the river gophers swim", "the [river] [gophers] swim"},
		{"c++", "C++ and c", "[C++] and [c]"},
		{"<b>", "<b>bold</b>", "<[b]>bold</[b]>"},
		{"straße", "STRASSE Straße", "STRASSE [Straße]"},
		{"עברית", "טקסט עברית כאן", "טקסט [עברית] כאן"},
		{"", "nothing", "nothing"},
	} {
		if got := marked(newHighlighter(tc.q).mark(tc.text)); got != tc.want {
			t.Errorf("%q in %q: %q, want %q", tc.q, tc.text, got, tc.want)
		}
	}
	long := strings.Repeat("word ", 100) + "needle " + strings.Repeat("more ", 100)
	s := marked(newHighlighter("needle").snippet(long, 100))
	if !strings.Contains(s, "[needle]") || !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || utf8.RuneCountInString(s) > 110 {
		t.Errorf("snippet %q", s)
	}
	if got := textOf(`<p>One <b>two</b></p><script>no()</script><style>x{}</style>three`); got != "One two three" {
		t.Errorf("textOf: %q", got)
	}
	if got := dropMeta(`<p>a</p><meta http-equiv="refresh" content="0;url=x"><META HTTP-EQUIV=refresh><p>b</p>`); got != "<p>a</p><p>b</p>" {
		t.Errorf("dropMeta: %q", got)
	}
}

// FuzzHighlight: any search over any text marks pieces of the text and
// loses nothing of it.
func FuzzHighlight(f *testing.F) {
	f.Add("goph*", "Gophers and a gopher")
	f.Add(`"a b"`, "a b c")
	f.Add("c++", "C++")
	f.Add("ǅ", "ǆǄ")
	f.Fuzz(func(t *testing.T, q, text string) {
		if !utf8.ValidString(text) {
			text = strings.ToValidUTF8(text, "?")
		}
		h := newHighlighter(q)
		var b strings.Builder
		for _, s := range h.mark(text) {
			b.WriteString(s.Text)
		}
		if b.String() != text {
			t.Fatalf("marking %q in %q gave back %q", q, text, b.String())
		}
		_ = h.snippet(text, 50)
		_ = textOf(text)
		if strings.Contains(strings.ToLower(dropMeta(text)), "<meta") && !strings.Contains(strings.ToLower(text), "<meta") {
			t.Fatal("dropMeta made a meta tag")
		}
	})
}
