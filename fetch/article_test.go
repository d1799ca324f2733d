package fetch_test

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
)

// articleServer serves the article test pages on 127.0.0.1: /old
// redirects to /stories/2026/village, the page itself.
func articleServer(t *testing.T, extra map[string]http.HandlerFunc) string {
	t.Helper()
	village, err := os.ReadFile("testdata/article/village.html")
	if err != nil {
		t.Fatal(err)
	}
	nav, err := os.ReadFile("testdata/article/nav.html")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/stories/2026/village", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/stories/2026/village", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(village)
	})
	mux.HandleFunc("/nav", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(nav) })
	for p, h := range extra {
		mux.HandleFunc(p, h)
	}
	return htServe(t, "127.0.0.1", mux).URL
}

func TestFetchArticle(t *testing.T) {
	base := articleServer(t, nil)
	a := fetch.NewArticleFetcher(htFetcher(fetch.Options{}))
	art, err := a.FetchArticle(context.Background(), base+"/old")
	if err != nil {
		t.Fatalf("FetchArticle: %v", err)
	}
	if want := base + "/stories/2026/village"; art.URL != want {
		t.Errorf("URL %q, want the final URL %q", art.URL, want)
	}
	if !strings.Contains(art.Title, "How a village learned to live with its river") {
		t.Errorf("title %q", art.Title)
	}
	golden := filepath.Join("testdata", "article", "village.html.golden")
	// The server's port changes from run to run.
	got := strings.ReplaceAll(art.Content, base, "http://ARTICLE-SERVER") + "\n"
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./fetch -run FetchArticle -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("article differs from %s (-update rewrites it):\n%s", golden, got)
	}
	for _, w := range []string{
		"The river had been rising for three days",
		"boats have never again been left on the wrong side of the bridge",
		`src="http://ARTICLE-SERVER/stories/2026/images/river.jpg"`,
		`href="http://ARTICLE-SERVER/stories/meetings/42"`,
		`<iframe src="https://www.youtube-nocookie.com/embed/abc123"`,
		`sandbox="allow-scripts allow-same-origin allow-popups"`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("article lacks %q", w)
		}
	}
	for _, n := range []string{"TRACKER_SCRIPT", "STYLE_RULE", "SECOND_SCRIPT", "<script", "onclick", "javascript:", "Most read"} {
		if strings.Contains(got, n) {
			t.Errorf("article has %q", n)
		}
	}
}

// TestFetchArticleBadInput: each bad page gives its error, in bounded
// time and memory, and FullContent keeps the feed's content.
func TestFetchArticleBadInput(t *testing.T) {
	chunk := strings.Repeat("<p>endless text, endless text, endless text.</p>\n", 1024)
	base := articleServer(t, map[string]http.HandlerFunc{
		"/huge": func(w http.ResponseWriter, r *http.Request) {
			// 100 MB, written as long as the client reads.
			w.Header().Set("Content-Type", "text/html")
			for n := 0; n < 100<<20; n += len(chunk) {
				if _, err := w.Write([]byte(chunk)); err != nil {
					return
				}
			}
		},
		"/never-ends": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body><p>"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		},
		"/to-private": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		},
		"/noarchive-meta": func(w http.ResponseWriter, r *http.Request) {
			page, _ := os.ReadFile("testdata/article/village.html")
			_, _ = w.Write([]byte(strings.Replace(string(page), "<head>", `<head><meta name="robots" content="index, NoArchive">`, 1)))
		},
		"/noarchive-header": func(w http.ResponseWriter, r *http.Request) {
			page, _ := os.ReadFile("testdata/article/village.html")
			w.Header().Set("X-Robots-Tag", "noarchive")
			_, _ = w.Write(page)
		},
		"/gone": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusNotFound) },
	})
	loopback := netip.MustParseAddr("127.0.0.1")
	a := fetch.NewArticleFetcher(fetch.NewAllowing(fetch.Options{Timeout: 2 * time.Second}, loopback))
	tests := []struct {
		path string
		is   error
		as   any
		msg  string
	}{
		{"/huge", fetch.ErrTooLarge, nil, "larger than fetch.max_body"},
		{"/never-ends", nil, nil, "no complete answer within 2s"},
		{"/to-private", nil, new(*fetch.BlockedAddressError), "169.254.169.254"},
		{"/nav", fetch.ErrNoArticle, nil, "no article found"},
		{"/noarchive-meta", fetch.ErrNoArchive, nil, "noarchive"},
		{"/noarchive-header", fetch.ErrNoArchive, nil, "noarchive"},
		{"/gone", nil, new(*fetch.StatusError), "404"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			item := store.Item{URL: base + tt.path, Content: "<p>the feed's summary</p>"}
			content, err := a.FullContent(context.Background(), item)
			if err == nil {
				t.Fatalf("no error; content %q", content)
			}
			if content != item.Content {
				t.Errorf("content %q, want the feed's own", content)
			}
			var ae *fetch.ArticleError
			if !errors.As(err, &ae) {
				t.Errorf("error %T %v is no *ArticleError", err, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if tt.as != nil && !errors.As(err, tt.as) {
				t.Errorf("error %v is not a %T", err, tt.as)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func TestFullContentWithoutLink(t *testing.T) {
	a := fetch.NewArticleFetcher(htFetcher(fetch.Options{}))
	got, err := a.FullContent(context.Background(), store.Item{Content: "<p>x</p>"})
	if err != nil || got != "<p>x</p>" {
		t.Errorf("FullContent = %q, %v; want the feed's content and no error", got, err)
	}
	if _, err := a.FetchArticle(context.Background(), "ftp://example.test/x"); err == nil {
		t.Error("FetchArticle of an ftp URL: no error")
	}
}

func TestReadingTime(t *testing.T) {
	words := func(n int) string { return strings.Repeat("word ", n) }
	tests := []struct {
		name    string
		content string
		want    time.Duration
	}{
		{"empty", "", 0},
		{"markup only", `<p><img src="http://example.test/a.png"></p>`, 0},
		{"one word", "<p>hello</p>", time.Minute},
		{"230 words", "<p>" + words(230) + "</p>", time.Minute},
		{"231 words", "<p>" + words(231) + "</p>", 2 * time.Minute},
		{"2300 words", "<p>" + words(2300) + "</p>", 10 * time.Minute},
		{"script not read", "<p>" + words(10) + "</p><script>" + words(5000) + "</script>", time.Minute},
		{"1000 CJK characters", "<p>" + strings.Repeat("読", 1000) + "</p>", 2 * time.Minute},
		{"words glued by markup", "<p>" + strings.Repeat("<b>a</b> ", 460) + "</p>", 2 * time.Minute},
	}
	for _, tt := range tests {
		if got := fetch.ReadingTime(tt.content); got != tt.want {
			t.Errorf("%s: ReadingTime = %v, want %v", tt.name, got, tt.want)
		}
	}
}
