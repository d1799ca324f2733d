package reader_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"tidings/fetch"
	"tidings/reader"
	"tidings/store"
)

// articleSite serves on 127.0.0.1 a summary-only feed whose two items link
// to a page with an article (/village) and one without (/nav).
func articleSite(t *testing.T) string {
	t.Helper()
	village, err := os.ReadFile("../fetch/testdata/article/village.html")
	if err != nil {
		t.Fatal(err)
	}
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<rss version="2.0"><channel><title>Summaries</title>
			<item><title>Village</title><link>` + base + `/village</link><description>A summary.</description></item>
			<item><title>Nav</title><link>` + base + `/nav</link><description>Another summary.</description></item>
			</channel></rss>`))
	})
	mux.HandleFunc("/village", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(village)
	})
	mux.HandleFunc("/nav", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<p>Home | About</p>")) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	base = srv.URL
	return base
}

func TestFullContentUseCases(t *testing.T) {
	ctx := context.Background()
	r, st := newReader(t)
	base := articleSite(t)
	me, err := r.ActingUser(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	added, err := r.Subscribe(ctx, me.ID, reader.SubscribeRequest{URL: base + "/feed.rss", FullContent: true})
	if err != nil || !added.FullContent || added.New != 2 {
		t.Fatalf("Subscribe with FullContent = %+v, %v", added.Subscription, err)
	}
	if n, err := r.FetchNewArticles(ctx, added.Subscription); err != nil || n != 1 {
		t.Fatalf("FetchNewArticles = %d, %v; want 1 (the other page has no article)", n, err)
	}
	items, _, err := r.Items(ctx, me.ID, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, it := range items {
		ids[it.Title] = it.ID
	}
	a, err := r.StoredArticle(ctx, me.ID, ids["Village"])
	if err != nil || !strings.Contains(a.Content, "The river had been rising") {
		t.Errorf("StoredArticle(Village) = %q, %v", a.Content, err)
	}
	a, err = r.StoredArticle(ctx, me.ID, ids["Nav"])
	if err != nil || a.Content != "" || !strings.Contains(a.Error, "no article found") {
		t.Errorf("StoredArticle(Nav) = %+v, %v; want the failure stored", a, err)
	}
	if sub, _ := r.Subscription(ctx, me.ID, base+"/feed.rss"); !strings.HasPrefix(sub.ArticleError, "1 of the 2 whole articles") {
		t.Errorf("ArticleError %q", sub.ArticleError)
	}

	// On demand: again, for the page without an article.
	_, err = r.FetchArticle(ctx, me.ID, ids["Nav"])
	var ae *fetch.ArticleError
	if !errors.As(err, &ae) || !errors.Is(err, fetch.ErrNoArticle) {
		t.Errorf("FetchArticle(Nav) error %v, want an ArticleError wrapping ErrNoArticle", err)
	}
	if a, err := r.FetchArticle(ctx, me.ID, ids["Village"]); err != nil || !strings.Contains(a.Content, "The river") {
		t.Errorf("FetchArticle(Village) = %q, %v", a.Content, err)
	}
	var noItem *reader.NoItemError
	if _, err := r.FetchArticle(ctx, me.ID, 999); !errors.As(err, &noItem) {
		t.Errorf("FetchArticle(999) error %v, want a NoItemError", err)
	}
	if _, err := r.StoredArticle(ctx, me.ID, 999); !errors.As(err, &noItem) {
		t.Errorf("StoredArticle(999) error %v, want a NoItemError", err)
	}

	// Turned off, and not a subscription of the user's.
	sub, err := r.SetFullContent(ctx, me.ID, base+"/feed.rss", false)
	if err != nil || sub.FullContent {
		t.Errorf("SetFullContent(off) = %v, %v", sub.FullContent, err)
	}
	var ns *reader.NotSubscribedError
	if _, err := r.SetFullContent(ctx, me.ID, base+"/other.rss", true); !errors.As(err, &ns) {
		t.Errorf("SetFullContent of an unknown feed: %v, want a NotSubscribedError", err)
	}
	other, err := st.CreateUser(ctx, "other", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.StoredArticle(ctx, other.ID, ids["Village"]); !errors.As(err, &noItem) {
		t.Errorf("another user's StoredArticle: %v, want a NoItemError", err)
	}
	if _, err := r.FetchArticle(ctx, other.ID, ids["Village"]); !errors.As(err, &noItem) {
		t.Errorf("another user's FetchArticle: %v, want a NoItemError", err)
	}
}

func TestStoredArticleNone(t *testing.T) {
	ctx := context.Background()
	r, st := newReader(t)
	base := articleSite(t)
	me, _ := r.ActingUser(ctx, "")
	if _, err := r.Subscribe(ctx, me.ID, reader.SubscribeRequest{URL: base + "/feed.rss"}); err != nil {
		t.Fatal(err)
	}
	items, _, err := st.Items(ctx, me.ID, store.Query{})
	if err != nil || len(items) == 0 {
		t.Fatal(items, err)
	}
	if _, err := r.StoredArticle(ctx, me.ID, items[0].ID); !errors.Is(err, reader.ErrNoArticle) {
		t.Errorf("StoredArticle of an item never fetched: %v, want ErrNoArticle", err)
	}
}
