package fetch_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
	"tidings/store/sqlite"
)

// BenchmarkRunFullContent runs 20 summary-only feeds of 50 new items each
// from a loopback server, with and without their 1,000 article pages (a
// real article, from another loopback address), each answer 50 ms late
// and feed i 25·i ms more, so that feeds are fetched and saved while
// the pages of the feeds before them are.
// It reports feeds-ms, the wall time until the last feed is saved, which
// the article pages must not delay, and with articles articles-ms, the
// wall time until the last article is saved.
//
//	go test ./fetch -run '^$' -bench RunFullContent -benchtime 3x
func BenchmarkRunFullContent(b *testing.B) {
	const (
		feeds   = 20
		perFeed = 50
		latency = 50 * time.Millisecond
	)
	village, err := os.ReadFile("testdata/article/village.html")
	if err != nil {
		b.Fatal(err)
	}
	var pages atomic.Int64
	articles := htServe(b, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		pages.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(village)
	}))
	// Each iteration's feeds are new to its store, so every item is new.
	var round atomic.Int64
	feedSrv := htServe(b, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Feed i answers after latency + i×25 ms: the later feeds are
		// fetched, parsed and saved while the earlier ones' articles are.
		var round, i int
		fmt.Sscanf(r.URL.Path, "/r%d/f%d", &round, &i)
		time.Sleep(latency + time.Duration(i)*25*time.Millisecond)
		var s strings.Builder
		s.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>`)
		for i := range perFeed {
			fmt.Fprintf(&s, `<item><title>Item %d</title><link>%s%s/%d</link><guid>%s-%d</guid>
				<description>A summary.</description></item>`, i, articles.URL, r.URL.Path, i, r.URL.Path, i)
		}
		s.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(s.String()))
	}))
	for _, full := range []bool{false, true} {
		name := "feeds-only"
		if full {
			name = "with-1000-articles"
		}
		b.Run(name, func(b *testing.B) {
			var feedsTotal, allTotal time.Duration
			pages.Store(0)
			for b.Loop() {
				b.StopTimer()
				db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "tidings.db"))
				if err != nil {
					b.Fatal(err)
				}
				user := me(b, db)
				r := round.Add(1)
				for i := range feeds {
					u := fmt.Sprintf("%s/r%d/f%d", feedSrv.URL, r, i)
					if _, err := db.Subscribe(b.Context(), user, store.Subscription{Feed: store.Feed{URL: u}, FullContent: full}); err != nil {
						b.Fatal(err)
					}
				}
				claimed, err := db.ClaimFeeds(b.Context(), store.ClaimRequest{Now: time.Now(), Lease: time.Minute, All: true})
				if err != nil {
					b.Fatal(err)
				}
				f := htFetcher(fetch.Options{Now: time.Now, PerHost: 50, ArticleConcurrency: 50})
				b.StartTimer()
				start := time.Now()
				var saved atomic.Int64
				var lastSave time.Duration
				err = f.RunAll(b.Context(), claimed, db, func(o fetch.Outcome) {
					if o.SaveErr != nil || o.Saved.New != perFeed {
						b.Errorf("save %s: %d new, %v", o.Feed.URL, o.Saved.New, o.SaveErr)
					}
					if saved.Add(1) == feeds {
						lastSave = time.Since(start)
					}
				})
				all := time.Since(start)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				feedsTotal += lastSave
				allTotal += all
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(feedsTotal.Milliseconds())/float64(b.N), "feeds-ms")
			if full {
				b.ReportMetric(float64(allTotal.Milliseconds())/float64(b.N), "articles-ms")
				if got, want := pages.Load(), int64(b.N*feeds*perFeed); got != want {
					b.Errorf("%d article pages fetched, want %d", got, want)
				}
			}
		})
	}
}
