package sqlite

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
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

func TestMatchWords(t *testing.T) {
	tests := []struct {
		match string
		want  []string
	}{
		{``, []string{}},
		{`"gopher"`, []string{`"gopher"`}},
		{`"quick brown" "fox"`, []string{`"quick"`, `"brown"`, `"fox"`}},
		{`("gopher" OR "gophers") ("quick brown" OR "quick brother")`,
			[]string{`("gopher" OR "gophers")`, `"quick"`, `("brown" OR "brother")`}},
		{`"x-abcde" AND ("x-abcd" OR "x-abce") AND ("naïve")`, []string{`"x-abcde"`, `("x-abcd" OR "x-abce")`, `("naïve")`}},
		{`"say ""hi""" "a""b"`, []string{`"say"`, `"""hi"""`, `"a""b"`}},
	}
	for _, tt := range []struct {
		match string
		want  []string
	}{
		{``, nil},
		{`"a"`, []string{`"a"`}},
		{`"a b" AND ("c" OR "d") AND "e"`, []string{`"a b" AND "e"`, `("c" OR "d")`}},
		{`("c" OR "d") AND ("x-c" OR "x-d")`, []string{`("c" OR "d")`, `("x-c" OR "x-d")`}},
		{`"a AND (b" AND ("c "" AND (" OR "d")`, []string{`"a AND (b"`, `("c "" AND (" OR "d")`}},
	} {
		if got := matchParts(tt.match); !slices.Equal(got, tt.want) {
			t.Errorf("matchParts(%s) = %q; want %q", tt.match, got, tt.want)
		}
	}
	for _, tt := range tests {
		if got := matchWords(tt.match); !slices.Equal(got, tt.want) {
			t.Errorf("matchWords(%s) = %v; want %v", tt.match, got, tt.want)
		}
	}
	// What ftsQuery makes of anything parses back to its words.
	for _, in := range []string{`"quick bro"* fox`, `say "hi"`, `a"b c""d`, "naïve café*"} {
		m, _, err := ftsQuery(in)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for _, w := range matchWords(m) {
			if _, _, err := ftsQuery(w); err != nil || !strings.HasPrefix(w, `"`) {
				t.Errorf("word %s of %q: %v", w, in, err)
			}
			n++
		}
		if n == 0 {
			t.Errorf("no words in %q (%s)", in, m)
		}
	}
}

// TestSearchBounds checks the bounds of rankedSQL on a small store with
// small bounds: a search of common words reads the newest items only, in
// order; one with a rare word finds it among all, ranked or not.
func TestSearchBounds(t *testing.T) {
	saved := ftsRanked
	t.Cleanup(func() { ftsRanked = saved })
	db := openTemp(t)
	ctx := t.Context()
	me := uid(t, db)
	feed, err := db.Subscribe(ctx, me, store.Subscription{Feed: store.Feed{URL: "https://bounds.test/feed"}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		title, content := "Item "+strconv.Itoa(i), "<p>common words every day</p>"
		if i%2 == 1 {
			content = "<p>common words everyday</p>"
		}
		switch i {
		case 5:
			title = "Platypus " + title
		case 7:
			content = "<p>common words and a platypus</p>"
		}
		it := store.Item{GUID: strconv.Itoa(i), Title: title, Content: content, Published: base.Add(time.Duration(i) * time.Hour)}
		if _, err := db.SaveFetch(ctx, feed.ID, store.FetchResult{Now: time.Now(), Items: []store.Item{it}}); err != nil {
			t.Fatal(err)
		}
	}
	newest, _, err := db.Items(ctx, me, store.Query{ByID: true, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var newestIDs []int64
	for _, it := range newest {
		newestIDs = append(newestIDs, it.ID)
	}
	search := func(q string) []string {
		t.Helper()
		its, _, err := db.Items(ctx, me, store.Query{Search: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var guids []string
		for _, it := range its {
			guids = append(guids, it.GUID)
		}
		return guids
	}
	ids := func(q string) []int64 {
		t.Helper()
		its, _, err := db.Items(ctx, me, store.Query{Search: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var ids []int64
		for _, it := range its {
			ids = append(ids, it.ID)
		}
		return ids
	}
	// Within the default bounds all 100 match, ranked.
	if got := search("common"); len(got) != n {
		t.Errorf("search common = %d items; want %d", len(got), n)
	}
	// "common" is in every item: 100 estimated from the newest 10, 1,000
	// weighed, over the scan bound of 50; "platypus" is in two old ones.
	ftsRanked = rankedSQL(searchBounds{sample: 10, scan: 50, weight: 10, common: 20, ranked: 50})
	// "ever*" is "every" or "everyday", read apart.
	for _, q := range []string{"common", "common words", `"common words"`, "common* words", "ever*", "ever* common", `"words ever"*`} {
		if got := ids(q); !slices.Equal(got, newestIDs) {
			t.Errorf("search %s = %v; want the newest 20, newest first: %v", q, got, newestIDs)
		}
	}
	for _, q := range []string{"platypus", "common platypus", `"common words" platypus`, "platyp*"} {
		if got := search(q); !slices.Equal(got, []string{"5", "7"}) && !slices.Equal(got, []string{"7", "5"}) {
			t.Errorf("search %s = %v; want 5 and 7, older than the newest 20", q, got)
		}
	}
	if got := search("ever* platyp*"); !slices.Equal(got, []string{"5"}) {
		t.Errorf("search ever* platyp* = %v; want 5 (7 has no \"every\")", got)
	}
	// "platypus" (in 2 items, title of 5) and a word in 100: ranked by
	// bm25 when the words are in fewer items than the bound, all counted,
	// else newest first.
	for _, tt := range []struct {
		ranked int
		want   []string
	}{{1000, []string{"5", "7"}}, {50, []string{"7", "5"}}} {
		ftsRanked = rankedSQL(searchBounds{sample: 10, scan: 50, weight: 10, common: 20, ranked: tt.ranked})
		if got := search("platypus common"); !slices.Equal(got, tt.want) {
			t.Errorf("ranked bound %d: search = %v; want %v", tt.ranked, got, tt.want)
		}
	}
}

// TestPrefixWords checks that a prefix finds what FTS5's own prefix query
// finds, through the words of the index it starts (indexWords, read from
// the index's pages as fts5vocab lists them), over several segments and
// after deletes, and that a prefix of too many words is refused.
func TestPrefixWords(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	me := uid(t, db)
	feed, err := db.Subscribe(ctx, me, store.Subscription{Feed: store.Feed{URL: "https://prefix.test/feed"}})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	texts := []string{"Gophers <b>burrow</b> deep", "A <i>gopherish</i> tale", "Naïve cafés", "<p>Théâtre</p> x-abcde",
		"burrowing owls &amp; moles", "the quick brown fox", "brownish foxes"}
	// Words enough for leaves of many pages: "w" and 3 letters, many
	// starting "wab".
	for i := range 3000 {
		texts = append(texts, fmt.Sprintf("w%c%c%c wab%c%c", 'a'+i%26, 'a'+i/26%26, 'a'+i/676, 'a'+i%26, 'a'+i/26%26))
	}
	// A fetch at a time: a segment each, merged as automerge does.
	for i := 0; i < len(texts); i += 500 {
		var its []store.Item
		for k, txt := range texts[i:min(i+500, len(texts))] {
			n := i + k
			its = append(its, store.Item{GUID: strconv.Itoa(n), Title: "Item " + strconv.Itoa(n), Content: "<p>" + txt + "</p>",
				Published: base.Add(time.Duration(n) * time.Minute)})
		}
		if _, err := db.SaveFetch(ctx, feed.ID, store.FetchResult{Now: time.Now(), Items: its}); err != nil {
			t.Fatal(err)
		}
	}
	var segs int
	if err := db.read.QueryRowContext(ctx, "SELECT count(DISTINCT segid) FROM items_fts_idx").Scan(&segs); err != nil {
		t.Fatal(err)
	}
	if segs < 2 {
		t.Errorf("%d segments, want several", segs)
	}
	if _, err := db.write.ExecContext(ctx, "DELETE FROM items WHERE guid IN ('1', '600')"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, "CREATE VIRTUAL TABLE temp.words USING fts5vocab(main, items_fts, row)"); err != nil {
		t.Fatal(err)
	}
	// The write connection's temp table: its words, as FTS5 lists them.
	vocab := func(prefix string) []string {
		t.Helper()
		rows, err := db.write.QueryContext(ctx, "SELECT term FROM temp.words WHERE term >= ? AND term < ? ORDER BY term",
			prefix, prefix+"\xff")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		ws := []string{}
		for rows.Next() {
			var w string
			if err := rows.Scan(&w); err != nil {
				t.Fatal(err)
			}
			ws = append(ws, w)
		}
		return ws
	}
	for _, p := range []string{"goph", "bur", "naiv", "caf", "thea", "the", "abc", "w", "wa", "wab", "wabz", "wz", "x", "zzz", ""} {
		got, err := indexWords(ctx, db.read, p, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		// The words of deleted items may be left, none of the others.
		want, have := vocab(p), map[string]bool{}
		for _, w := range got {
			have[w] = true
		}
		for _, w := range want {
			if !have[w] {
				t.Errorf("indexWords(%q) = %d words, without %q; fts5vocab has %d", p, len(got), w, len(want))
				break
			}
		}
		if !slices.IsSorted(got) || len(got) > len(want)+10 {
			t.Errorf("indexWords(%q) = %d words (sorted %v); fts5vocab has %d", p, len(got), slices.IsSorted(got), len(want))
		}
		if got, _ := indexWords(ctx, db.read, p, 5); len(got) > 6 {
			t.Errorf("indexWords(%q, 5) = %d words, want at most 6", p, len(got))
		}
	}
	for _, q := range []string{"goph*", "gophe*", "burrow*", "bur*", "caf*", "Café*", "theat*", "théât*", "abcd*",
		"x-abc*", `"quick bro"*`, "brow* fox*", `"item 100"*`, "wabc*", "wabz*", "wzz*", "qqq*", "bur* owls"} {
		items, _, err := db.Items(ctx, me, store.Query{Search: q})
		if err != nil {
			t.Fatalf("search %s: %v", q, err)
		}
		got := []string{}
		for _, it := range items {
			got = append(got, it.GUID)
		}
		m, _, err := ftsQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.read.QueryContext(ctx, "SELECT i.guid FROM items_fts f JOIN items i ON i.id = f.rowid"+
			" WHERE items_fts MATCH ? ORDER BY i.id", m)
		if err != nil {
			t.Fatalf("MATCH %s: %v", m, err)
		}
		want := []string{}
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				t.Fatal(err)
			}
			want = append(want, g)
		}
		rows.Close()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("search %s found %.10v; FTS5's prefix query (%s) %.10v", q, got, m, want)
		}
		if len(want) == 0 && !slices.Contains([]string{"wzz*", "qqq*"}, q) {
			t.Errorf("search %s found nothing", q)
		}
	}
	// "wa" starts 676 words, "wab" 676 too: over the cap. Nothing is
	// searched, and the error says why.
	for _, q := range []string{"wab*", "goph* wab*", `"Item 10" wab*`} {
		_, _, err := db.Items(ctx, me, store.Query{Search: q})
		if !errors.Is(err, store.ErrSearchTooLong) || !strings.Contains(err.Error(), "wab*") || !strings.Contains(err.Error(), "more letters") {
			t.Errorf("search %s: %v, want store.ErrSearchTooLong naming the prefix", q, err)
		}
		if _, err := db.CountItems(ctx, me, store.Query{Search: q}); !errors.Is(err, store.ErrSearchTooLong) {
			t.Errorf("count of search %s: %v, want store.ErrSearchTooLong", q, err)
		}
		if _, err := db.MarkAllRead(ctx, me, store.Query{Search: q}); !errors.Is(err, store.ErrSearchTooLong) {
			t.Errorf("mark all read of search %s: %v, want store.ErrSearchTooLong", q, err)
		}
	}
}

// TestSearchCountsWithinBounds checks that a search's count and its "mark
// all read" select the items its listing shows, within the same bounds.
func TestSearchCountsWithinBounds(t *testing.T) {
	saved := ftsRanked
	t.Cleanup(func() { ftsRanked = saved })
	db := openTemp(t)
	ctx := t.Context()
	me := uid(t, db)
	feed, err := db.Subscribe(ctx, me, store.Subscription{Feed: store.Feed{URL: "https://counts.test/feed"}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.Subscribe(ctx, me, store.Subscription{Feed: store.Feed{URL: "https://counts.test/other"}})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 60 {
		it := store.Item{GUID: strconv.Itoa(i), Title: "Item " + strconv.Itoa(i), Content: "<p>common words c++ every day</p>",
			Published: base.Add(time.Duration(i) * time.Hour)}
		f := feed.ID
		if i%3 == 0 {
			f = other.ID
		}
		if _, err := db.SaveFetch(ctx, f, store.FetchResult{Now: time.Now(), Items: []store.Item{it}}); err != nil {
			t.Fatal(err)
		}
	}
	// "common" is in all 60 items, over the scan bound: the newest 20
	// are its candidates.
	ftsRanked = rankedSQL(searchBounds{sample: 10, scan: 50, weight: 10, common: 20, ranked: 50})
	for _, q := range []store.Query{{Search: "common"}, {Search: "common c++"}, {Search: "comm* day", FeedURL: "https://counts.test/feed"},
		{Search: "common", Unread: true, Tag: "none"}} {
		items, _, err := db.Items(ctx, me, q)
		if err != nil {
			t.Fatal(err)
		}
		n, err := db.CountItems(ctx, me, q)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(items) || (q.Tag == "" && (n == 0 || n >= 60)) {
			t.Errorf("CountItems(%+v) = %d; the listing has %d items, of 60 holding the words", q, n, len(items))
		}
	}
	q := store.Query{Search: "common", FeedURL: "https://counts.test/feed"}
	listed, _, err := db.Items(ctx, me, q)
	if err != nil {
		t.Fatal(err)
	}
	marked, err := db.MarkAllRead(ctx, me, q)
	if err != nil {
		t.Fatal(err)
	}
	if marked != len(listed) {
		t.Errorf("MarkAllRead(%+v) = %d; the listing has %d", q, marked, len(listed))
	}
	all, _, err := db.Items(ctx, me, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{}
	for _, it := range listed {
		want[it.ID] = true
	}
	for _, it := range all {
		if it.Read != want[it.ID] {
			t.Errorf("item %s (feed %d) read %v after marking %v", it.GUID, it.FeedID, it.Read, q)
		}
	}
}
