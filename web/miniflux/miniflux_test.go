package miniflux_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mfclient "miniflux.app/v2/client"

	"golang.org/x/crypto/bcrypt"

	"tidings/fetch"
	"tidings/fetch/fetchtest"
	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
	"tidings/web/miniflux"
)

// env is a tidings server with the Miniflux API over a real SQLite store,
// and a feed server with items.
type env struct {
	r     *reader.Reader
	st    store.Store
	srv   *httptest.Server
	feeds *fetchtest.Server
}

func newEnv(t testing.TB, feeds, items int) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: 5 * time.Second})
	r := reader.New(reader.Options{Store: db, Fetcher: f, PasswordCost: bcrypt.MinCost})
	fs := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: items})
	srv := httptest.NewServer(miniflux.New(r, nil))
	t.Cleanup(srv.Close)
	return &env{r: r, st: db, srv: srv, feeds: fs}
}

// user adds a user and returns them with an app password.
func (e *env) user(t testing.TB, name string) (store.User, string) {
	t.Helper()
	ctx := context.Background()
	u, err := e.r.AddUser(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.r.AddToken(ctx, name, "test")
	if err != nil {
		t.Fatal(err)
	}
	return u, tok.Secret
}

func TestOfficialClient(t *testing.T) {
	e := newEnv(t, 2, 5)
	_, tok := e.user(t, "alice")
	c := mfclient.NewClient(e.srv.URL, tok)

	me, err := c.Me()
	if err != nil || me.Username != "alice" {
		t.Fatalf("Me: %+v, %v", me, err)
	}
	cats, err := c.Categories()
	if err != nil || len(cats) != 1 || cats[0].Title != miniflux.AllCategory || cats[0].ID != miniflux.AllCategoryID {
		t.Fatalf("Categories of a new user: %+v, %v", cats, err)
	}
	id, err := c.CreateFeed(&mfclient.FeedCreationRequest{FeedURL: e.feeds.URL(0), CategoryID: miniflux.AllCategoryID})
	if err != nil {
		t.Fatalf("CreateFeed: %v", err)
	}
	if _, err := c.CreateFeed(&mfclient.FeedCreationRequest{FeedURL: e.feeds.URL(0)}); err == nil {
		t.Error("CreateFeed twice: no error")
	}
	feed, err := c.Feed(id)
	if err != nil || feed.FeedURL != e.feeds.URL(0) || feed.Title != e.feeds.FeedTitle(0) || feed.Category.ID != miniflux.AllCategoryID {
		t.Fatalf("Feed: %+v, %v", feed, err)
	}

	res, err := c.Entries(&mfclient.Filter{Status: "unread", Order: "id", Direction: "asc"})
	if err != nil || res.Total != 5 || len(res.Entries) != 5 {
		t.Fatalf("Entries: %+v, %v", res, err)
	}
	for i, en := range res.Entries {
		if en.Status != "unread" || en.FeedID != id || en.Feed == nil || en.Feed.ID != id || en.Title == "" {
			t.Errorf("entry %d: %+v", i, en)
		}
		if i > 0 && en.ID <= res.Entries[i-1].ID {
			t.Errorf("entries not by id ascending: %d after %d", en.ID, res.Entries[i-1].ID)
		}
	}
	page, err := c.Entries(&mfclient.Filter{Order: "id", Direction: "asc", Limit: 2, Offset: 2})
	if err != nil || page.Total != 5 || len(page.Entries) != 2 || page.Entries[0].ID != res.Entries[2].ID {
		t.Fatalf("page 2 of 2: %+v, %v", page, err)
	}

	first, second := res.Entries[0].ID, res.Entries[1].ID
	if err := c.UpdateEntries([]int64{first, second}, "read"); err != nil {
		t.Fatalf("UpdateEntries: %v", err)
	}
	counters, err := c.FetchCounters()
	if err != nil || counters.UnreadCounters[id] != 3 || counters.ReadCounters[id] != 2 {
		t.Fatalf("counters: %+v, %v", counters, err)
	}
	// The change is the reader's: the core sees it.
	n, err := e.r.CountItems(context.Background(), me.ID, store.Query{Unread: true})
	if err != nil || n != 3 {
		t.Fatalf("unread in the core: %d, %v", n, err)
	}
	read, err := c.Entries(&mfclient.Filter{Status: "read"})
	if err != nil || read.Total != 2 {
		t.Fatalf("read entries: %+v, %v", read, err)
	}

	if err := c.ToggleStarred(first); err != nil {
		t.Fatalf("ToggleStarred: %v", err)
	}
	starred, err := c.Entries(&mfclient.Filter{Starred: mfclient.FilterOnlyStarred})
	if err != nil || starred.Total != 1 || starred.Entries[0].ID != first || !starred.Entries[0].Starred {
		t.Fatalf("starred: %+v, %v", starred, err)
	}
	en, err := c.Entry(first)
	if err != nil || !en.Starred || en.Status != "read" {
		t.Fatalf("Entry: %+v, %v", en, err)
	}
	if err := c.ToggleStarred(first); err != nil {
		t.Fatal(err)
	}
	if en, _ := c.Entry(first); en == nil || en.Starred {
		t.Fatalf("star toggled twice: %+v", en)
	}

	// A second feed, in the category news and tagged go too.
	if _, err := e.r.Subscribe(context.Background(), me.ID, reader.SubscribeRequest{URL: e.feeds.URL(1), Tags: []string{"news", "go"}}); err != nil {
		t.Fatal(err)
	}
	cats, err = c.Categories()
	if err != nil || len(cats) != 3 {
		t.Fatalf("categories: %+v, %v", cats, err)
	}
	var news int64
	for _, ct := range cats {
		if ct.Title == "news" {
			news = ct.ID
		}
	}
	cf, err := c.CategoryFeeds(news)
	if err != nil || len(cf) != 1 || cf[0].FeedURL != e.feeds.URL(1) {
		t.Fatalf("CategoryFeeds: %+v, %v", cf, err)
	}
	ce, err := c.CategoryEntries(news, nil)
	if err != nil || ce.Total != 5 {
		t.Fatalf("CategoryEntries: %+v, %v", ce, err)
	}
	all, err := c.CategoryEntries(miniflux.AllCategoryID, &mfclient.Filter{Status: "unread"})
	if err != nil || all.Total != 3 || len(all.Entries) != 3 {
		t.Fatalf("entries of All: %+v, %v", all, err)
	}
	// Moving a feed to All drops its category tag and keeps its other
	// tags: the next one is its category now.
	title := "Renamed"
	upd, err := c.UpdateFeed(cf[0].ID, &mfclient.FeedModificationRequest{Title: &title, CategoryID: ptr(miniflux.AllCategoryID)})
	if err != nil || upd.Title != title || upd.Category.Title != "go" {
		t.Fatalf("UpdateFeed: %+v, %v", upd, err)
	}
	// The crawler is whole-article fetching.
	upd, err = c.UpdateFeed(cf[0].ID, &mfclient.FeedModificationRequest{Crawler: ptr(true)})
	if err != nil || !upd.Crawler {
		t.Fatalf("UpdateFeed crawler on: %+v, %v", upd, err)
	}
	if got, err := c.Feed(cf[0].ID); err != nil || !got.Crawler {
		t.Fatalf("Feed after crawler on: %+v, %v", got, err)
	}
	if upd, err = c.UpdateFeed(cf[0].ID, &mfclient.FeedModificationRequest{Crawler: ptr(false)}); err != nil || upd.Crawler {
		t.Fatalf("UpdateFeed crawler off: %+v, %v", upd, err)
	}
	raw := e.get(t, tok, fmt.Sprintf("/v1/feeds/%d", cf[0].ID))
	var tagged struct{ Tags []string }
	if err := json.Unmarshal(raw, &tagged); err != nil || strings.Join(tagged.Tags, ",") != "go" {
		t.Errorf("tags after moving to All: %s", raw)
	}
	if err := c.DeleteFeed(cf[0].ID); err != nil {
		t.Fatalf("DeleteFeed: %v", err)
	}
	if _, err := c.Feed(cf[0].ID); !errors.Is(err, mfclient.ErrNotFound) {
		t.Errorf("deleted feed: %v", err)
	}
	if err := c.RefreshFeed(id); err != nil {
		t.Errorf("RefreshFeed: %v", err)
	}
	opml, err := c.Export()
	if err != nil || !strings.Contains(string(opml), e.feeds.URL(0)) {
		t.Errorf("Export: %s, %v", opml, err)
	}
	found, err := c.Discover(e.feeds.URL(1))
	if err != nil || len(found) != 1 || found[0].URL != e.feeds.URL(1) {
		t.Errorf("Discover: %+v, %v", found, err)
	}
}

func ptr[T any](v T) *T { return &v }

func (e *env) get(t testing.TB, tok, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("X-Auth-Token", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

func TestIsolation(t *testing.T) {
	e := newEnv(t, 2, 3)
	_, aliceTok := e.user(t, "alice")
	_, bobTok := e.user(t, "bob")
	alice, bob := mfclient.NewClient(e.srv.URL, aliceTok), mfclient.NewClient(e.srv.URL, bobTok)
	aFeed, err := alice.CreateFeed(&mfclient.FeedCreationRequest{FeedURL: e.feeds.URL(0)})
	if err != nil {
		t.Fatal(err)
	}
	ae, err := alice.Entries(nil)
	if err != nil || ae.Total != 3 {
		t.Fatalf("alice's entries: %+v, %v", ae, err)
	}
	be, err := bob.Entries(nil)
	if err != nil || be.Total != 0 || len(be.Entries) != 0 {
		t.Fatalf("bob sees: %+v, %v", be, err)
	}
	if _, err := bob.Entry(ae.Entries[0].ID); !errors.Is(err, mfclient.ErrNotFound) {
		t.Errorf("bob reads alice's entry: %v", err)
	}
	if _, err := bob.Feed(aFeed); !errors.Is(err, mfclient.ErrNotFound) {
		t.Errorf("bob reads alice's feed: %v", err)
	}
	if err := bob.UpdateEntries([]int64{ae.Entries[0].ID}, "read"); !errors.Is(err, mfclient.ErrNotFound) {
		t.Errorf("bob marks alice's entry: %v", err)
	}
	if err := bob.ToggleStarred(ae.Entries[0].ID); !errors.Is(err, mfclient.ErrNotFound) {
		t.Errorf("bob stars alice's entry: %v", err)
	}
	if _, err := bob.FeedEntries(aFeed, nil); !errors.Is(err, mfclient.ErrNotFound) {
		t.Errorf("bob lists alice's feed: %v", err)
	}
	if en, _ := alice.Entry(ae.Entries[0].ID); en.Status != "unread" || en.Starred {
		t.Errorf("bob changed alice's entry: %+v", en)
	}
	// The same feed for bob is the same shared feed, with his own state.
	if _, err := bob.CreateFeed(&mfclient.FeedCreationRequest{FeedURL: e.feeds.URL(0)}); err != nil {
		t.Fatal(err)
	}
	be, _ = bob.Entries(nil)
	if err := bob.UpdateEntries([]int64{be.Entries[0].ID}, "read"); err != nil {
		t.Fatal(err)
	}
	if ae, _ := alice.Entries(&mfclient.Filter{Status: "read"}); ae.Total != 0 {
		t.Errorf("bob's read mark shows for alice: %d read", ae.Total)
	}
	// Basic auth: the user's name with their app password, nobody else's.
	if me, err := mfclient.NewClient(e.srv.URL, "alice", aliceTok).Me(); err != nil || me.Username != "alice" {
		t.Errorf("basic auth: %+v, %v", me, err)
	}
	if _, err := mfclient.NewClient(e.srv.URL, "bob", aliceTok).Me(); !errors.Is(err, mfclient.ErrNotAuthorized) {
		t.Errorf("bob with alice's token: %v", err)
	}
	if _, err := mfclient.NewClient(e.srv.URL, "wrong").Me(); !errors.Is(err, mfclient.ErrNotAuthorized) {
		t.Errorf("a wrong token: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t, 1, 3)
	_, tok := e.user(t, "alice")
	c := mfclient.NewClient(e.srv.URL, tok)
	feed, err := c.CreateFeed(&mfclient.FeedCreationRequest{FeedURL: e.feeds.URL(0)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path, body string
		status             int
		msg                string // substring of error_message
	}{
		{"GET", "/v1/entries?limit=-1", "", 400, "limit"},
		{"GET", "/v1/entries?limit=1000000", "", 400, "limit"},
		{"GET", "/v1/entries?offset=x", "", 400, "offset"},
		{"GET", "/v1/entries?status=gone", "", 400, "status"},
		{"GET", "/v1/entries?direction=up", "", 400, "direction"},
		{"GET", "/v1/entries?order=title", "", 400, "order"},
		{"GET", "/v1/entries?before=yesterday", "", 400, "before"},
		{"GET", "/v1/entries?after_entry_id=-3", "", 400, "after_entry_id"},
		{"GET", "/v1/entries?starred=maybe", "", 400, "starred"},
		{"GET", "/v1/entries?feed_id=999999", "", 404, "no feed"},
		{"GET", "/v1/entries?category_id=999999", "", 404, "no category"},
		{"GET", "/v1/entries?colour=red", "", 400, "unknown parameter"},
		{"GET", "/v1/entries/abc", "", 400, "not an ID"},
		{"GET", "/v1/entries/0", "", 400, "not an ID"},
		{"GET", "/v1/entries/999999", "", 404, "no item"},
		{"GET", "/v1/feeds/999999", "", 404, "no feed"},
		{"GET", "/v1/feeds/1x", "", 400, "not an ID"},
		{"GET", "/v1/categories/999999/entries", "", 404, "no category"},
		{"PUT", "/v1/entries", `{"entry_ids":[1],"status":"gone"}`, 400, "status"},
		{"PUT", "/v1/entries", `{"entry_ids":[],"status":"read"}`, 400, "entry_ids"},
		{"PUT", "/v1/entries", `{"entry_ids":[999999],"status":"read"}`, 404, "999999"},
		{"PUT", "/v1/entries", `{"entry_ids":"1"}`, 400, "JSON"},
		{"PUT", "/v1/entries", ``, 400, "empty"},
		{"POST", "/v1/feeds", `{"feed_url":""}`, 400, "feed_url"},
		{"POST", "/v1/feeds", `{"feed_url":"ftp://example.invalid/"}`, 400, ""},
		{"POST", "/v1/feeds", `{"feed_url":"` + e.feeds.URL(0) + `","category_id":424242}`, 400, "category"},
		{"PUT", fmt.Sprintf("/v1/feeds/%d", feed), `{"feed_url":"http://127.0.0.1:1/other"}`, 400, "URL"},
		{"GET", fmt.Sprintf("/v1/feeds/%d/icon", feed), "", 404, "icon"},
		{"POST", "/v1/import", `not opml`, 400, ""},
		{"GET", "/v1/nothing", "", 404, "no such API call"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("X-Auth-Token", tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Msg string `json:"error_message"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != tt.status || body.Msg == "" || !strings.Contains(body.Msg, tt.msg) {
				t.Errorf("status %d %q; want %d with %q", resp.StatusCode, body.Msg, tt.status, tt.msg)
			}
		})
	}
	// Nothing was half-written by the refused mark.
	if n, _ := c.Entries(&mfclient.Filter{Status: "read"}); n.Total != 0 {
		t.Errorf("a refused request marked %d entries", n.Total)
	}
	t.Run("huge body", func(t *testing.T) {
		// 100 MB announced, never sent: the answer comes before the body.
		pr, pw := io.Pipe()
		defer pw.Close()
		req, _ := http.NewRequest("POST", e.srv.URL+"/v1/import", pr)
		req.ContentLength = 100 << 20
		req.Header.Set("X-Auth-Token", tok)
		go func() { _, _ = pw.Write([]byte("<opml>")) }()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	})
	t.Run("huge chunked body", func(t *testing.T) {
		req, _ := http.NewRequest("PUT", e.srv.URL+"/v1/entries", io.LimitReader(zeros{}, 5<<20))
		req.Header.Set("X-Auth-Token", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}
