package miniflux_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"tidings/reader"
	"tidings/store"
	"tidings/web/miniflux"
)

// TestPageView checks what an entry listing answers from the feeds of its
// page alone against the full lists: each entry's feed is the feed as
// GET /v1/feeds lists it, and the unread totals are the counters'.
func TestPageView(t *testing.T) {
	e := newEnv(t, 4, 6)
	u, tok := e.user(t, "alice")
	ctx := context.Background()
	tags := [][]string{{"news", "go"}, {"go"}, nil, {"news"}}
	for i, tg := range tags {
		if _, err := e.r.Subscribe(ctx, u.ID, reader.SubscribeRequest{URL: e.feeds.URL(i), Tags: tg}); err != nil {
			t.Fatal(err)
		}
	}
	// Some read, and a starred item kept after its feed went.
	ids, err := e.r.ItemIDs(ctx, u.ID, store.Query{ByID: true, Oldest: true})
	if err != nil || len(ids) != 24 {
		t.Fatalf("%d items, %v", len(ids), err)
	}
	if _, err := e.r.Mark(ctx, u.ID, []int64{ids[0], ids[7], ids[14], ids[20]}, reader.MarkRead); err != nil {
		t.Fatal(err)
	}
	kept, err := e.r.Item(ctx, u.ID, ids[13]) // of the feed without tags
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Mark(ctx, u.ID, []int64{kept.ID}, reader.MarkStarred); err != nil {
		t.Fatal(err)
	}
	gone, err := e.r.Store().SubscriptionByID(ctx, u.ID, kept.FeedID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Unsubscribe(ctx, u.ID, gone.URL); err != nil {
		t.Fatal(err)
	}

	getJSON := func(path string, v any) {
		t.Helper()
		if err := json.Unmarshal(e.get(t, tok, path), v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var feeds []map[string]any
	getJSON("/v1/feeds", &feeds)
	byID := map[int64]map[string]any{}
	for _, f := range feeds {
		byID[int64(f["id"].(float64))] = f
	}
	var counters struct{ Unreads map[string]int }
	getJSON("/v1/feeds/counters", &counters)
	var cats []struct {
		ID    int64
		Title string
	}
	getJSON("/v1/categories", &cats)
	catID := map[string]int64{}
	for _, c := range cats {
		catID[c.Title] = c.ID
	}
	unreadOf := func(keep func(f map[string]any) bool) int {
		n := 0
		for id, f := range byID {
			if keep(f) {
				n += counters.Unreads[fmt.Sprint(id)]
			}
		}
		return n
	}
	hasTag := func(tag string) func(map[string]any) bool {
		return func(f map[string]any) bool {
			for _, x := range f["tags"].([]any) {
				if x == tag {
					return true
				}
			}
			return false
		}
	}
	type page struct {
		Total   int
		Entries []struct {
			ID     int64
			FeedID int64 `json:"feed_id"`
			Feed   map[string]any
		}
	}
	for _, c := range []struct {
		path  string
		total int
	}{
		{"/v1/entries?status=unread&limit=100", unreadOf(func(map[string]any) bool { return true })},
		{fmt.Sprintf("/v1/entries?status=unread&category_id=%d", catID["news"]), unreadOf(hasTag("news"))},
		{fmt.Sprintf("/v1/categories/%d/entries?status=unread", catID["go"]), unreadOf(hasTag("go"))},
		{"/v1/entries?limit=100&order=id", 6*len(byID) + 1},
		{"/v1/entries?starred=true", 1},
	} {
		var p page
		getJSON(c.path, &p)
		if p.Total != c.total {
			t.Errorf("%s: total %d; want %d, from the counters", c.path, p.Total, c.total)
		}
		for _, en := range p.Entries {
			want, ok := byID[en.FeedID]
			if !ok {
				// The kept item's feed is not the user's: the category All.
				cat, _ := en.Feed["category"].(map[string]any)
				if en.ID != kept.ID || cat["id"] != float64(miniflux.AllCategoryID) || en.Feed["title"] != kept.FeedTitle {
					t.Errorf("%s: entry %d of feed %d, which is not the user's: %v", c.path, en.ID, en.FeedID, en.Feed)
				}
				continue
			}
			if fmt.Sprint(en.Feed) != fmt.Sprint(want) {
				t.Errorf("%s: entry %d's feed\n%v\nwant, as /v1/feeds lists it,\n%v", c.path, en.ID, en.Feed, want)
			}
		}
	}
	for path, status := range map[string]int{
		fmt.Sprintf("/v1/entries?feed_id=%d", kept.FeedID):                               404,
		fmt.Sprintf("/v1/feeds/%d/entries", kept.FeedID):                                 404,
		fmt.Sprintf("/v1/categories/%d/entries/%d", catID["go"], ids[18]):                404,
		fmt.Sprintf("/v1/categories/%d/entries/%d", catID["news"], ids[18]):              200,
		fmt.Sprintf("/v1/feeds/%d/entries/%d", byIDOf(t, byID, e.feeds.URL(3)), ids[18]): 200,
		fmt.Sprintf("/v1/entries/%d", kept.ID):                                           200,
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("X-Auth-Token", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("GET %s: %d; want %d", path, resp.StatusCode, status)
		}
	}
}

// byIDOf returns the ID of the listed feed with that URL.
func byIDOf(t *testing.T, feeds map[int64]map[string]any, url string) int64 {
	t.Helper()
	for id, f := range feeds {
		if f["feed_url"] == url {
			return id
		}
	}
	t.Fatalf("no feed %s", url)
	return 0
}
