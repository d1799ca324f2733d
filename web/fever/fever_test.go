package fever_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"tidings/fetch"
	"tidings/fetch/fetchtest"
	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
	"tidings/web/fever"
)

// env is a tidings server with the Fever API over a real SQLite store,
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
	srv := httptest.NewServer(fever.New(fever.Options{Reader: r}))
	t.Cleanup(srv.Close)
	return &env{r: r, st: db, srv: srv, feeds: fs}
}

// user adds a user and returns them with the Fever API key of a new app
// password of theirs.
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
	return u, reader.FeverKey(name, tok.Secret)
}

func (e *env) subscribe(t testing.TB, u store.User, feed int, tags ...string) store.Subscription {
	t.Helper()
	s, err := e.r.Subscribe(context.Background(), u.ID, reader.SubscribeRequest{URL: e.feeds.URL(feed), Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	return s.Subscription
}

// answer is a decoded Fever answer.
type answer map[string]any

func (a answer) int(t testing.TB, k string) int64 {
	t.Helper()
	f, ok := a[k].(float64)
	if !ok || f != float64(int64(f)) {
		t.Fatalf("%s is %#v, not an integer", k, a[k])
	}
	return int64(f)
}

func (a answer) str(t testing.TB, k string) string {
	t.Helper()
	s, ok := a[k].(string)
	if !ok {
		t.Fatalf("%s is %#v, not a string", k, a[k])
	}
	return s
}

func (a answer) list(t testing.TB, k string) []map[string]any {
	t.Helper()
	l, ok := a[k].([]any)
	if !ok {
		t.Fatalf("%s is %#v, not a list", k, a[k])
	}
	out := make([]map[string]any, len(l))
	for i, v := range l {
		out[i], _ = v.(map[string]any)
	}
	return out
}

// ids reads a comma-separated ID list.
func (a answer) ids(t testing.TB, k string) []int64 {
	t.Helper()
	s := a.str(t, k)
	var out []int64
	for p := range strings.SplitSeq(s, ",") {
		if p == "" {
			continue
		}
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			t.Fatalf("%s has %q: %v", k, p, err)
		}
		out = append(out, id)
	}
	return out
}

// do sends one request and decodes its answer, checking what every
// answer has: api_version 3, auth, an integer last_refreshed_on_time.
func do(t testing.TB, req *http.Request) (int, answer) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var a answer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %v: %s", req.Method, req.URL, resp.StatusCode, err, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if a.int(t, "api_version") != 3 {
		t.Errorf("api_version %v", a["api_version"])
	}
	if auth := a.int(t, "auth"); auth != 0 && auth != 1 {
		t.Errorf("auth %d", auth)
	}
	a.int(t, "last_refreshed_on_time")
	return resp.StatusCode, a
}

// post POSTs a URL-encoded form with the key to /api/fever.php?query.
func (e *env) post(t testing.TB, key, query string, form url.Values) (int, answer) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if key != "" {
		form.Set("api_key", key)
	}
	req, err := http.NewRequest("POST", e.srv.URL+"/api/fever.php?"+query, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

// ok is post that must answer 200 with auth 1.
func (e *env) ok(t testing.TB, key, query string, form url.Values) answer {
	t.Helper()
	st, a := e.post(t, key, query, form)
	if st != 200 || a.int(t, "auth") != 1 {
		t.Fatalf("%s: %d %v", query, st, a)
	}
	return a
}

func TestAuth(t *testing.T) {
	e := newEnv(t, 1, 3)
	u, key := e.user(t, "alice")
	e.subscribe(t, u, 0)

	for _, tc := range []struct {
		name string
		req  func() *http.Request
		auth int64
	}{
		{"no key", func() *http.Request { r, _ := http.NewRequest("POST", e.srv.URL+"/api/fever.php?api", nil); return r }, 0},
		{"wrong key", func() *http.Request {
			return form(e.srv.URL+"/api/fever.php?api", url.Values{"api_key": {reader.FeverKey("alice", "nope")}})
		}, 0},
		{"not hex", func() *http.Request { return form(e.srv.URL+"/api/fever/?api", url.Values{"api_key": {"' OR 1=1 --"}}) }, 0},
		{"key in the body", func() *http.Request { return form(e.srv.URL+"/api/fever.php?api", url.Values{"api_key": {key}}) }, 1},
		{"key in capitals", func() *http.Request {
			return form(e.srv.URL+"/api/fever/?api", url.Values{"api_key": {strings.ToUpper(key)}})
		}, 1},
		{"key in the query", func() *http.Request {
			r, _ := http.NewRequest("GET", e.srv.URL+"/api/fever/?api&api_key="+key, nil)
			return r
		}, 1},
		{"without ?api", func() *http.Request { return form(e.srv.URL+"/api/fever/", url.Values{"api_key": {key}}) }, 1},
		{"multipart", func() *http.Request {
			return multipartForm(e.srv.URL+"/api/fever.php?api", url.Values{"api_key": {key}})
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, a := do(t, tc.req())
			if st != 200 || a.int(t, "auth") != tc.auth {
				t.Fatalf("%d %v, want 200 with auth %d", st, a, tc.auth)
			}
			if tc.auth == 1 && a.int(t, "last_refreshed_on_time") == 0 {
				t.Error("last_refreshed_on_time is 0 after a fetch")
			}
			if tc.auth == 0 && len(a) != 3 {
				t.Errorf("a refused key was answered more than the three members: %v", a)
			}
		})
	}

	// A wrong key reads nothing it asks for.
	_, a := e.post(t, "0123456789abcdef0123456789abcdef", "api&items&unread_item_ids&feeds", nil)
	if _, ok := a["items"]; ok || a["unread_item_ids"] != nil || a["feeds"] != nil {
		t.Errorf("a wrong key was answered with data: %v", a)
	}
	// A revoked token's key no longer works.
	toks, _ := e.r.Tokens(context.Background(), "alice")
	if err := e.r.RevokeToken(context.Background(), "alice", toks[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, a := e.post(t, key, "api", nil); a.int(t, "auth") != 0 {
		t.Errorf("a revoked token's key: auth %v", a["auth"])
	}

	resp, err := http.Get(e.srv.URL + "/api/feverish")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("another path: %d, want 404", resp.StatusCode)
	}
}

func form(u string, v url.Values) *http.Request {
	r, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func multipartForm(u string, v url.Values) *http.Request {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range v {
		for _, s := range vs {
			_ = mw.WriteField(k, s)
		}
	}
	_ = mw.Close()
	r, _ := http.NewRequest("POST", u, &b)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestGroupsAndFeeds(t *testing.T) {
	e := newEnv(t, 3, 2)
	u, key := e.user(t, "alice")
	s0 := e.subscribe(t, u, 0, "news")
	s1 := e.subscribe(t, u, 1, "news", "tech")
	s2 := e.subscribe(t, u, 2)

	a := e.ok(t, key, "api&groups", nil)
	tags, _ := e.r.TagList(context.Background(), u.ID)
	byName := map[string]int64{}
	for _, tg := range tags {
		byName[tg.Name] = tg.ID
	}
	groups := a.list(t, "groups")
	if len(groups) != 2 {
		t.Fatalf("groups: %v", groups)
	}
	for _, g := range groups {
		if int64(g["id"].(float64)) != byName[g["title"].(string)] {
			t.Errorf("group %v: the tag's ID is %d", g, byName[g["title"].(string)])
		}
	}
	fg := map[int64]string{}
	for _, g := range a.list(t, "feeds_groups") {
		fg[int64(g["group_id"].(float64))] = g["feed_ids"].(string)
	}
	want := map[int64]string{byName["news"]: fmt.Sprintf("%d,%d", s0.ID, s1.ID), byName["tech"]: fmt.Sprint(s1.ID)}
	if fmt.Sprint(fg) != fmt.Sprint(want) {
		t.Errorf("feeds_groups %v, want %v", fg, want)
	}
	if _, ok := a["feeds"]; ok {
		t.Error("groups answered feeds too")
	}

	a = e.ok(t, key, "api&feeds", nil)
	feeds := a.list(t, "feeds")
	if len(feeds) != 3 || a["feeds_groups"] == nil {
		t.Fatalf("feeds: %v", a)
	}
	seen := map[int64]bool{}
	for _, f := range feeds {
		id := int64(f["id"].(float64))
		seen[id] = true
		var i int
		switch id {
		case s0.ID:
			i = 0
		case s1.ID:
			i = 1
		case s2.ID:
			i = 2
		}
		if f["title"] != e.feeds.FeedTitle(i) || f["url"] != e.feeds.URL(i) || f["is_spark"] != 0.0 || f["favicon_id"] != 0.0 {
			t.Errorf("feed %v", f)
		}
		if v, ok := f["last_updated_on_time"].(float64); !ok || v < float64(time.Now().Add(-time.Hour).Unix()) {
			t.Errorf("feed %d last_updated_on_time %v", id, f["last_updated_on_time"])
		}
		if _, ok := f["site_url"].(string); !ok {
			t.Errorf("feed %d site_url %v", id, f["site_url"])
		}
	}
	if len(seen) != 3 {
		t.Errorf("feed IDs %v", seen)
	}

	// One request may ask for several sections, as some apps do.
	a = e.ok(t, key, "api&groups&feeds&favicons&links", nil)
	if len(a.list(t, "groups")) != 2 || len(a.list(t, "feeds")) != 3 || a.list(t, "favicons") == nil || a.list(t, "links") == nil {
		t.Errorf("combined: %v", a)
	}
	if len(a.list(t, "favicons")) != 0 {
		t.Errorf("favicons: %v", a["favicons"])
	}
}

// allItems pages through since_id as apps do and returns the items.
func allItems(t testing.TB, e *env, key string) []map[string]any {
	t.Helper()
	var out []map[string]any
	since := int64(0)
	for range 100 {
		a := e.ok(t, key, fmt.Sprintf("api&items&since_id=%d", since), nil)
		its := a.list(t, "items")
		if len(its) == 0 {
			return out
		}
		if len(its) > fever.MaxItems {
			t.Fatalf("%d items in one answer", len(its))
		}
		for _, it := range its {
			id := int64(it["id"].(float64))
			if id <= since {
				t.Fatalf("since_id=%d answered item %d", since, id)
			}
			since = id
		}
		out = append(out, its...)
	}
	t.Fatal("since_id paging does not end")
	return nil
}

func TestItems(t *testing.T) {
	e := newEnv(t, 2, 30)
	u, key := e.user(t, "alice")
	e.subscribe(t, u, 0)
	e.subscribe(t, u, 1)

	a := e.ok(t, key, "api&items", nil)
	if a.int(t, "total_items") != 60 || len(a.list(t, "items")) != 50 {
		t.Fatalf("items: total %v, %d items", a["total_items"], len(a.list(t, "items")))
	}
	its := allItems(t, e, key)
	if len(its) != 60 {
		t.Fatalf("since_id paging: %d items, want 60", len(its))
	}
	ids := make([]int64, len(its))
	for i, it := range its {
		ids[i] = int64(it["id"].(float64))
		for _, k := range []string{"id", "feed_id", "is_saved", "is_read", "created_on_time"} {
			if _, ok := it[k].(float64); !ok {
				t.Fatalf("item %s is %#v, not a number", k, it[k])
			}
		}
		for _, k := range []string{"title", "author", "html", "url"} {
			if _, ok := it[k].(string); !ok {
				t.Fatalf("item %s is %#v, not a string", k, it[k])
			}
		}
		if it["is_read"] != 0.0 || it["is_saved"] != 0.0 || it["title"] == "" || it["html"] == "" || it["created_on_time"].(float64) < 1e9 {
			t.Errorf("item %v", it)
		}
	}
	// The item's fields are the store's.
	it0, err := e.r.Item(context.Background(), u.ID, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if its[0]["title"] != it0.Title || its[0]["url"] != it0.URL || its[0]["html"] != it0.Content ||
		int64(its[0]["feed_id"].(float64)) != it0.FeedID || int64(its[0]["created_on_time"].(float64)) != it0.Published.Unix() {
		t.Errorf("item %v is not the store's %+v", its[0], it0)
	}

	// max_id pages back from the newest.
	a = e.ok(t, key, "api&items&max_id=0", nil)
	back := a.list(t, "items")
	if len(back) != 50 || int64(back[0]["id"].(float64)) != ids[59] || int64(back[49]["id"].(float64)) != ids[10] {
		t.Fatalf("max_id=0: %d items from %v", len(back), back[0]["id"])
	}
	a = e.ok(t, key, fmt.Sprintf("api&items&max_id=%d", ids[10]), nil)
	if got := a.list(t, "items"); len(got) != 10 || int64(got[0]["id"].(float64)) != ids[9] {
		t.Fatalf("max_id=%d: %d items", ids[10], len(got))
	}

	// with_ids answers those, and skips what is not an item.
	want := []int64{ids[3], ids[40], ids[7]}
	a = e.ok(t, key, fmt.Sprintf("api&items&with_ids=%d,%d,%d,999999", want[0], want[1], want[2]), nil)
	var got []int64
	for _, it := range a.list(t, "items") {
		got = append(got, int64(it["id"].(float64)))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("with_ids: %v, want %v", got, want)
	}
	// The parameters may come in the body too.
	a = e.ok(t, key, "api&items", url.Values{"with_ids": {fmt.Sprint(ids[5])}})
	if got := a.list(t, "items"); len(got) != 1 || int64(got[0]["id"].(float64)) != ids[5] {
		t.Errorf("with_ids in the body: %v", got)
	}

	a = e.ok(t, key, "api&unread_item_ids", nil)
	if got := a.ids(t, "unread_item_ids"); !slices.Equal(got, ids) {
		t.Errorf("unread_item_ids: %v, want %v", got, ids)
	}
	if a = e.ok(t, key, "api&saved_item_ids", nil); a.str(t, "saved_item_ids") != "" {
		t.Errorf("saved_item_ids %q", a["saved_item_ids"])
	}
}

func TestMarks(t *testing.T) {
	e := newEnv(t, 3, 4)
	u, key := e.user(t, "alice")
	ctx := context.Background()
	s0 := e.subscribe(t, u, 0, "news")
	e.subscribe(t, u, 1, "news")
	s2 := e.subscribe(t, u, 2, "tech")
	idsOf := func(q store.Query) []int64 {
		q.ByID, q.Oldest = true, true
		ids, err := e.r.ItemIDs(ctx, u.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	all := idsOf(store.Query{})
	if len(all) != 12 {
		t.Fatalf("%d items", len(all))
	}

	mark := func(v url.Values) answer {
		t.Helper()
		return e.ok(t, key, "api", v)
	}
	a := mark(url.Values{"mark": {"item"}, "as": {"read"}, "id": {fmt.Sprint(all[0])}})
	if got := a.ids(t, "unread_item_ids"); slices.Contains(got, all[0]) || len(got) != 11 {
		t.Errorf("after marking %d read, unread_item_ids %v", all[0], got)
	}
	if it, _ := e.r.Item(ctx, u.ID, all[0]); !it.Read {
		t.Error("the item is not read in the core")
	}
	mark(url.Values{"mark": {"item"}, "as": {"unread"}, "id": {fmt.Sprint(all[0])}})
	if it, _ := e.r.Item(ctx, u.ID, all[0]); it.Read {
		t.Error("mark unread: still read")
	}
	a = mark(url.Values{"mark": {"item"}, "as": {"saved"}, "id": {fmt.Sprint(all[1])}})
	if got := a.ids(t, "saved_item_ids"); !slices.Equal(got, []int64{all[1]}) {
		t.Errorf("saved_item_ids %v", got)
	}
	if _, ok := a["unread_item_ids"]; ok {
		t.Error("a save was answered with unread_item_ids")
	}
	a = mark(url.Values{"mark": {"item"}, "as": {"unsaved"}, "id": {fmt.Sprint(all[1])}})
	if a.str(t, "saved_item_ids") != "" {
		t.Errorf("after unsaved: %q", a["saved_item_ids"])
	}
	// An item that is gone changes nothing and answers as Fever does.
	mark(url.Values{"mark": {"item"}, "as": {"read"}, "id": {"987654"}})

	// A feed read before a time older than its items: nothing changes.
	mark(url.Values{"mark": {"feed"}, "as": {"read"}, "id": {fmt.Sprint(s0.ID)}, "before": {"1000"}})
	if n := len(idsOf(store.Query{Unread: true})); n != 12 {
		t.Errorf("before=1000 marked items: %d unread", n)
	}
	before := fmt.Sprint(time.Now().Add(time.Minute).Unix())
	a = mark(url.Values{"mark": {"feed"}, "as": {"read"}, "id": {fmt.Sprint(s0.ID)}, "before": {before}})
	if n := len(idsOf(store.Query{Unread: true, FeedID: s0.ID})); n != 0 {
		t.Errorf("feed read: %d unread left in it", n)
	}
	if got := a.ids(t, "unread_item_ids"); len(got) != 8 {
		t.Errorf("after feed read, unread_item_ids %v", got)
	}
	// Group "tech" read leaves "news" alone.
	tags, _ := e.r.TagList(ctx, u.ID)
	var tech int64
	for _, tg := range tags {
		if tg.Name == "tech" {
			tech = tg.ID
		}
	}
	mark(url.Values{"mark": {"group"}, "as": {"read"}, "id": {fmt.Sprint(tech)}, "before": {before}})
	if n := len(idsOf(store.Query{Unread: true, FeedID: s2.ID})); n != 0 {
		t.Errorf("group read: %d unread left in it", n)
	}
	if n := len(idsOf(store.Query{Unread: true})); n != 4 {
		t.Errorf("group read: %d unread in all, want 4", n)
	}
	// Sparks (-1) has no feeds.
	mark(url.Values{"mark": {"group"}, "as": {"read"}, "id": {"-1"}, "before": {before}})
	if n := len(idsOf(store.Query{Unread: true})); n != 4 {
		t.Errorf("sparks read: %d unread, want 4", n)
	}
	// Group 0 is everything; a before in milliseconds is understood.
	a = mark(url.Values{"mark": {"group"}, "as": {"read"}, "id": {"0"}, "before": {fmt.Sprint(time.Now().Add(time.Minute).UnixMilli())}})
	if n := len(idsOf(store.Query{Unread: true})); n != 0 || a.str(t, "unread_item_ids") != "" {
		t.Errorf("group 0 read: %d unread, %q", n, a["unread_item_ids"])
	}
}

// TestBadInput: every parameter is checked before anything changes, and
// refused with a status and a message that says what is wrong.
func TestBadInput(t *testing.T) {
	e := newEnv(t, 1, 3)
	u, key := e.user(t, "alice")
	e.subscribe(t, u, 0)
	many := make([]string, fever.MaxWithIDs+1)
	for i := range many {
		many[i] = strconv.Itoa(i + 1)
	}
	for _, tc := range []struct {
		name, query string
		form        url.Values
		status      int
		msg         string
	}{
		{"since_id word", "api&items&since_id=abc", nil, 400, `since_id="abc" is not an ID`},
		{"since_id negative", "api&items&since_id=-5", nil, 400, "since_id"},
		{"max_id float", "api&items&max_id=1.5", nil, 400, "max_id"},
		{"max_id huge", "api&items&max_id=99999999999999999999999", nil, 400, "max_id"},
		{"with_ids junk", "api&items&with_ids=1,x,3", nil, 400, `with_ids has "x"`},
		{"with_ids zero", "api&items&with_ids=0", nil, 400, "with_ids"},
		{"with_ids too many", "api&items&with_ids=" + strings.Join(many, ","), nil, 400, "at most 50"},
		{"huge with_ids", "api&items", url.Values{"with_ids": {strings.Repeat("1234567,", 8000)}}, 413, "a Fever request has at most"},
		{"mark what", "api", url.Values{"mark": {"planet"}, "as": {"read"}, "id": {"1"}}, 400, `mark="planet"`},
		{"mark as", "api", url.Values{"mark": {"item"}, "as": {"burnt"}, "id": {"1"}}, 400, `as="burnt"`},
		{"feed unread", "api", url.Values{"mark": {"feed"}, "as": {"unread"}, "id": {"1"}}, 400, "marked as read"},
		{"mark no id", "api", url.Values{"mark": {"item"}, "as": {"read"}}, 400, "needs the id"},
		{"mark id word", "api", url.Values{"mark": {"item"}, "as": {"read"}, "id": {"one"}}, 400, `id="one"`},
		{"mark item 0", "api", url.Values{"mark": {"item"}, "as": {"read"}, "id": {"0"}}, 400, "above 0"},
		{"mark before word", "api", url.Values{"mark": {"feed"}, "as": {"read"}, "id": {"1"}, "before": {"yesterday"}}, 400, "before="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, a := e.post(t, key, tc.query, tc.form)
			msg, _ := a["error"].(string)
			if st != tc.status || !strings.Contains(msg, tc.msg) {
				t.Fatalf("%d %q, want %d with %q", st, msg, tc.status, tc.msg)
			}
		})
	}
	// Nothing was marked by the refused requests.
	if n, _ := e.r.CountItems(context.Background(), u.ID, store.Query{Unread: true}); n != 3 {
		t.Errorf("%d unread after refused marks, want 3", n)
	}

	t.Run("wrong content type", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/fever.php?api", strings.NewReader(`{"api_key":"`+key+`"}`))
		req.Header.Set("Content-Type", "application/json")
		st, a := do(t, req)
		if st != http.StatusUnsupportedMediaType || !strings.Contains(a["error"].(string), "x-www-form-urlencoded") {
			t.Fatalf("%d %v", st, a)
		}
	})
	t.Run("bad content type", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/fever.php?api", strings.NewReader("api_key="+key))
		req.Header.Set("Content-Type", "text/;;=")
		if st, _ := do(t, req); st != http.StatusUnsupportedMediaType {
			t.Fatalf("%d", st)
		}
	})
	t.Run("method", func(t *testing.T) {
		req, _ := http.NewRequest("DELETE", e.srv.URL+"/api/fever/?api", nil)
		if st, _ := do(t, req); st != http.StatusMethodNotAllowed {
			t.Fatalf("%d", st)
		}
	})
}

// countingReader is an endless body that counts what was read of it.
type countingReader struct {
	n     atomic.Int64
	limit int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n := c.n.Load()
	if n >= c.limit {
		return 0, io.EOF
	}
	if int64(len(p)) > c.limit-n {
		p = p[:c.limit-n]
	}
	for i := range p {
		p[i] = 'a'
	}
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// TestHugeBody: a body of 100 MB is refused with 413, announced or
// chunked, without the server reading it all.
func TestHugeBody(t *testing.T) {
	e := newEnv(t, 1, 1)
	_, key := e.user(t, "alice")
	const size = 100 << 20
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprint("chunked=", chunked), func(t *testing.T) {
			body := &countingReader{limit: size}
			prefix := strings.NewReader("api_key=" + key + "&x=")
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/fever.php?api", io.MultiReader(prefix, body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if !chunked {
				req.ContentLength = size + prefix.Size()
			}
			st, a := do(t, req)
			if st != http.StatusRequestEntityTooLarge || !strings.Contains(a["error"].(string), "bytes") {
				t.Fatalf("%d %v", st, a)
			}
			if a.int(t, "auth") != 0 {
				t.Error("a refused body was authenticated")
			}
			if n := body.n.Load(); n > 16<<20 {
				t.Errorf("%d bytes of the body were sent before the answer", n)
			}
		})
	}
}

// TestIsolation: one user's key never reads or changes another's items.
func TestIsolation(t *testing.T) {
	e := newEnv(t, 3, 5)
	ctx := context.Background()
	alice, akey := e.user(t, "alice")
	bob, bkey := e.user(t, "bob")
	sa := e.subscribe(t, alice, 0, "secret")
	e.subscribe(t, alice, 1)
	e.subscribe(t, bob, 1)
	e.subscribe(t, bob, 2, "mine")
	aliceOnly, _ := e.r.ItemIDs(ctx, alice.ID, store.Query{FeedID: sa.ID})
	if len(aliceOnly) != 5 {
		t.Fatalf("alice's items: %v", aliceOnly)
	}
	if _, err := e.r.Mark(ctx, alice.ID, aliceOnly[:1], reader.MarkStarred); err != nil {
		t.Fatal(err)
	}

	bobs := allItems(t, e, bkey)
	if len(bobs) != 10 {
		t.Errorf("bob reads %d items, want his 10", len(bobs))
	}
	for _, it := range bobs {
		if slices.Contains(aliceOnly, int64(it["id"].(float64))) {
			t.Errorf("bob reads alice's item %v", it["id"])
		}
	}
	with := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(aliceOnly)), ","), "[]")
	a := e.ok(t, bkey, "api&items&with_ids="+with+"&unread_item_ids&saved_item_ids&feeds&groups", nil)
	if n := len(a.list(t, "items")); n != 0 {
		t.Errorf("bob's with_ids of alice's items: %d items", n)
	}
	if a.int(t, "total_items") != 10 || len(a.list(t, "feeds")) != 2 || len(a.list(t, "groups")) != 1 {
		t.Errorf("bob's view: %v total, %v feeds, %v groups", a["total_items"], a["feeds"], a["groups"])
	}
	for _, id := range a.ids(t, "unread_item_ids") {
		if slices.Contains(aliceOnly, id) {
			t.Errorf("bob's unread_item_ids has alice's %d", id)
		}
	}
	if a.str(t, "saved_item_ids") != "" {
		t.Errorf("bob's saved_item_ids: %q", a["saved_item_ids"])
	}

	// Bob's marks of alice's item, feed and group change nothing of hers.
	tags, _ := e.r.TagList(ctx, alice.ID)
	for _, v := range []url.Values{
		{"mark": {"item"}, "as": {"read"}, "id": {fmt.Sprint(aliceOnly[1])}},
		{"mark": {"item"}, "as": {"unsaved"}, "id": {fmt.Sprint(aliceOnly[0])}},
		{"mark": {"feed"}, "as": {"read"}, "id": {fmt.Sprint(sa.ID)}},
		{"mark": {"group"}, "as": {"read"}, "id": {fmt.Sprint(tags[0].ID)}},
	} {
		e.ok(t, bkey, "api", v)
	}
	if n, _ := e.r.CountItems(ctx, alice.ID, store.Query{Unread: true}); n != 10 {
		t.Errorf("alice has %d unread after bob's marks, want 10", n)
	}
	if n, _ := e.r.CountItems(ctx, alice.ID, store.Query{Starred: true}); n != 1 {
		t.Errorf("alice has %d starred after bob's marks, want 1", n)
	}
	// Bob's group 0 read reads his items, not hers of the shared feed.
	e.ok(t, bkey, "api", url.Values{"mark": {"group"}, "as": {"read"}, "id": {"0"}})
	if n, _ := e.r.CountItems(ctx, bob.ID, store.Query{Unread: true}); n != 0 {
		t.Errorf("bob has %d unread after reading all", n)
	}
	if n, _ := e.r.CountItems(ctx, alice.ID, store.Query{Unread: true}); n != 10 {
		t.Errorf("alice has %d unread after bob read all, want 10", n)
	}
	// Alice's key still reads her own.
	if a := e.ok(t, akey, "api&saved_item_ids", nil); !slices.Equal(a.ids(t, "saved_item_ids"), aliceOnly[:1]) {
		t.Errorf("alice's saved: %v", a["saved_item_ids"])
	}
}

func TestFavicons(t *testing.T) {
	e := newEnv(t, 2, 1)
	u, key := e.user(t, "alice")
	s0 := e.subscribe(t, u, 0)
	s1 := e.subscribe(t, u, 1)
	bob, bkey := e.user(t, "bob")
	e.subscribe(t, bob, 1)
	gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	if err := e.st.(store.IconStore).SaveIcon(context.Background(), s0.ID, store.Icon{Type: "image/gif", Data: gif}, time.Now()); err != nil {
		t.Fatal(err)
	}
	a := e.ok(t, key, "api&favicons&feeds", nil)
	favs := a.list(t, "favicons")
	want := "image/gif;base64," + base64.StdEncoding.EncodeToString(gif)
	if len(favs) != 1 || int64(favs[0]["id"].(float64)) != s0.ID || favs[0]["data"] != want {
		t.Fatalf("favicons %v; want feed %d's with %q", favs, s0.ID, want)
	}
	for _, f := range a.list(t, "feeds") {
		id, fav := int64(f["id"].(float64)), int64(f["favicon_id"].(float64))
		if (id == s0.ID && fav != s0.ID) || (id == s1.ID && fav != 0) {
			t.Errorf("feed %d has favicon_id %d", id, fav)
		}
	}
	// Bob does not follow feed 0: its icon is not his.
	if favs := e.ok(t, bkey, "api&favicons", nil).list(t, "favicons"); len(favs) != 0 {
		t.Errorf("bob's favicons: %v", favs)
	}
}
