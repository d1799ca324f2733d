package postgres

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"tidings/store"
	"tidings/store/storetest"
)

func TestTSQuery(t *testing.T) {
	tests := []struct {
		in, want string
		literals []string
	}{
		{in: "gopher", want: "'gopher'"},
		{in: "GOPHER mascot", want: "'GOPHER' & 'mascot'"},
		{in: "goph*", want: "'goph':*"},
		{in: "g*", want: "'g'"},
		{in: `"gopher"`, want: `'gopher'`},
		{in: `"quick brown" fox`, want: `('quick' <-> 'brown') & 'fox'`},
		{in: `"quick bro"*`, want: `('quick' <-> 'bro':*)`},
		{in: "don't", want: "'don''t'"},
		{in: `a\b`, want: `'a\\b'`},
		{in: "a & b | !c", want: "'a' & 'b' & '!c'"},
		{in: "(x) <-> y:*", want: "'(x)' & 'y:'"},
		{in: "* ** - ( ) \"\"", want: ""},
		{in: "   ", want: ""},
		{in: "", want: ""},
		{in: "tab\tnew\nline", want: "'tab' & 'new' & 'line'"},
		{in: "nul\x00byte", want: "'nulbyte'"},
		{in: "bad\xffutf8", want: "'bad' & 'utf8'"},
		{in: "Привет 東京", want: "'Привет' & '東京'"},
		{in: "go Go GO", want: "'go'"},
		{in: "C++ c#", want: "'C++' & 'c#'", literals: []string{"c++", "c#"}},
	}
	for _, tt := range tests {
		got, lits, err := tsQuery(tt.in)
		if err != nil || got != tt.want || !slices.Equal(lits, tt.literals) {
			t.Errorf("tsQuery(%q) = %q, %q, %v; want %q, %q", tt.in, got, lits, err, tt.want, tt.literals)
		}
	}
}

func TestSearchSyntax(t *testing.T) {
	storetest.RunSearchSyntax(t, func(t *testing.T) store.Store { return openEmpty(t) })
}

func TestHTMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"<p>one</p><p>two</p>", "one  two"},
		{"a<br/>b", "a b"},
		{"<script>var x = 1;</script>shown<style>p{}</style>", "shown"},
		{"fish &amp; chips &lt;3", "fish & chips <3"},
		{"<b>bold", "bold"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := htmlText(tt.in); got != tt.want {
			t.Errorf("htmlText(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestClip(t *testing.T) {
	s := strings.Repeat("é", 10) // 2 bytes each
	for n := range 25 {
		got := clip(s, n)
		if len(got) > n || !utf8.ValidString(got) || len(got) < n-1 && len(got) != len(s) {
			t.Errorf("clip(%d) = %q (%d bytes)", n, got, len(got))
		}
	}
}

// saveTitles stores one item per title in a new feed and returns the store.
func saveTitles(t testing.TB, titles ...string) *DB {
	t.Helper()
	db := openEmpty(t)
	f := subscribeURL(t, db, me(t, db), "https://lang.test/feed")
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	its := make([]store.Item, len(titles))
	for i, title := range titles {
		its[i] = store.Item{GUID: fmt.Sprint(i), Title: title, Content: "<p>" + title + "</p>", Published: base}
	}
	if _, err := db.SaveFetch(t.Context(), f.ID, store.FetchResult{Now: base, Items: its}); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSearchLanguages(t *testing.T) {
	db := saveTitles(t, "Élection présidentielle", "Die Straße", "ПРИВЕТ мир", "東京タワー", "Ελληνικά νέα", "don't panic")
	tests := []struct {
		search string
		want   string
	}{
		{"élection", "Élection présidentielle"},
		{"ÉLECTION", "Élection présidentielle"},
		{"straße", "Die Straße"},
		{"привет", "ПРИВЕТ мир"},
		{"東京タワー", "東京タワー"},
		{"ελληνικά", "Ελληνικά νέα"},
		{"prés*", "Élection présidentielle"},
		{"don't", "don't panic"},
	}
	for _, tt := range tests {
		got, _, err := db.Items(t.Context(), me(t, db), store.Query{Search: tt.search})
		if err != nil {
			t.Errorf("search %q: %v", tt.search, err)
			continue
		}
		if len(got) != 1 || got[0].Title != tt.want {
			var titles []string
			for _, it := range got {
				titles = append(titles, it.Title)
			}
			t.Errorf("search %q = %q; want [%q]", tt.search, titles, tt.want)
		}
	}
}

// TestAwkwardText saves text PostgreSQL refuses as is (NUL, invalid UTF-8)
// and very long content: the save succeeds, the text reads back storable,
// and the same fetch again changes nothing.
func TestAwkwardText(t *testing.T) {
	db := openEmpty(t)
	user := me(t, db)
	f := subscribeURL(t, db, user, "https://awkward.test/feed")
	var long strings.Builder
	long.WriteString("<p>needle at the start ")
	for i := long.Len(); long.Len() < 4<<20; i++ {
		fmt.Fprintf(&long, "word%d ", i)
	}
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	its := []store.Item{
		{GUID: "nul\x00guid", Title: "title\x00with nul", Content: "body\xffbad", Author: "a\xc3",
			Categories: []string{"c\x00at"}, Enclosures: []store.Enclosure{{URL: "https://awkward.test/\x00e.mp3"}}, Published: base},
		{GUID: "long", Title: strings.Repeat("t", 100_000), Content: long.String(), Published: base},
	}
	r := store.FetchResult{Now: base, Items: its}
	res, err := db.SaveFetch(t.Context(), f.ID, r)
	if err != nil || res.New != 2 {
		t.Fatalf("SaveFetch = %+v, %v; want 2 new", res, err)
	}
	got, _, err := db.Items(t.Context(), user, store.Query{FeedID: f.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range got {
		for _, s := range append([]string{it.GUID, it.Title, it.Content, it.Author}, it.Categories...) {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Errorf("item %d: stored text %q is not clean", it.ID, s)
			}
		}
	}
	if res, err := db.SaveFetch(t.Context(), f.ID, r); err != nil || res.New+res.Updated != 0 {
		t.Errorf("same fetch again = %+v, %v; want nothing new or updated", res, err)
	}
	if found, _, err := db.Items(t.Context(), user, store.Query{Search: "needle"}); err != nil || len(found) != 1 {
		t.Errorf("search in long content = %d items, %v; want 1", len(found), err)
	}
}

// FuzzSearch sends any text as a search and as a MarkAllRead filter: the
// query built from it never fails on the server.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"gopher", `"`, "AND(", "goph*", `'; DROP TABLE items; --`, `\`, `a\'b`,
		"!x", "a <-> b", "x:*", "x:A", "(((", "'", "''", `\\'`, "a:b:c", "\x00", "\xff\xfe", "東京", "-1.5e3"} {
		f.Add(s)
	}
	db := saveTitles(f, "gopher news", "a:b:c")
	user := me(f, db)
	f.Fuzz(func(t *testing.T, s string) {
		if _, _, err := db.Items(t.Context(), user, store.Query{Search: s, Limit: 5}); err != nil {
			t.Errorf("search %q: %v", s, err)
		}
		if _, err := db.MarkAllRead(t.Context(), user, store.Query{Search: s, Tag: "nope"}); err != nil {
			t.Errorf("MarkAllRead search %q: %v", s, err)
		}
	})
}

// TestSearchCandidates checks the bound of a search: its newest
// searchCandidates matches are ranked, listed, counted and marked read,
// the filters applying to them.
func TestSearchCandidates(t *testing.T) {
	saved, savedWord, savedScan := searchCandidates, commonWord, commonScan
	t.Cleanup(func() { searchCandidates, commonWord, commonScan = saved, savedWord, savedScan })
	db := openEmpty(t)
	ctx := t.Context()
	user := me(t, db)
	feed := subscribeURL(t, db, user, "https://candidates.test/feed")
	other := subscribeURL(t, db, user, "https://candidates.test/other")
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		content := "<p>common words</p>"
		if i < 2 {
			content = "<p>common words and a platypus</p>"
		}
		f := feed.ID
		if i%3 == 0 {
			f = other.ID
		}
		it := store.Item{GUID: fmt.Sprint(i), Title: fmt.Sprint("Item ", i), Content: content, Published: base.Add(time.Duration(i) * time.Hour)}
		if _, err := db.SaveFetch(ctx, f, store.FetchResult{Now: time.Now(), Items: []store.Item{it}}); err != nil {
			t.Fatal(err)
		}
	}
	guids := func(q store.Query) []string {
		t.Helper()
		its, _, err := db.Items(ctx, user, q)
		if err != nil {
			t.Fatalf("Items(%+v): %v", q, err)
		}
		var gs []string
		for _, it := range its {
			gs = append(gs, it.GUID)
		}
		slices.Sort(gs)
		return gs
	}
	if got := guids(store.Query{Search: "common"}); len(got) != 30 {
		t.Fatalf("search common = %d items; want all 30", len(got))
	}
	searchCandidates = 10
	newest := []string{"20", "21", "22", "23", "24", "25", "26", "27", "28", "29"}
	if got := guids(store.Query{Search: "common"}); !slices.Equal(got, newest) {
		t.Errorf("search common = %v; want the newest 10 matches %v", got, newest)
	}
	if got := guids(store.Query{Search: "common platypus"}); !slices.Equal(got, []string{"0", "1"}) {
		t.Errorf("search common platypus = %v; want 0 and 1, its only matches", got)
	}
	q := store.Query{Search: "comm*", FeedURL: "https://candidates.test/feed"}
	want := []string{"20", "22", "23", "25", "26", "28", "29"}
	if got := guids(q); !slices.Equal(got, want) {
		t.Errorf("search %+v = %v; want %v, the feed's among the newest 10", q, got, want)
	}
	if n, err := db.CountItems(ctx, user, q); err != nil || n != len(want) {
		t.Errorf("CountItems(%+v) = %d, %v; want %d", q, n, err, len(want))
	}
	if n, err := db.MarkAllRead(ctx, user, q); err != nil || n != len(want) {
		t.Errorf("MarkAllRead(%+v) = %d, %v; want %d", q, n, err, len(want))
	}
	if got := guids(store.Query{Read: true}); !slices.Equal(got, want) {
		t.Errorf("read after MarkAllRead = %v; want %v", got, want)
	}
	// Once ANALYZE has seen that "common" is in every item, a search of
	// common words reads the newest commonScan items only; one with a rare
	// word reads them all.
	if _, err := db.pool.Exec(ctx, "ANALYZE items"); err != nil {
		t.Fatal(err)
	}
	searchCandidates, commonWord, commonScan = 100, 5, 10
	if got := guids(store.Query{Search: `"common words"`}); !slices.Equal(got, newest) {
		t.Errorf(`search "common words" = %v; want the newest 10 items %v`, got, newest)
	}
	if got := guids(store.Query{Search: "common platypus"}); !slices.Equal(got, []string{"0", "1"}) {
		t.Errorf("search common platypus = %v; want 0 and 1, older than the newest 10", got)
	}
}
