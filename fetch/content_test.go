package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
	"tidings/store/sqlite"
)

// contentRSS is an RSS feed whose items link to the pages at base+paths,
// each with a one-line summary; the first item's date is unreadable.
func contentRSS(base string, paths ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Summaries</title><link>` + base + `</link>`)
	for i, p := range paths {
		date := fmt.Sprintf("Fri, %02d Nov 2026 08:00:00 GMT", 20+i)
		if i == 0 {
			date = "sometime last week"
		}
		fmt.Fprintf(&b, `<item><title>Story %d</title><link>%s%s</link><guid>story-%d</guid>
			<pubDate>%s</pubDate><description>Summary %d only.</description></item>`, i, base, p, i, date, i)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// contentStore is a real SQLite store with the user "me" subscribed to
// each feed URL, fullContent[url] saying whether they want whole articles.
func contentStore(t *testing.T, feeds map[string]bool) (*sqlite.DB, int64) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	user := me(t, db)
	for u, full := range feeds {
		if _, err := db.Subscribe(t.Context(), user, store.Subscription{Feed: store.Feed{URL: u}, FullContent: full}); err != nil {
			t.Fatal(err)
		}
	}
	return db, user
}

func claimAll(t *testing.T, db *sqlite.DB) []store.Feed {
	t.Helper()
	feeds, err := db.ClaimFeeds(t.Context(), store.ClaimRequest{Now: time.Now(), Lease: time.Minute, All: true})
	if err != nil {
		t.Fatal(err)
	}
	return feeds
}

// itemsByTitle returns the user's items of feedURL by title.
func itemsByTitle(t *testing.T, db *sqlite.DB, user int64, feedURL string) map[string]store.Item {
	t.Helper()
	its, _, err := db.Items(t.Context(), user, store.Query{FeedURL: feedURL})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Item{}
	for _, it := range its {
		out[it.Title] = it
	}
	return out
}

// TestRunFullContent: Run fetches the pages of the new items of a feed
// that asks for whole articles, once, stores each article beside the
// summary or the reason it could not, and leaves the other feed alone.
func TestRunFullContent(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	var base string
	base = articleServer(t, map[string]http.HandlerFunc{
		"/full.rss": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(contentRSS(base, "/stories/2026/village", "/nav", "/missing"))
		},
		"/plain.rss": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(contentRSS(base, "/stories/2026/village", "/nav", "/missing"))
		},
		"/missing": func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
	})
	db, user := contentStore(t, map[string]bool{base + "/full.rss": true, base + "/plain.rss": false})
	// One page at a time, in item order, so that the last failure is
	// known.
	f := htFetcher(fetch.Options{ArticleConcurrency: 1, PerHost: 1, Client: countingClient(&mu, hits)})
	if err := f.RunAll(t.Context(), claimAll(t, db), db, nil); err != nil {
		t.Fatal(err)
	}

	full := itemsByTitle(t, db, user, base+"/full.rss")
	if len(full) != 3 {
		t.Fatalf("%d items in the full-content feed, want 3", len(full))
	}
	tests := []struct {
		title    string
		content  string // part of the article, "" for none
		errorHas string // part of the article error
	}{
		{"Story 0", "The river had been rising for three days", ""},
		{"Story 1", "", "no article found on the page"},
		{"Story 2", "", "404"},
	}
	for _, tt := range tests {
		it := full[tt.title]
		if summary := strings.Replace(tt.title, "Story", "Summary", 1) + " only."; !strings.Contains(it.Content, summary) {
			t.Errorf("%s: content %q, want the feed's summary kept", tt.title, it.Content)
		}
		a, err := db.Article(t.Context(), user, it.ID)
		if err != nil {
			t.Errorf("%s: Article: %v", tt.title, err)
			continue
		}
		if tt.content != "" && (!strings.Contains(a.Content, tt.content) || a.Error != "" || a.URL != it.URL) {
			t.Errorf("%s: article %q (error %q, URL %q); want one with %q from %s", tt.title, a.Content, a.Error, a.URL, tt.content, it.URL)
		}
		if tt.errorHas != "" && (a.Content != "" || !strings.Contains(a.Error, tt.errorHas)) {
			t.Errorf("%s: article %q, error %q; want no content and an error with %q", tt.title, a.Content, a.Error, tt.errorHas)
		}
	}
	plain := itemsByTitle(t, db, user, base+"/plain.rss")
	for title, it := range plain {
		if _, err := db.Article(t.Context(), user, it.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("plain feed's %s: Article error %v, want ErrNotFound: nobody asked", title, err)
		}
	}
	mu.Lock()
	for _, p := range []string{"/stories/2026/village", "/nav", "/missing"} {
		if hits[p] != 1 {
			t.Errorf("%s fetched %d times, want once (for the full-content feed only)", p, hits[p])
		}
	}
	mu.Unlock()

	sub, err := db.Subscription(t.Context(), user, base+"/full.rss")
	if err != nil {
		t.Fatal(err)
	}
	if want := "2 of the 3 whole articles of the last fetch could not be had"; !strings.HasPrefix(sub.ArticleError, want) ||
		!strings.Contains(sub.ArticleError, "the last: article "+base+"/missing: server answered 404") {
		t.Errorf("feed ArticleError %q, want %q... ending with the last failure (404)", sub.ArticleError, want)
	}
	if sub.State.UnreadableDates != 1 || sub.State.LastError != "" {
		t.Errorf("UnreadableDates %d, LastError %q; want 1 and none", sub.State.UnreadableDates, sub.State.LastError)
	}

	// The same feed again: nothing new, no page fetched again.
	if err := f.RunAll(t.Context(), claimAll(t, db), db, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if hits["/stories/2026/village"] != 1 {
		t.Errorf("village fetched %d times after a second run with no new item, want 1", hits["/stories/2026/village"])
	}
	mu.Unlock()
}

// countingClient is a loopback client that counts requests by path.
func countingClient(mu *sync.Mutex, hits map[string]int) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRunFullContentDoesNotHoldSaves: the feed is saved, and Run's done
// called for it, while its article pages are still being fetched; a
// canceled run saves no article, and leaves the items waiting.
func TestRunFullContentDoesNotHoldSaves(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	var base string
	base = articleServer(t, map[string]http.HandlerFunc{
		"/feed.rss": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(contentRSS(base, "/slow/1", "/slow/2"))
		},
		"/slow/": func(w http.ResponseWriter, r *http.Request) {
			started <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		},
	})
	db, user := contentStore(t, map[string]bool{base + "/feed.rss": true})
	f := htFetcher(fetch.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	saved := make(chan fetch.Outcome, 1)
	ran := make(chan error, 1)
	go func() { ran <- f.RunAll(ctx, claimAll(t, db), db, func(o fetch.Outcome) { saved <- o }) }()

	hang := time.After(30 * time.Second) // a guard against a hang, not a measure
	select {
	case o := <-saved:
		if o.SaveErr != nil || o.Saved.New != 2 {
			t.Fatalf("saved %+v, %v; want 2 new items", o.Saved, o.SaveErr)
		}
	case <-hang:
		t.Fatal("the feed was not saved while its article pages hung")
	}
	select {
	case <-started:
	case <-hang:
		t.Fatal("no article page was requested")
	}
	if got := itemsByTitle(t, db, user, base+"/feed.rss"); len(got) != 2 {
		t.Fatalf("%d items readable while the pages hang, want 2", len(got))
	}
	cancel()
	select {
	case err := <-ran:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-hang:
		t.Fatal("Run did not return after its context ended")
	}
	close(release)
	feeds, _ := db.FeedList(t.Context())
	pending, err := db.PendingArticles(t.Context(), feeds[0].ID, time.Time{}, 10)
	if err != nil || len(pending) != 2 {
		t.Errorf("PendingArticles after a canceled run = %d items, %v; want both still waiting", len(pending), err)
	}
}
