package sqlite

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"tidings/store"
)

// BenchmarkSearchWorst runs the most costly searches a user can type, at
// the bounds of store.ParseSearch (the cap's worth of words, prefixes,
// phrases, the commonest words), on a store of 1,000,000 items (set
// TIDINGS_BENCH_ITEMS for another size). Building the store takes minutes,
// so the file is kept in the temporary directory for the next run
// (TIDINGS_BENCH_DB names another place); a file kept by an older tidings
// is migrated when opened.
//
//	go test ./store/sqlite -run '^$' -bench SearchWorst -benchtime 5x -timeout 60m
func BenchmarkSearchWorst(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("TIDINGS_BENCH_ITEMS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("TIDINGS_BENCH_ITEMS=%q: %v", v, err)
		}
	}
	path := os.Getenv("TIDINGS_BENCH_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "tidings-bench-search-"+strconv.Itoa(n)+".db")
	}
	db, err := Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var have int
	if err := db.read.QueryRowContext(b.Context(), "SELECT count(*) FROM items").Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have < n {
		start := time.Now()
		fillSearchBench(b, db, have, n)
		b.Logf("stored %d items in %v", n-have, time.Since(start).Round(time.Second))
	}
	v := searchVocabulary()
	common := strings.Join(v.common[:store.MaxSearchTerms], " ")
	var prefixes, phrases, mixed []string
	// The shortest prefixes of the commonest words that are prefixes.
	for _, w := range v.common {
		if len(prefixes) == store.MaxSearchPrefixes {
			break
		}
		if len(w) >= store.MinPrefixLength {
			prefixes = append(prefixes, w[:store.MinPrefixLength]+"*")
		}
	}
	withWords := func(terms []string) string {
		for _, w := range v.common {
			if len(terms) == store.MaxSearchTerms {
				break
			}
			if !slices.ContainsFunc(terms, func(t string) bool { return strings.HasPrefix(t, w) }) {
				terms = append(terms, w)
			}
		}
		return strings.Join(terms, " ")
	}
	for i := 0; i+1 < store.MaxSearchTerms; i += 2 {
		phrases = append(phrases, `"`+v.common[i]+" "+v.common[i+1]+`"`)
	}
	mixed = append(mixed, `"`+v.common[0]+" "+v.common[1]+" "+v.common[2]+`"`, "c++")
	mixed = append(mixed, prefixes...)
	// The costliest search that reads all the items (see rankedSQL): three
	// phrases of the commonest words (each weighing 10) and the commonest
	// word that keeps it under the bound.
	bounded := []string{`"` + v.common[0] + " " + v.common[1] + `"`, `"` + v.common[2] + " " + v.common[3] + `"`,
		`"` + v.common[4] + " " + v.common[5] + `"`}
	bounded = append(bounded, boundWord(b, db, v, defaultSearchBounds.scan/(6*10)))
	b.Logf("phrases-bound-word: %s", strings.Join(bounded, " "))
	// Prefixes of 5 letters of the commonest words (a prefix index of 3
	// and 4 letters would not keep them). Ranked, bm25 reads them once
	// more.
	long := longPrefixes(b, db, v, 1<<62)
	b.Logf("long-prefixes: %s", strings.Join(long, " "))
	rankedLong := append(longPrefixes(b, db, v, defaultSearchBounds.ranked/(store.MaxSearchPrefixes+1)), v.rare[0])
	b.Logf("ranked-long-prefixes: %s", strings.Join(rankedLong, " "))
	queries := []struct{ name, q string }{
		{"one-common-word", v.common[0]},
		{"cap-common-words", common},
		{"cap-shortest-prefixes", withWords(prefixes)},
		{"cap-phrases", strings.Join(phrases, " ")},
		{"phrase-literal-prefixes", strings.Join(mixed, " ")},
		{"cap-rarer-words", strings.Join(v.rare[:store.MaxSearchTerms], " ")},
		{"phrases-bound-word", strings.Join(bounded, " ")},
		{"cap-long-prefixes", withWords(long)},
		{"ranked-long-prefixes", strings.Join(rankedLong, " ")},
	}
	// The worst prefixes no search of this vocabulary has: as many words
	// as a prefix may stand for (maxPrefixWords), as ftsMatch writes
	// them, the commonest first (all the common ones, then rarer ones). The query is the listing's
	// without its filters and columns.
	group := func(ws []string) string {
		return `("` + strings.Join(ws, `" OR "`) + `")`
	}
	words := func(ws []string) string { return `"` + strings.Join(ws, `" AND "`) + `"` }
	m, all := maxPrefixWords, append(slices.Clone(v.common), v.rare...)
	matches := []struct{ name, match string }{
		{"prefix-of-cap-words", group(all[:m])},
		{"cap-prefixes-of-cap-words", group(all[:m]) + " AND " + group(all[m:2*m]) + " AND " +
			words(all[2*m:2*m+store.MaxSearchTerms-store.MaxSearchPrefixes])},
		{"cap-prefixes-of-cap-rarer-words", group(v.rare[:m]) + " AND " + group(v.rare[m:2*m]) + " AND " +
			words(v.rare[2*m:2*m+store.MaxSearchTerms-store.MaxSearchPrefixes])},
	}
	for _, q := range matches {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := db.read.QueryContext(b.Context(), "WITH s AS MATERIALIZED ("+
					strings.Replace(ftsRanked, "MATCH ?", "MATCH ?2", 1)+") SELECT id FROM s ORDER BY rank, id LIMIT 51", nil, q.match)
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
			}
		})
	}
	for _, q := range queries {
		if _, err := store.ParseSearch(q.q); err != nil {
			b.Fatalf("%s: %v", q.name, err)
		}
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := db.Items(b.Context(), uid(b, db), store.Query{Search: q.q, Limit: 50}); err != nil {
					b.Fatalf("Items(search %q): %v", q.q, err)
				}
			}
		})
	}
}

// longPrefixes returns store.MaxSearchPrefixes prefixes of 5 letters of
// the common words of the benchmark whose first 4 letters, as a prefix,
// are in the most items under bound, counted among the newest items.
func longPrefixes(b *testing.B, db *DB, v vocabulary, bound int) []string {
	b.Helper()
	var hi int
	if err := db.read.QueryRowContext(b.Context(), "SELECT max(id) FROM items").Scan(&hi); err != nil {
		b.Fatal(err)
	}
	s := defaultSearchBounds.sample
	type counted struct {
		p string
		n int
	}
	var cs []counted
	seen := map[string]bool{}
	for _, w := range v.common {
		if len(w) <= 4 || seen[w[:4+1]] {
			continue
		}
		seen[w[:4+1]] = true
		var n int
		if err := db.read.QueryRowContext(b.Context(), "SELECT count(*) FROM items_fts WHERE items_fts MATCH ? AND rowid > ?",
			`"`+w[:4]+`"*`, hi-s).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n = n * max(hi, s) / s; n < bound {
			cs = append(cs, counted{w[:4+1] + "*", n})
		}
	}
	slices.SortStableFunc(cs, func(a, b counted) int { return b.n - a.n })
	var ps []string
	for _, c := range cs[:store.MaxSearchPrefixes] {
		ps = append(ps, c.p)
	}
	return ps
}

// boundWord returns the rare word of the benchmark held by the most items
// under bound, counted among the newest items as rankedSQL estimates it.
func boundWord(b *testing.B, db *DB, v vocabulary, bound int) string {
	b.Helper()
	var hi int
	if err := db.read.QueryRowContext(b.Context(), "SELECT max(id) FROM items").Scan(&hi); err != nil {
		b.Fatal(err)
	}
	s := defaultSearchBounds.sample
	best, bestN := v.rare[len(v.rare)-1], -1
	for _, w := range v.rare[:1000] {
		var n int
		if err := db.read.QueryRowContext(b.Context(), "SELECT count(*) FROM items_fts WHERE items_fts MATCH ? AND rowid > ?",
			`"`+w+`"`, hi-s).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n = n * max(hi, s) / s; n < bound && n > bestN {
			best, bestN = w, n
		}
	}
	return best
}

type vocabulary struct{ common, rare []string }

// searchVocabulary is the words of the benchmark's items: a few hundred
// common ones, most frequent first, and 50,000 rarer ones.
func searchVocabulary() vocabulary {
	common := strings.Fields(`the a of and to in is that it for on with as was at by an be this from
		or have not are but had they which one you were all we when there can been has more if no out so
		what up said about than into them only some could time these two may first then do any like my now
		over such our man me even most made after also did many before must through back years where much
		your way well down should because each just those people how too little state good very make world
		still own see men work long get here between both life being under never day same another know while
		last might us great old year off come since against go came right used take three feed server cache
		parser latency goroutine channel kernel socket buffer deploy release compiler garden coffee winter`)
	r := rand.New(rand.NewPCG(3, 4))
	rare := make([]string, 50_000)
	for i := range rare {
		w := make([]byte, 4+r.IntN(7))
		for k := range w {
			w[k] = byte('a' + r.IntN(26))
		}
		rare[i] = string(w)
	}
	return vocabulary{common: common, rare: rare}
}

// fillSearchBench stores items from..to of the benchmark: 1,000 feeds,
// fetches of 20 items saved 16 at a time, each item a title of 6 words
// and about 60 words of HTML, the words Zipf-like: the commonest often,
// the rare ones seldom. One item in 50 mentions C++.
func fillSearchBench(b *testing.B, db *DB, from, to int) {
	b.Helper()
	feeds, err := db.Subscriptions(b.Context(), uid(b, db), true)
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	if len(feeds) == 0 {
		ids = benchFeeds(b, db, 1000)
	} else {
		for _, f := range feeds {
			ids = append(ids, f.ID)
		}
	}
	v := searchVocabulary()
	r := rand.New(rand.NewPCG(uint64(from), 5))
	zc := rand.NewZipf(r, 1.1, 1, uint64(len(v.common)-1))
	zr := rand.NewZipf(r, 1.05, 1, uint64(len(v.rare)-1))
	word := func() string {
		if r.IntN(4) == 0 {
			return v.rare[zr.Uint64()]
		}
		return v.common[zc.Uint64()]
	}
	words := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = word()
		}
		return strings.Join(ws, " ")
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	const perFetch, perBatch = 20, 16
	for n := from; n < to; {
		batch := make([]store.FeedFetch, 0, perBatch)
		for range perBatch {
			if n >= to {
				break
			}
			its := make([]store.Item, 0, perFetch)
			for range perFetch {
				if n >= to {
					break
				}
				extra := ""
				if n%50 == 0 {
					extra = " written in C++"
				}
				its = append(its, store.Item{
					GUID:  fmt.Sprint(n),
					Title: words(6),
					Content: fmt.Sprintf("<p>%s, %s%s.</p><p>%s <a href=\"https://x.test/%d\">%s</a>.</p>",
						words(25), words(15), extra, words(18), n, words(2)),
					Published: base.Add(time.Duration(n) * time.Minute),
				})
				n++
			}
			batch = append(batch, store.FeedFetch{FeedID: ids[(n/perFetch)%len(ids)], Result: store.FetchResult{Now: time.Now(), Items: its}})
		}
		if _, _, err := db.SaveFetches(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Optimize(b.Context()); err != nil {
		b.Fatal(err)
	}
}
