package sqlite

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"tidings/store"
	"tidings/store/storetest"
)

func TestFTSQuery(t *testing.T) {
	tests := []struct {
		in, want string
		literals []string
	}{
		{in: "gopher", want: `"gopher"`},
		{in: "  two   words ", want: `"two" "words"`},
		{in: `say "hi"`, want: `"say" "hi"`},
		{in: `"quick brown" fox`, want: `"quick brown" "fox"`},
		{in: `"quick bro"*`, want: `"quick bro"*`},
		{in: `a"b`, want: `"a" "b"`},
		{in: "AND( OR NOT", want: `"AND(" "OR" "NOT"`},
		{in: "goph*", want: `"goph"*`},
		{in: "g*", want: `"g"`},
		{in: "title:x", want: `"title:x"`},
		{in: `" * ( ) - ^`, want: ``},
		{in: "", want: ``},
		{in: "naïve café", want: `"naïve" "café"`},
		{in: "a\x00b", want: `"a" "b"`},
		{in: "x\xffy", want: `"x" "y"`},
		{in: "gop Gop GOP gop*", want: `"gop" "gop"*`},
		{in: "C++ c#", want: `"C++" "c#"`, literals: []string{"c++", "c#"}},
		{in: "(C++),", want: `"(C++),"`, literals: []string{"c++"}},
		{in: "a+b 1+1 ++", want: `"a+b" "1+1"`, literals: []string{"a+b", "1+1"}},
	}
	for _, tt := range tests {
		got, lits, err := ftsQuery(tt.in)
		if err != nil || got != tt.want || !slices.Equal(lits, tt.literals) {
			t.Errorf("ftsQuery(%q) = %q, %q, %v; want %q, %q", tt.in, got, lits, err, tt.want, tt.literals)
		}
	}
}

func TestSearchSyntax(t *testing.T) {
	storetest.RunSearchSyntax(t, func(t *testing.T) store.Store { return openTemp(t) })
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
				if errors.Is(err, store.ErrSearchTooLong) {
					continue
				}
				m, _, _ := ftsQuery(input)
				t.Fatalf("Items(search %q): %v (FTS query %q)", input, err, m)
			}
			if len(items) > 2 {
				t.Fatalf("search %q found %d items of 2", input, len(items))
			}
		}
		if m, _, _ := ftsQuery(input); m != "" {
			var n int
			if err := db.read.QueryRowContext(t.Context(), "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", m).Scan(&n); err != nil {
				t.Fatalf("MATCH %q (from %q): %v", m, input, err)
			}
		}
	})
}
