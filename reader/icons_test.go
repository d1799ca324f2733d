package reader_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"tidings/fetch"
	"tidings/reader"
	"tidings/store/sqlite"
)

func TestRefreshIcons(t *testing.T) {
	ico := "\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00fake icon data"
	var icoRequests atomic.Int64
	// One site: a feed whose channel links to the site, and its favicon.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title><link>http://` + r.Host +
				`/</link><item><guid>1</guid><title>One</title></item></channel></rss>`))
		case "/favicon.ico":
			icoRequests.Add(1)
			w.Header().Set("Content-Type", "image/x-icon")
			_, _ = w.Write([]byte(ico))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)
	// Another without an icon.
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Bare</title><item><guid>1</guid></item></channel></rss>`))
	}))
	t.Cleanup(bare.Close)

	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f := fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: 5 * time.Second})
	r := reader.New(reader.Options{Store: db, Fetcher: f, PasswordCost: bcrypt.MinCost, Now: clock})
	ctx := context.Background()
	u := mustUser(t, r, "alice")
	other := mustUser(t, r, "bob")
	s1, err := r.Subscribe(ctx, u.ID, reader.SubscribeRequest{URL: site.URL + "/feed.xml"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Subscribe(ctx, u.ID, reader.SubscribeRequest{URL: bare.URL + "/feed.xml"}); err != nil {
		t.Fatal(err)
	}
	// A feed not fetched yet waits for its first fetch.
	if _, err := r.Subscribe(ctx, u.ID, reader.SubscribeRequest{URL: "http://127.0.0.1:1/never.xml", NoFetch: true}); err != nil {
		t.Fatal(err)
	}

	if l, err := r.Icons(ctx, u.ID); err != nil || len(l) != 0 {
		t.Fatalf("Icons before any look: %v, %v", l, err)
	}
	looked, found, err := r.RefreshIcons(ctx, 0)
	if err != nil || looked != 2 || found != 1 {
		t.Fatalf("RefreshIcons = %d looked, %d found, %v; want 2, 1", looked, found, err)
	}
	l, err := r.Icons(ctx, u.ID)
	if err != nil || len(l) != 1 || l[0].FeedID != s1.ID || l[0].Type != "image/x-icon" || string(l[0].Data) != ico {
		t.Fatalf("Icons = %+v, %v", l, err)
	}
	if l, _ := r.Icons(ctx, other.ID); len(l) != 0 {
		t.Errorf("bob sees %d icons of feeds he does not follow", len(l))
	}

	// Looked for again only after IconInterval.
	if looked, _, _ := r.RefreshIcons(ctx, 0); looked != 0 {
		t.Errorf("a second RefreshIcons at once looked at %d feeds", looked)
	}
	now = now.Add(reader.IconInterval + time.Minute)
	if looked, found, err := r.RefreshIcons(ctx, 1); looked != 1 || found != 1 || icoRequests.Load() != 2 {
		t.Errorf("after IconInterval with limit 1: looked %d, found %d, %v; %d favicon requests, want 2", looked, found, err, icoRequests.Load())
	}

	noNet := reader.New(reader.Options{Store: db})
	if _, _, err := noNet.RefreshIcons(ctx, 0); !errors.Is(err, reader.ErrNoFetcher) {
		t.Errorf("RefreshIcons without a fetcher: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	now = now.Add(2 * reader.IconInterval)
	if _, _, err := r.RefreshIcons(canceled, 0); err == nil || !strings.Contains(err.Error(), "cancel") {
		t.Errorf("a canceled RefreshIcons: %v", err)
	}
}
