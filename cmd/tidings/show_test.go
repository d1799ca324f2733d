package main

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"tidings/store"
)

func TestShowGolden(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	for _, id := range []string{"1", "2", "3", "4"} {
		t.Run(id, func(t *testing.T) {
			r := h.mustRun(exitOK, "show", id)
			golden(t, "show-"+id+".txt", r.stdout)
		})
	}
}

func TestShowMarksRead(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	st := h.openStore()
	ctx := context.Background()
	h.mustRun(exitOK, "show", "2", "--keep-unread")
	if it, _ := st.Item(ctx, meID(t, st), 2); it.Read {
		t.Fatal("show --keep-unread marked the item read")
	}
	h.mustRun(exitOK, "show", "2")
	if it, _ := st.Item(ctx, meID(t, st), 2); !it.Read {
		t.Fatal("show did not mark the item read")
	}
	r := h.run("show", "99")
	if r.code != exitFailure || !strings.Contains(r.stderr, "no item with ID 99") {
		t.Fatalf("show 99: exit %d, %q", r.code, r.stderr)
	}
}

func TestShowWidthFromColumns(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	t.Setenv("COLUMNS", "30")
	r := h.mustRun(exitOK, "show", "1")
	_, body, _ := strings.Cut(r.stdout, "\n\n") // the header is not wrapped
	if body == "" {
		t.Fatalf("no body:\n%s", r.stdout)
	}
	for _, line := range strings.Split(body, "\n") {
		// Only unbreakable words (URLs) may pass the width.
		if utf8.RuneCountInString(line) > 30 && strings.Contains(line, " ") && !strings.Contains(line, "https://") {
			t.Errorf("line wider than $COLUMNS=30: %q", line)
		}
	}
}

// TestRenderHTML is a table of HTML fragments and the text they render as,
// at 40 columns.
func TestRenderHTML(t *testing.T) {
	tests := []struct {
		name, html, want string
		links            []string
	}{
		{"paragraphs", "<p>One.</p><p>Two.</p>", "One.\n\nTwo.", nil},
		{"whitespace collapsed", "<p>  a\n\n  b\t c </p>", "a b c", nil},
		{"wrapping", "<p>the quick brown fox jumps over the lazy dog and keeps on running</p>",
			"the quick brown fox jumps over the lazy\ndog and keeps on running", nil},
		{"line break", "a<br>b", "a\nb", nil},
		{"heading", "<h2>Title</h2><p>text</p>", "## Title\n\ntext", nil},
		{"bullets", "<p>List:</p><ul><li>one</li><li>two</li></ul><p>after</p>", "List:\n\n• one\n• two\n\nafter", nil},
		{"numbers", "<ol><li>first</li><li>second</li></ol>", "1. first\n2. second", nil},
		{"nested list", "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "• a\n  • b\n• c", nil},
		{"wrapped bullet", "<ul><li>a long item that needs to wrap onto a second line</li></ul>",
			"• a long item that needs to wrap onto a\n  second line", nil},
		{"quote after text", "<p>a</p><blockquote><p>q</p></blockquote><p>b</p>", "a\n\n> q\n\nb", nil},
		{"paragraphs in a list", "<ul><li><p>a</p></li><li><p>b</p></li></ul>", "• a\n\n• b", nil},
		{"quote", "<blockquote><p>quoted</p><p>more</p></blockquote>", "> quoted\n>\n> more", nil},
		{"pre kept", "<p>code:</p><pre>if x {\n\treturn\n}</pre>", "code:\n\n    if x {\n        return\n    }", nil},
		{"link", `see <a href="https://a.example/x">this</a> and <a href="#top">that</a>`, "see this[1] and that", []string{"https://a.example/x"}},
		{"image", `<img src="https://a.example/i.png" alt="a cat">`, "[image: a cat][1]", []string{"https://a.example/i.png"}},
		{"image without alt", `<p><img src="https://a.example/i.png"></p>`, "[image][1]", []string{"https://a.example/i.png"}},
		{"script dropped", "<p>ok</p><script>alert(1)</script><style>p{}</style>", "ok", nil},
		{"entities", "<p>fish &amp; chips &lt;3</p>", "fish & chips <3", nil},
		{"escape sequences", "<p>a\x1b[31mred</p>", "a [31mred", nil},
		{"table", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc", nil},
		{"plain text", "just text", "just text", nil},
		{"empty", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, links := renderHTML(tt.html, 40, 1)
			if got != tt.want {
				t.Errorf("renderHTML(%q) =\n%s\nwant:\n%s", tt.html, got, tt.want)
			}
			var urls []string
			for _, l := range links {
				urls = append(urls, l.URL)
			}
			if strings.Join(urls, " ") != strings.Join(tt.links, " ") {
				t.Errorf("links = %q, want %q", urls, tt.links)
			}
		})
	}
}

func FuzzRenderHTML(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<ul><li><ol><li>x</ol></ul>", "<pre>\n\tx</pre>", "<blockquote><h1>t</h1>", "<a href=x><img src=y alt=z></a>"} {
		f.Add(s, 40)
	}
	f.Fuzz(func(t *testing.T, src string, width int) {
		width = width%200 + 1
		text, _ := renderHTML(src, width, 1)
		if !utf8.ValidString(src) {
			return
		}
		if strings.ContainsRune(text, '\x1b') {
			t.Errorf("an escape character reached the terminal: %q", text)
		}
	})
}

func TestShowEnclosures(t *testing.T) {
	h := newHarness(t, "")
	st := h.openStore()
	ctx := context.Background()
	f, err := addFeed(t, st, store.Subscription{Feed: store.Feed{URL: "https://pod.example/feed"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.SaveFetch(ctx, f.ID, store.FetchResult{Now: testNow, Items: []store.Item{{
		GUID: "ep1", Title: "Episode 1", Content: `<p>Show <a href="https://pod.example/notes">notes</a></p>`, Published: testNow,
		Enclosures: []store.Enclosure{{URL: "https://pod.example/ep1.mp3", Type: "audio/mpeg", Length: 12_345_678}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	r := h.mustRun(exitOK, "show", "1")
	if !strings.Contains(r.stdout, "https://pod.example/ep1.mp3 (audio/mpeg, 12.3 MB)") {
		t.Errorf("attachment not listed:\n%s", r.stdout)
	}
	// The order the README gives: content, attachments, then links.
	att, links := strings.Index(r.stdout, "\nAttachments:\n"), strings.Index(r.stdout, "\nLinks:\n")
	if att < 0 || links < att {
		t.Errorf("want Attachments before Links:\n%s", r.stdout)
	}
}

func BenchmarkRenderHTML(b *testing.B) {
	var src strings.Builder
	for range 20 {
		src.WriteString(`<p>Range over func makes <a href="https://go.example/x">iterators</a> easy, and <em>generic</em> code reads better.</p>`)
		src.WriteString(`<ul><li>one item</li><li>two <code>items</code></li></ul><blockquote><p>quoted text</p></blockquote>`)
		src.WriteString(`<pre>for x := range seq {
	use(x)
}</pre><img src="https://go.example/i.png" alt="chart">`)
	}
	b.SetBytes(int64(src.Len()))
	for b.Loop() {
		renderHTML(src.String(), 80, 1)
	}
}
