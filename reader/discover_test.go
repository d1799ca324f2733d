package reader_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"tidings/fetch/fetchtest"
	"tidings/reader"
	"tidings/store"
)

func TestDiscover(t *testing.T) {
	r, st := newReader(t)
	fs := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 3})
	// A site of one page without feeds: every other path is 404.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/about" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>About</title><p>No feeds here.</p>"))
	}))
	t.Cleanup(plain.Close)
	ctx := context.Background()
	urls := func(t *testing.T, raw string) []string {
		t.Helper()
		cands, err := r.Discover(ctx, raw)
		if err != nil {
			t.Fatalf("Discover(%s): %v", raw, err)
		}
		var out []string
		for _, c := range cands {
			if c.Title == "" {
				t.Errorf("candidate %s has no title", c.URL)
			}
			out = append(out, c.URL)
		}
		return out
	}
	for _, tc := range []struct {
		name, url string
		want      []string
	}{
		{"a feed", fs.URL(0), []string{fs.URL(0)}},
		{"a page with links", fs.FaultURL(fetchtest.FaultPageWithLinks), fs.DiscoveryLinks()},
		{"a page without links", fs.FaultURL(fetchtest.FaultPageWithoutLinks), []string{fs.DiscoveredFeedURL()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := urls(t, tc.url); !slices.Equal(got, tc.want) {
				t.Errorf("Discover: %v, want %v", got, tc.want)
			}
		})
	}
	// It subscribes to nothing and stores no feed.
	if feeds, err := st.FeedList(ctx); err != nil || len(feeds) != 0 {
		t.Errorf("after Discover: %d feeds, %v", len(feeds), err)
	}

	for _, tc := range []struct {
		name, url string
		is        error
	}{
		{"not a URL", "ftp://x y", reader.ErrInvalid},
		{"empty", "", reader.ErrInvalid},
		{"a page and a site without feeds", plain.URL + "/about", store.ErrNotFound},
		{"not found", fs.FaultURL(fetchtest.FaultNotFound), store.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Discover(ctx, tc.url)
			if !errors.Is(err, tc.is) {
				t.Fatalf("Discover(%q): %v, want %v", tc.url, err, tc.is)
			}
			var nf *reader.NoFeedError
			if errors.As(err, &nf) && (nf.URL == "" || nf.Error() == "") {
				t.Errorf("NoFeedError %+v", nf)
			}
		})
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.Discover(canceled, fs.URL(0)); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("a canceled Discover: %v, want the cancellation, not no feed", err)
	}

	noNet := reader.New(reader.Options{Store: st})
	if _, err := noNet.Discover(ctx, fs.URL(0)); !errors.Is(err, reader.ErrNoFetcher) {
		t.Errorf("without a fetcher: %v", err)
	}
}
