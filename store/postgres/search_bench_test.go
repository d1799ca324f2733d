package postgres

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"tidings/store"
)

// BenchmarkSearchWorst runs the most costly searches a user can type, at
// the bounds of store.ParseSearch, on a store of 1,000,000 items (set
// TIDINGS_BENCH_ITEMS for another size), as store/sqlite's benchmark of
// the same name does. Building the store takes many minutes, so it is
// kept in the schema tidings_bench_search_N of the test server for the
// next run (drop it to start again).
//
//	go test ./store/postgres -run '^$' -bench SearchWorst -benchtime 3x -timeout 60m
func BenchmarkSearchWorst(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("TIDINGS_BENCH_ITEMS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("TIDINGS_BENCH_ITEMS=%q: %v", v, err)
		}
	}
	dsn, conn := server(b)
	schema := "tidings_bench_search_" + strconv.Itoa(n)
	if _, err := conn.Exec(b.Context(), "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		b.Fatal(err)
	}
	db := open(b, withParam(fast(withParam(dsn, "search_path", schema)), "pool_max_conns", "2"))
	user := me(b, db)
	var have int
	if err := db.pool.QueryRow(b.Context(), "SELECT count(*) FROM items").Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have < n {
		start := time.Now()
		fillSearchBench(b, db, user, have, n)
		if _, err := db.pool.Exec(b.Context(), "VACUUM ANALYZE items"); err != nil {
			b.Fatal(err)
		}
		b.Logf("stored %d items in %v", n-have, time.Since(start).Round(time.Second))
	}
	v := searchVocabulary()
	var prefixes []string
	for _, w := range v.common {
		if len(prefixes) < store.MaxSearchPrefixes && len(w) >= store.MinPrefixLength {
			prefixes = append(prefixes, w[:store.MinPrefixLength]+"*")
		}
	}
	var phrases []string
	for i := 0; i+1 < store.MaxSearchTerms; i += 2 {
		phrases = append(phrases, `"`+v.common[i]+" "+v.common[i+1]+`"`)
	}
	queries := []struct{ name, q string }{
		{"one-common-word", v.common[0]},
		{"cap-common-words", strings.Join(v.common[:store.MaxSearchTerms], " ")},
		{"cap-shortest-prefixes", strings.Join(append(prefixes, v.common[2:store.MaxSearchTerms-len(prefixes)+2]...), " ")},
		{"cap-phrases", strings.Join(phrases, " ")},
		{"cap-rarer-words", strings.Join(v.rare[:store.MaxSearchTerms], " ")},
		{"one-rarer-word", v.rare[0]},
	}
	for _, q := range queries {
		if _, err := store.ParseSearch(q.q); err != nil {
			b.Fatalf("%s: %v", q.name, err)
		}
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := db.Items(b.Context(), user, store.Query{Search: q.q, Limit: 50}); err != nil {
					b.Fatalf("Items(search %q): %v", q.q, err)
				}
			}
		})
	}
	b.Run("count-one-common-word", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.CountItems(b.Context(), user, store.Query{Search: v.common[0]}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

type vocabulary struct{ common, rare []string }

// searchVocabulary is the words of the benchmark's items, those of
// store/sqlite's: a few hundred common ones, most frequent first, and
// 50,000 rarer ones.
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

// fillSearchBench stores items from..to of the benchmark as store/sqlite's
// does: 1,000 feeds, fetches of 20 items saved 16 at a time, each item a
// title of 6 words and about 60 words of HTML, the words Zipf-like.
func fillSearchBench(b *testing.B, db *DB, user int64, from, to int) {
	b.Helper()
	subs, err := db.Subscriptions(b.Context(), user, false)
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	if len(subs) == 0 {
		_, ids = benchFeeds(b, db, 1000)
	} else {
		for _, s := range subs {
			ids = append(ids, s.ID)
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
}
