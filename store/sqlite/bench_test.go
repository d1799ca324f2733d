package sqlite

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"tidings/store"
)

// benchFeeds subscribes n feeds in one import and returns their IDs.
func benchFeeds(b *testing.B, db *DB, n int) []int64 {
	b.Helper()
	list := make([]store.Subscription, n)
	for i := range list {
		list[i] = store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://bench%05d.test/feed", i)}, Tags: []string{"bench"}}
	}
	if _, err := db.ImportFeeds(b.Context(), uid(b, db), list); err != nil {
		b.Fatal(err)
	}
	feeds, err := db.Subscriptions(b.Context(), uid(b, db), true)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, len(feeds))
	for i, f := range feeds {
		ids[i] = f.ID
	}
	return ids
}

func benchItems(prefix string, n int) []store.Item {
	its := make([]store.Item, n)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range its {
		its[i] = store.Item{
			GUID:      fmt.Sprintf("%s-%d", prefix, i),
			URL:       fmt.Sprintf("https://bench.test/%s/%d", prefix, i),
			Title:     fmt.Sprintf("Item %d of %s", i, prefix),
			Author:    "Bench",
			Content:   fmt.Sprintf("<p>A paragraph of <a href=\"https://x.test/\">content</a> for %s item %d, about the length of a short blog post summary.</p>", prefix, i),
			Published: base.Add(time.Duration(i) * time.Minute),
		}
	}
	return its
}

// BenchmarkSaveFetch is one fetch of 20 items, as the fetcher saves it
// about 1,000 times in a row: all new, or all already stored.
func BenchmarkSaveFetch(b *testing.B) {
	b.Run("new", func(b *testing.B) {
		db := openTemp(b)
		ids := benchFeeds(b, db, 1000)
		i := 0
		cpu0 := processCPU()
		for b.Loop() {
			r := store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 20)}
			res, err := db.SaveFetch(b.Context(), ids[i%len(ids)], r)
			if err != nil || res.New != 20 {
				b.Fatalf("SaveFetch = %+v, %v", res, err)
			}
			i++
		}
		reportPerItem(b, b.N*20, processCPU()-cpu0)
	})
	b.Run("unchanged", func(b *testing.B) {
		db := openTemp(b)
		ids := benchFeeds(b, db, 1000)
		// A realistic table: every feed has its 20 items stored.
		for i, id := range ids {
			if _, err := db.SaveFetch(b.Context(), id, store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 20)}); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		for b.Loop() {
			n := i % len(ids)
			res, err := db.SaveFetch(b.Context(), ids[n], store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(n), 20)})
			if err != nil || res.New+res.Updated != 0 {
				b.Fatalf("SaveFetch = %+v, %v", res, err)
			}
			i++
		}
	})
}

// BenchmarkSaveFetches is the fetcher's batch: 16 fetches of 20 new items
// in one SaveFetches, against BenchmarkSaveFetch/new's one per commit.
func BenchmarkSaveFetches(b *testing.B) {
	const batchSize = 16
	db := openTemp(b)
	ids := benchFeeds(b, db, 1000)
	i := 0
	cpu0 := processCPU()
	for b.Loop() {
		batch := make([]store.FeedFetch, batchSize)
		for j := range batch {
			batch[j] = store.FeedFetch{FeedID: ids[i%len(ids)], Result: store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 20)}}
			i++
		}
		results, errs, err := db.SaveFetches(b.Context(), batch)
		if err != nil {
			b.Fatal(err)
		}
		for j := range batch {
			if errs[j] != nil || results[j].New != 20 {
				b.Fatalf("fetch %d: %+v, %v", j, results[j], errs[j])
			}
		}
	}
	reportPerItem(b, b.N*batchSize*20, processCPU()-cpu0)
}

// BenchmarkClaimFeeds claims (and releases) 32 due feeds among 10,000.
func BenchmarkClaimFeeds(b *testing.B) {
	db := openTemp(b)
	ids := benchFeeds(b, db, 10_000)
	// Spread the due times so most feeds are not due.
	now := time.Now()
	for i, id := range ids {
		due := now.Add(time.Duration(i%100) * time.Minute)
		if _, err := db.SaveFetch(b.Context(), id, store.FetchResult{Now: now, State: store.FeedState{NextDue: due}}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		feeds, err := db.ClaimFeeds(b.Context(), store.ClaimRequest{Now: now.Add(time.Second), Lease: time.Minute, Limit: 32})
		if err != nil || len(feeds) != 32 {
			b.Fatalf("ClaimFeeds = %d feeds, %v", len(feeds), err)
		}
		claimed := make([]int64, len(feeds))
		for i, f := range feeds {
			claimed[i] = f.ID
		}
		if err := db.Release(b.Context(), claimed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNextDue asks for the next due time among 10,000 feeds.
func BenchmarkNextDue(b *testing.B) {
	db := openTemp(b)
	benchFeeds(b, db, 10_000)
	for b.Loop() {
		if _, err := db.NextDue(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch searches 20,160 items stored as BenchmarkSaveFetchesHTML
// stores them (63 batches, full-text index not optimized): a common word,
// a rarer one, and a prefix, 50 results a page.
func BenchmarkSearch(b *testing.B) {
	db := openTemp(b)
	ids := benchFeeds(b, db, 1000)
	pool := htmlPool(2048)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	for range 63 {
		batch := make([]store.FeedFetch, 16)
		for j := range batch {
			its := make([]store.Item, 20)
			for k := range its {
				c := pool[n%len(pool)]
				its[k] = store.Item{GUID: fmt.Sprint(n), Title: c.title, Content: c.content, Published: base.Add(time.Duration(n) * time.Minute)}
				n++
			}
			batch[j] = store.FeedFetch{FeedID: ids[(n/20)%len(ids)], Result: store.FetchResult{Now: time.Now(), Items: its}}
		}
		if _, _, err := db.SaveFetches(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []string{"river", "garden coffee", "goro*"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				items, _, err := db.Items(b.Context(), uid(b, db), store.Query{Search: q, Limit: 50})
				if err != nil || len(items) == 0 {
					b.Fatalf("Items(search %q) = %d, %v", q, len(items), err)
				}
			}
		})
	}
}

// BenchmarkItems reads the newest page of 50 unread items among 20,000.
func BenchmarkItems(b *testing.B) {
	db := openTemp(b)
	ids := benchFeeds(b, db, 100)
	for i, id := range ids {
		if _, err := db.SaveFetch(b.Context(), id, store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 200)}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		items, _, err := db.Items(b.Context(), uid(b, db), store.Query{Unread: true, Limit: 50})
		if err != nil || len(items) != 50 {
			b.Fatalf("Items = %d, %v", len(items), err)
		}
	}
}

// BenchmarkSaveFetchesHTML is what `tidings fetch --all` does on a cold
// store: batches of 16 fetches of 20 new items, each with a title and
// about 600 bytes of sanitised HTML (paragraphs, links as bluemonday
// leaves them, a figure, entities) over a vocabulary of a few thousand
// words. Run it with -benchtime=63x to store about the 20,000 items of the
// whole-program run.
func BenchmarkSaveFetchesHTML(b *testing.B) {
	const batchSize, perFetch = 16, 20
	db := openTemp(b)
	ids := benchFeeds(b, db, 1000)
	pool := htmlPool(2048)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	cpu0 := processCPU()
	for b.Loop() {
		batch := make([]store.FeedFetch, batchSize)
		for j := range batch {
			f := n / perFetch
			its := make([]store.Item, perFetch)
			for k := range its {
				c := pool[n%len(pool)]
				its[k] = store.Item{
					GUID:       fmt.Sprintf("https://bench%05d.test/posts/%d", f%len(ids), n),
					URL:        fmt.Sprintf("https://bench%05d.test/posts/%d", f%len(ids), n),
					Title:      c.title,
					Author:     "Grace Hopper",
					Content:    c.content,
					Categories: c.categories,
					Published:  base.Add(time.Duration(n) * time.Minute),
				}
				n++
			}
			batch[j] = store.FeedFetch{FeedID: ids[f%len(ids)], Result: store.FetchResult{Now: time.Now(), Items: its}}
		}
		results, errs, err := db.SaveFetches(b.Context(), batch)
		if err != nil {
			b.Fatal(err)
		}
		for j := range batch {
			if errs[j] != nil || results[j].New != perFetch {
				b.Fatalf("fetch %d: %+v, %v", j, results[j], errs[j])
			}
		}
	}
	reportPerItem(b, b.N*batchSize*perFetch, processCPU()-cpu0)
}

// reportPerItem reports wall time and the process's CPU time per stored
// item; the CPU figure is the one other load on the machine barely moves.
func reportPerItem(b *testing.B, items int, cpu time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(items), "µs/item")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(items), "cpu-µs/item")
	}
}

type htmlItem struct {
	title, content string
	categories     []string
}

// htmlPool makes n items of realistic sanitised HTML, from a fixed seed:
// words mostly from a few hundred common ones, some from a few thousand
// rarer ones, as in prose.
func htmlPool(n int) []htmlItem {
	r := rand.New(rand.NewPCG(1, 2))
	common := strings.Fields(`the a of and to in is that it for on with as was at by an be this from
		or have not are but had they which one you were all we when there can been has more if no out so
		what up said about than into them only some could time these two may first then do any like my now
		over such our man me even most made after also did many before must through back years where much
		your way well down should because each just those people how too little state good very make world
		still own see men work long get here between both life being under never day same another know while
		last might us great old year off come since against go came right used take three feed server cache
		parser latency goroutine channel kernel socket buffer deploy release compiler garden coffee winter
		bicycle river mountain library café naïve`)
	rare := make([]string, 4000)
	for i := range rare {
		var w []byte
		for k := 0; k < 4+i%7; k++ {
			w = append(w, byte('a'+(i*7+k*13+k*k*i)%26))
		}
		rare[i] = string(w)
	}
	word := func() string {
		if r.IntN(5) == 0 {
			return rare[r.IntN(len(rare))]
		}
		return common[r.IntN(len(common))]
	}
	words := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = word()
		}
		return strings.Join(ws, " ")
	}
	pool := make([]htmlItem, n)
	for i := range pool {
		var c strings.Builder
		fmt.Fprintf(&c, "<p>%s. %s, %s.</p>\n", words(9), words(7), words(6))
		fmt.Fprintf(&c, `<p>See <a href="https://blog.example.com/posts/%s" rel="nofollow noreferrer noopener" target="_blank">the earlier post</a> &amp; %s.</p>`+"\n",
			word(), words(10))
		fmt.Fprintf(&c, `<figure><img src="https://blog.example.com/images/%d.jpg" alt="A %s" width="800" height="450"><figcaption>%s</figcaption></figure>`+"\n",
			i, words(2), words(4))
		fmt.Fprintf(&c, "<blockquote><p>%s &#8220;%s&#8221;.</p></blockquote>\n<ul><li>%s</li><li><code>%s()</code></li></ul>",
			words(8), words(3), words(5), word())
		pool[i] = htmlItem{title: "Post: " + words(5), content: c.String(), categories: []string{word(), word()}}
	}
	return pool
}
