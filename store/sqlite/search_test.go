package sqlite

import (
	"strings"
	"testing"
	"time"

	"tidings/store"
)

func TestFTSQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"gopher", `"gopher"`},
		{"  two   words ", `"two" "words"`},
		{`say "hi"`, `"say" """hi"""`},
		{"AND( OR NOT", `"AND(" "OR" "NOT"`},
		{"goph*", `"goph"*`},
		{"title:x", `"title:x"`},
		{`" * ( ) - ^`, ``},
		{"", ``},
		{"naïve café", `"naïve" "café"`},
		{"a\x00b", `"a b"`},
		{"x\xffy", `"x" "y"`},
	}
	for _, tt := range tests {
		if got := ftsQuery(tt.in); got != tt.want {
			t.Errorf("ftsQuery(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestHTMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"<p>Hello <b>world</b></p>", "Hello  world"},
		{"a&amp;b &lt;tag&gt;", "a&b <tag>"},
		{"<p>one</p><p>two</p>", "one  two"},
		{"<script>alert(1)</script>after", "after"},
		{"<style>p{}</style><div>x</div>", "x"},
		{"<img src=x alt='picture'>caption", "caption"},
		{"unclosed <b", "unclosed"},
	}
	for _, tt := range tests {
		if got := strings.TrimSpace(htmlText(tt.in)); got != tt.want {
			t.Errorf("htmlText(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSearchQuery: no user text makes a search fail, and what it finds
// does contain something like the text.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"gopher", `"`, `AND(`, `NEAR(a b`, `title:x`, `*`, `a*b`, `"""`, `-x`, `^x`,
		"x\x00y", "\xff", `{title body}: x`, `x OR`, `(((`, "🙂 emoji", `a"b"c`} {
		f.Add(s)
	}
	db := openTemp(f)
	feed, err := db.Subscribe(f.Context(), uid(f, db), store.Subscription{Feed: store.Feed{URL: "https://fuzz.test/feed"}, Tags: []string{"t"}})
	if err != nil {
		f.Fatal(err)
	}
	_, err = db.SaveFetch(f.Context(), feed.ID, store.FetchResult{Now: time.Now(), Items: []store.Item{
		{GUID: "1", Title: "Gopher news", Content: "<p>All about the gopher, AND more.</p>"},
		{GUID: "2", Title: "Other", Content: `<p>Quotes " and (parentheses) and title:colons</p>`},
	}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, input string) {
		for _, q := range []store.Query{{Search: input}, {Search: input, Unread: true, Tag: "t", Limit: 1}} {
			items, _, err := db.Items(t.Context(), uid(t, db), q)
			if err != nil {
				t.Fatalf("Items(search %q): %v (FTS query %q)", input, err, ftsQuery(input))
			}
			if len(items) > 2 {
				t.Fatalf("search %q found %d items of 2", input, len(items))
			}
		}
		if m := ftsQuery(input); m != "" {
			var n int
			if err := db.read.QueryRowContext(t.Context(), "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", m).Scan(&n); err != nil {
				t.Fatalf("MATCH %q (from %q): %v", m, input, err)
			}
		}
	})
}
