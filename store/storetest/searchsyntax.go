package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"tidings/store"
)

// RunSearchSyntax checks what a backend's search makes of what users
// type: quoted phrases match as phrases, "C++" is not "c", repeated words
// are folded, and a search over the bounds of store.ParseSearch is refused
// with store.ErrSearchTooLong by Items and MarkAllRead alike. A backend's
// test calls it next to Run, with the same constructor.
func RunSearchSyntax(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	me := newUser(t, s, "syntax")
	f := subscribe(t, s, me, "https://syntax.test/feed")
	texts := []string{
		"New features of C++ modules",        // 0
		"A guide to C and its compilers",     // 1
		"Why C# and F# share a runtime",      // 2
		"quick brown fox jumps",              // 3
		"the fox is quick and brown",         // 4
		"Learning c++ the hard way: c++ 26!", // 5
	}
	its := make([]store.Item, len(texts))
	for i, txt := range texts {
		its[i] = store.Item{GUID: txt, Title: txt, Content: "<p>" + txt + "</p>", Published: base.Add(time.Duration(i) * time.Minute)}
	}
	if _, err := s.SaveFetch(ctx, f.ID, store.FetchResult{Now: fetchTime, Items: its}); err != nil {
		t.Fatal(err)
	}
	found := func(t *testing.T, q string) []int {
		t.Helper()
		got, _, err := s.Items(ctx, me, store.Query{Search: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var idx []int
		for _, it := range got {
			idx = append(idx, slices.Index(texts, it.Title))
		}
		slices.Sort(idx)
		return idx
	}
	tests := []struct {
		q    string
		want []int
	}{
		{"C++", []int{0, 5}},
		{"c++ modules", []int{0}},
		{"C", []int{0, 1, 2, 5}}, // "c++" and "c#" are indexed as "c" too
		{"c#", []int{2}},
		{`"F#"`, []int{2}},
		{`"quick brown"`, []int{3}},
		{"quick brown", []int{3, 4}},
		{`"brown quick"`, nil},
		{`"quick bro"*`, []int{3}},
		{`"fox jumps" quick`, []int{3}},
		{"fox fox FOX fox", []int{3, 4}},
		{`"quick`, []int{3, 4}}, // an unclosed quote runs to the end
		{"q*", nil},             // one letter is no prefix: the word "q"
		{"qui*", []int{3, 4}},
		{"qu*", nil}, // two letters are no prefix either: the word "qu"
	}
	for _, tt := range tests {
		if got := found(t, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("search %q found %v, want %v", tt.q, got, tt.want)
		}
	}
	// Repeats are folded before the bound is checked: 800 times one word
	// is one word, but more characters than the bound allows.
	if got := found(t, strings.Repeat("fox ", 40)); !slices.Equal(got, []int{3, 4}) {
		t.Errorf("40 times fox found %v, want [3 4]", got)
	}
	var many []string
	for i := range store.MaxSearchTerms + 1 {
		many = append(many, "w"+strings.Repeat("x", i%20)+string(rune('a'+i%26)))
	}
	for _, q := range []string{strings.Join(many, " "), strings.Repeat("fox ", 800)} {
		if _, _, err := s.Items(ctx, me, store.Query{Search: q}); !errors.Is(err, store.ErrSearchTooLong) {
			t.Errorf("Items(search of %d bytes): %v, want store.ErrSearchTooLong", len(q), err)
		}
		if _, err := s.MarkAllRead(ctx, me, store.Query{Search: q}); !errors.Is(err, store.ErrSearchTooLong) {
			t.Errorf("MarkAllRead(search of %d bytes): %v, want store.ErrSearchTooLong", len(q), err)
		}
	}
	if n, err := s.MarkAllRead(ctx, me, store.Query{Search: "C++"}); err != nil || n != 2 {
		t.Errorf("MarkAllRead(C++) = %d, %v; want 2", n, err)
	}
}
