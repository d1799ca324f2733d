package fever_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"tidings/reader"
	"tidings/store"
)

// The apps' request sequences below are what the Fever API's own
// documentation tells a client to do and what the public bug threads of
// Fever servers (FreshRSS, Miniflux, Stringer, CommaFeed) show these
// apps sending: the apps themselves are closed source. Each is replayed
// against a real server with a local cache kept as the app keeps it, and
// the cache must end equal to what tidings holds.

// app is a Fever client's local cache and the way it sends requests.
type app struct {
	t   *testing.T
	e   *env
	key string
	// send makes one request with these parameters: the app's choice of
	// method, body type and where the key goes.
	send func(query string, form url.Values) *http.Request

	groups map[int64]string
	feeds  map[int64]string
	items  map[int64]map[string]any
	unread []int64
	saved  []int64
}

func newApp(t *testing.T, e *env, key string, send func(*env, string, string, url.Values) *http.Request) *app {
	return &app{t: t, e: e, key: key, send: func(q string, f url.Values) *http.Request { return send(e, key, q, f) },
		groups: map[int64]string{}, feeds: map[int64]string{}, items: map[int64]map[string]any{}}
}

// call sends a request, which must answer 200 with auth 1.
func (a *app) call(query string, form url.Values) answer {
	a.t.Helper()
	st, ans := do(a.t, a.send(query, form))
	if st != 200 || ans.int(a.t, "auth") != 1 {
		a.t.Fatalf("%s %v: %d %v", query, form, st, ans)
	}
	if _, ok := ans["unread_item_ids"]; ok {
		a.unread = ans.ids(a.t, "unread_item_ids")
	}
	if _, ok := ans["saved_item_ids"]; ok {
		a.saved = ans.ids(a.t, "saved_item_ids")
	}
	if _, ok := ans["groups"]; ok {
		for _, g := range ans.list(a.t, "groups") {
			a.groups[int64(g["id"].(float64))] = g["title"].(string)
		}
	}
	if _, ok := ans["feeds"]; ok {
		for _, f := range ans.list(a.t, "feeds") {
			a.feeds[int64(f["id"].(float64))] = f["title"].(string)
		}
	}
	if _, ok := ans["items"]; ok {
		for _, it := range ans.list(a.t, "items") {
			a.items[int64(it["id"].(float64))] = it
		}
	}
	return ans
}

// check compares the cache with the store: the same feeds, items, unread
// and saved lists.
func (a *app) check(u store.User) {
	a.t.Helper()
	ctx := context.Background()
	subs, _ := a.e.r.Subscriptions(ctx, u.ID)
	if len(subs) != len(a.feeds) {
		a.t.Errorf("the app has %d feeds, tidings %d", len(a.feeds), len(subs))
	}
	for _, s := range subs {
		if a.feeds[s.ID] != s.Name() {
			a.t.Errorf("feed %d: the app has %q, tidings %q", s.ID, a.feeds[s.ID], s.Name())
		}
	}
	all, _ := a.e.r.ItemIDs(ctx, u.ID, store.Query{ByID: true, Oldest: true})
	if len(all) != len(a.items) {
		a.t.Errorf("the app has %d items, tidings %d", len(a.items), len(all))
	}
	unread, _ := a.e.r.ItemIDs(ctx, u.ID, store.Query{Unread: true, ByID: true, Oldest: true})
	if !slices.Equal(unread, a.unread) {
		a.t.Errorf("the app's unread %v, tidings' %v", a.unread, unread)
	}
	saved, _ := a.e.r.ItemIDs(ctx, u.ID, store.Query{Starred: true, ByID: true, Oldest: true})
	if !slices.Equal(saved, a.saved) {
		a.t.Errorf("the app's saved %v, tidings' %v", a.saved, saved)
	}
}

// postForm is how Reeder, Unread and Fiery Feeds send: POST, the key and
// marks in a URL-encoded body, the sections in the query.
func postForm(e *env, key, query string, params url.Values) *http.Request {
	v := url.Values{"api_key": {key}}
	for k, vs := range params {
		v[k] = vs
	}
	return form(e.srv.URL+"/api/fever/?"+query, v)
}

// postMultipart is the same as a multipart/form-data body, as some
// clients built on upload helpers send it.
func postMultipart(e *env, key, query string, form url.Values) *http.Request {
	v := url.Values{"api_key": {key}}
	for k, vs := range form {
		v[k] = vs
	}
	return multipartForm(e.srv.URL+"/api/fever.php?"+query, v)
}

func replayEnv(t *testing.T) (*env, store.User, string) {
	e := newEnv(t, 3, 40)
	u, key := e.user(t, "alice")
	e.subscribe(t, u, 0, "news")
	e.subscribe(t, u, 1, "news", "tech")
	e.subscribe(t, u, 2)
	return e, u, key
}

// TestReplayReeder: Reeder's first sync pages forward with since_id from
// 0 until an empty page, then keeps the unread and saved lists; a read in
// the app is a mark of one item, and "mark all read" of a feed sends the
// time of its last items request as before.
func TestReplayReeder(t *testing.T) {
	e, u, key := replayEnv(t)
	a := newApp(t, e, key, postForm)
	a.call("api", nil)
	a.call("api&groups", nil)
	a.call("api&feeds", nil)
	a.call("api&favicons", nil)
	a.call("api&unread_item_ids", nil)
	a.call("api&saved_item_ids", nil)
	since, pages := int64(0), 0
	for {
		ans := a.call(fmt.Sprintf("api&items&since_id=%d", since), nil)
		its := ans.list(t, "items")
		if len(its) == 0 {
			break
		}
		pages++
		since = int64(its[len(its)-1]["id"].(float64))
	}
	if pages != 3 || len(a.items) != 120 {
		t.Fatalf("Reeder paged %d times for %d items", pages, len(a.items))
	}
	a.check(u)
	lastSync := time.Now().Unix() + 1

	// Reading and saving in the app.
	a.call("api", url.Values{"mark": {"item"}, "as": {"read"}, "id": {fmt.Sprint(a.unread[0])}})
	a.call("api", url.Values{"mark": {"item"}, "as": {"saved"}, "id": {fmt.Sprint(a.unread[1])}})
	var feed int64
	for id, title := range a.feeds {
		if title == e.feeds.FeedTitle(2) {
			feed = id
		}
	}
	a.call("api", url.Values{"mark": {"feed"}, "as": {"read"}, "id": {fmt.Sprint(feed)}, "before": {fmt.Sprint(lastSync)}})
	a.call("api&unread_item_ids", nil)
	a.call("api&saved_item_ids", nil)
	if len(a.unread) != 79 || len(a.saved) != 1 {
		t.Errorf("after the app's reads: %d unread, %d saved", len(a.unread), len(a.saved))
	}
	a.check(u)

	// New items arrive; the next sync asks since the last ID it has.
	e.feeds.AddItems(0, 5)
	if _, err := e.r.Refresh(context.Background(), u.ID, []string{e.feeds.URL(0)}); err != nil {
		t.Fatal(err)
	}
	ans := a.call(fmt.Sprintf("api&items&since_id=%d", since), nil)
	if n := len(ans.list(t, "items")); n != 5 {
		t.Errorf("since_id after new items: %d", n)
	}
	a.call("api&unread_item_ids", nil)
	a.check(u)
}

// TestReplayUnread: Unread (and Fiery Feeds) sync by ID lists: the unread
// and saved IDs first, then the items they lack with with_ids, 50 at a
// time, then older items with max_id; groups and feeds in one request;
// "mark all read" is group 0 with before.
func TestReplayUnread(t *testing.T) {
	e, u, key := replayEnv(t)
	ctx := context.Background()
	// Something read and saved on the web page before the app came.
	ids, _ := e.r.ItemIDs(ctx, u.ID, store.Query{ByID: true, Oldest: true})
	if _, err := e.r.Mark(ctx, u.ID, ids[:10], reader.MarkRead); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Mark(ctx, u.ID, ids[100:102], reader.MarkStarred); err != nil {
		t.Fatal(err)
	}

	a := newApp(t, e, key, postMultipart)
	a.call("api", nil)
	a.call("api&groups&feeds", nil)
	if len(a.groups) != 2 || len(a.feeds) != 3 {
		t.Fatalf("groups %v feeds %v", a.groups, a.feeds)
	}
	a.call("api&unread_item_ids", nil)
	a.call("api&saved_item_ids", nil)
	want := slices.Concat(a.unread, a.saved)
	for len(want) > 0 {
		n := min(len(want), 50)
		var s []string
		for _, id := range want[:n] {
			s = append(s, fmt.Sprint(id))
		}
		a.call("api&items&with_ids="+strings.Join(s, ","), nil)
		want = want[n:]
	}
	if len(a.items) != 110 {
		t.Fatalf("with_ids brought %d items, want the 110 unread or saved", len(a.items))
	}
	// Then the read history, newest first, until an empty page.
	maxID := int64(0)
	for range 10 {
		its := a.call(fmt.Sprintf("api&items&max_id=%d", maxID), nil).list(t, "items")
		if len(its) == 0 {
			break
		}
		maxID = int64(its[len(its)-1]["id"].(float64))
	}
	a.check(u)

	// Read one in the app, unread it, then mark everything read.
	a.call("api", url.Values{"mark": {"item"}, "as": {"read"}, "id": {fmt.Sprint(a.unread[5])}})
	a.call("api", url.Values{"mark": {"item"}, "as": {"unread"}, "id": {fmt.Sprint(ids[0])}})
	a.call("api", url.Values{"mark": {"item"}, "as": {"unsaved"}, "id": {fmt.Sprint(ids[100])}})
	a.check(u)
	a.call("api", url.Values{"mark": {"group"}, "as": {"read"}, "id": {"0"}, "before": {fmt.Sprint(time.Now().Unix() + 1)}})
	if len(a.unread) != 0 {
		t.Errorf("after group 0 read the app has %d unread", len(a.unread))
	}
	a.check(u)
	if n, _ := e.r.CountItems(ctx, u.ID, store.Query{Unread: true}); n != 0 {
		t.Errorf("tidings has %d unread after the app read all", n)
	}
}

// TestReplayQueryKey: FeedMe and scripts that send everything in the
// query of a GET, the key included.
func TestReplayQueryKey(t *testing.T) {
	e, u, key := replayEnv(t)
	a := newApp(t, e, key, func(e *env, key, query string, form url.Values) *http.Request {
		q := query + "&api_key=" + key
		if len(form) > 0 {
			q += "&" + form.Encode()
		}
		r, _ := http.NewRequest("GET", e.srv.URL+"/api/fever.php?"+q, nil)
		return r
	})
	a.call("api&feeds&groups&unread_item_ids&saved_item_ids", nil)
	for range 5 {
		if len(a.call(fmt.Sprintf("api&items&since_id=%d", maxKey(a.items)), nil).list(t, "items")) == 0 {
			break
		}
	}
	a.call("api", url.Values{"mark": {"item"}, "as": {"saved"}, "id": {fmt.Sprint(a.unread[3])}})
	a.call("api", url.Values{"mark": {"item"}, "as": {"read"}, "id": {fmt.Sprint(a.unread[3])}})
	a.call("api&saved_item_ids", nil)
	a.check(u)
}

func maxKey(m map[int64]map[string]any) int64 {
	var k int64
	for id := range m {
		k = max(k, id)
	}
	return k
}
