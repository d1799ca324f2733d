package greader_test

// The sequences below are each app's calls as its public source makes
// them, request by request: the paths, the query and form fields in the
// order and escaping the app writes them, and the fields of the answers it
// reads. Each replay is an initial sync, new items arriving, an
// incremental sync, marks and a subscription.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"tidings/fetch"
	"tidings/fetch/fetchtest"
	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
	"tidings/web/greader"
)

const (
	syncItems = 6 // items of each feed at the first fetch
	syncNew   = 2 // items that arrive between the syncs
)

// syncEnv is an env whose fetches stamp their items with a clock of the
// test's: the first at first, the later ones at second. first is before,
// and second after, the server's real clock, which apps read from the
// Date header.
type syncEnv struct {
	*env
	first, second time.Time
	user          store.User
	pass          string
	sub           store.Subscription
}

func newSyncEnv(t *testing.T) *syncEnv {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now().Truncate(time.Millisecond)
	se := &syncEnv{first: now.Add(-2 * time.Hour), second: now.Add(time.Hour)}
	fclk := &clock{t: se.first}
	f := fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: 5 * time.Second, Now: fclk.now})
	r := reader.New(reader.Options{Store: db, Fetcher: f, PasswordCost: bcrypt.MinCost})
	fs := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: syncItems})
	clk := &clock{t: now}
	srv := newServer(t, greader.Options{Reader: r, Now: clk.now})
	se.env = &env{r: r, st: db, srv: srv, feeds: fs, clock: fclk}
	se.user, se.pass = se.env.user(t, "alice")
	se.sub = se.subscribe(t, se.user, 0, "news")
	fclk.mu.Lock()
	fclk.t = se.second
	fclk.mu.Unlock()
	return se
}

func newServer(t *testing.T, o greader.Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(greader.New(o))
	t.Cleanup(srv.Close)
	return srv
}

// arrive publishes new items in feed 0 and fetches them, stamped second.
func (se *syncEnv) arrive(t *testing.T, _ *env) {
	t.Helper()
	se.feeds.AddItems(0, syncNew)
	if _, err := se.r.Refresh(context.Background(), se.user.ID, []string{se.feeds.URL(0)}); err != nil {
		t.Fatal(err)
	}
}

func (se *syncEnv) vars() map[string]string {
	return map[string]string{
		"PASS":        se.pass,
		"FEED":        "feed/" + strconv.FormatInt(se.sub.ID, 10),
		"FEEDESC":     url.QueryEscape("feed/" + strconv.FormatInt(se.sub.ID, 10)),
		"FEEDURLESC":  url.QueryEscape(se.feeds.URL(0)),
		"NEWURL":      se.feeds.URL(1),
		"NEWURLESC":   url.QueryEscape(se.feeds.URL(1)),
		"SERVER":      se.srv.URL,
		"MONTHAGO":    strconv.FormatInt(time.Now().AddDate(0, -1, 0).Unix(), 10),
		"MONTHS3AGO":  strconv.FormatInt(time.Now().AddDate(0, -3, 0).Unix(), 10),
		"FIRSTUSEC":   strconv.FormatInt(se.first.UnixMicro(), 10),
		"SECONDUSEC":  strconv.FormatInt(se.second.UnixMicro(), 10),
		"FIRSTMSEC":   strconv.FormatInt(se.first.UnixMilli(), 10),
		"SECONDMSEC":  strconv.FormatInt(se.second.UnixMilli(), 10),
		"ALLREFS":     "",
		"ALLREFSLONG": "",
	}
}

// counts checks the store's read and starred counts after a sync.
func (se *syncEnv) counts(t *testing.T, read, starred int) {
	t.Helper()
	ctx := context.Background()
	r, _ := se.r.CountItems(ctx, se.user.ID, store.Query{Read: true})
	s, _ := se.r.CountItems(ctx, se.user.ID, store.Query{Starred: true})
	if r != read || s != starred {
		t.Errorf("after the sync: %d read, %d starred; want %d and %d", r, s, read, starred)
	}
}

// refsAll checks a stream/items/ids answer holds n decimal IDs, keeping
// the first in REF and REFHEX, and all of them as form fields in ALLREFS
// (decimal) and ALLREFSLONG (long form).
func refsAll(n int) func(*testing.T, string, map[string]string) {
	return func(t *testing.T, body string, vars map[string]string) {
		t.Helper()
		saveRefs(n)(t, body, vars)
		var out struct {
			ItemRefs []struct {
				ID string `json:"id"`
			} `json:"itemRefs"`
		}
		_ = json.Unmarshal([]byte(body), &out)
		var dec, long []string
		for _, r := range out.ItemRefs {
			id, _ := strconv.ParseInt(r.ID, 10, 64)
			dec = append(dec, "i="+r.ID)
			long = append(long, "i=tag:google.com,2005:reader/item/"+strconv.FormatInt(id, 16))
		}
		vars["ALLREFS"] = strings.Join(dec, "&")
		vars["ALLREFSLONG"] = strings.Join(long, "&")
	}
}

// entries checks a contents answer as an app reads it: n items, the
// top-level fields top and each item's fields fields (paths such as
// "summary.content" or "canonical.0.href"), and timestampUsec and
// crawlTimeMsec strings of when tidings stored the item, one of the
// times in vars[stored]. It keeps the first item's long ID in ITEM.
func entries(n int, stored string, top []string, fields ...string) func(*testing.T, string, map[string]string) {
	return func(t *testing.T, body string, vars map[string]string) {
		t.Helper()
		var out map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("not JSON: %v: %s", err, body)
		}
		for _, k := range top {
			if _, ok := out[k]; !ok {
				t.Errorf("no %q at the top of the answer", k)
			}
		}
		list, _ := out["items"].([]any)
		if len(list) != n {
			t.Fatalf("%d items, want %d: %.300s", len(list), n, body)
		}
		for _, raw := range list {
			it, _ := raw.(map[string]any)
			for _, f := range fields {
				if v := lookup(it, f); v == nil || v == "" {
					t.Errorf("item %v: no %s", it["id"], f)
				}
			}
			id, _ := it["id"].(string)
			if hex, ok := strings.CutPrefix(id, "tag:google.com,2005:reader/item/"); !ok || len(hex) != 16 {
				t.Errorf("id %q is not the long form with 16 hex digits", id)
			}
			usec, _ := it["timestampUsec"].(string)
			msec, _ := it["crawlTimeMsec"].(string)
			okUsec, okMsec := false, false
			for _, k := range strings.Split(stored, ",") {
				okUsec = okUsec || usec == vars[k+"USEC"]
				okMsec = okMsec || msec == vars[k+"MSEC"]
			}
			if !okUsec || !okMsec {
				t.Errorf("item %s: timestampUsec %q, crawlTimeMsec %q; want when it was stored (%s)", id, usec, msec, stored)
			}
		}
		if first, ok := list[0].(map[string]any); ok {
			id, _ := first["id"].(string)
			vars["ITEM"] = id
			vars["ITEMESC"] = url.QueryEscape(id)
		}
	}
}

// lookup follows a dotted path of keys and array indexes in JSON.
func lookup(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// saveAuthJSON reads the Auth of a ClientLogin answer in JSON, as Read You
// does with output=json.
func saveAuthJSON(t *testing.T, body string, vars map[string]string) {
	t.Helper()
	var out struct{ Auth string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Auth == "" {
		t.Fatalf("ClientLogin with output=json: %v: %s", err, body)
	}
	vars["AUTH"] = out.Auth
}

// saveQuickAdd keeps the streamId of a quickadd answer in NEWFEED.
func saveQuickAdd(t *testing.T, body string, vars map[string]string) {
	t.Helper()
	var out struct {
		NumResults int    `json:"numResults"`
		StreamID   string `json:"streamId"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.NumResults != 1 || !strings.HasPrefix(out.StreamID, "feed/") {
		t.Fatalf("quickadd: %v: %s", err, body)
	}
	vars["NEWFEED"] = out.StreamID
}

// saveDate keeps the Date header in seconds, as NetNewsWire keeps it for
// the next sync's ot.
func saveDate(t *testing.T, h http.Header, vars map[string]string) {
	t.Helper()
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		t.Fatalf("Date header %q: %v", h.Get("Date"), err)
	}
	vars["SINCE"] = strconv.FormatInt(d.Unix(), 10)
}

// newest checks the newestItemTimestampUsec of unread-count: want[id] is
// the vars key of the time of each stream's newest item.
func newest(want map[string]string) func(*testing.T, string, map[string]string) {
	return func(t *testing.T, body string, vars map[string]string) {
		t.Helper()
		var out struct {
			UnreadCounts []struct {
				ID     string `json:"id"`
				Count  int    `json:"count"`
				Newest string `json:"newestItemTimestampUsec"`
			} `json:"unreadcounts"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for _, c := range out.UnreadCounts {
			seen[c.ID] = c.Newest
		}
		for id, k := range want {
			id = strings.NewReplacer("{FEED}", vars["FEED"]).Replace(id)
			if seen[id] != vars[k] {
				t.Errorf("%s: newestItemTimestampUsec %q, want %q (%s)", id, seen[id], vars[k], k)
			}
		}
	}
}

// TestNetNewsWire replays NetNewsWire's Reader API account
// (Modules/Account/Sources/Account/ReaderAPI/ReaderAPICaller.swift,
// ReaderAPIAccountDelegate.swift, URLRequest+ReaderAPI.swift): ClientLogin
// as a form POST, its answer split in lines and each line on "="; tag and
// subscription lists; item IDs 1000 at a time since ot (three months ago
// at first, then the Date of the last sync's first answer), unread and
// starred; the token, posted back as T as it is; contents of the missing
// items by their long IDs; edit-tag with T and long IDs; quickadd,
// subscription/list to find it, subscription/edit to name and file it,
// and its items since three months ago.
func TestNetNewsWire(t *testing.T) {
	se := newSyncEnv(t)
	top := []string{"id", "updated"}
	fields := []string{"id", "title", "published", "summary", "alternate.0.href", "categories", "origin.streamId", "origin.title"}
	const ids = "/reader/api/0/stream/items/ids?n=1000&output=json"
	replay(t, se.env, "/api/greader.php", se.vars(), []step{
		{name: "login", method: "POST", path: "/accounts/ClientLogin", body: "Email=alice&Passwd={PASS}", check: saveAuth},
		{name: "tags", method: "GET", path: "/reader/api/0/tag/list?output=json", check: jsonKeys("tags")},
		{name: "subscriptions", method: "GET", path: "/reader/api/0/subscription/list?output=json", check: jsonKeys("subscriptions")},
		{name: "all since 3 months", method: "GET", path: ids + "&ot={MONTHS3AGO}&s=user/-/state/com.google/reading-list", header: saveDate, check: refsAll(syncItems)},
		{name: "unread", method: "GET", path: ids + "&s=user/-/state/com.google/reading-list&xt=user/-/state/com.google/read", check: saveRefs(syncItems)},
		{name: "starred", method: "GET", path: ids + "&s=user/-/state/com.google/starred", check: saveRefs(0)},
		{name: "token", method: "GET", path: "/reader/api/0/token", check: saveToken},
		{name: "contents", method: "POST", path: "/reader/api/0/stream/items/contents", body: "T={T}&output=json&{ALLREFSLONG}", check: entries(syncItems, "FIRST", top, fields...)},
		{name: "read", method: "POST", path: "/reader/api/0/edit-tag", body: "T={T}&i=tag:google.com,2005:reader/item/{REFHEX}&a=user/-/state/com.google/read", check: ok},
		{name: "star", method: "POST", path: "/reader/api/0/edit-tag", body: "T={T}&i=tag:google.com,2005:reader/item/{REFHEX}&a=user/-/state/com.google/starred", check: ok},

		{name: "tags again", method: "GET", path: "/reader/api/0/tag/list?output=json", before: se.arrive, check: jsonKeys("tags")},
		{name: "subscriptions again", method: "GET", path: "/reader/api/0/subscription/list?output=json", check: jsonKeys("subscriptions")},
		{name: "all since the last sync", method: "GET", path: ids + "&ot={SINCE}&s=user/-/state/com.google/reading-list", header: saveDate, check: refsAll(syncNew)},
		{name: "unread again", method: "GET", path: ids + "&s=user/-/state/com.google/reading-list&xt=user/-/state/com.google/read", check: saveRefs(syncItems + syncNew - 1)},
		{name: "starred again", method: "GET", path: ids + "&s=user/-/state/com.google/starred", check: saveRefs(1)},
		{name: "new contents", method: "POST", path: "/reader/api/0/stream/items/contents", body: "T={T}&output=json&{ALLREFSLONG}", check: entries(syncNew, "SECOND", top, fields...)},

		{name: "quickadd", method: "POST", path: "/reader/api/0/subscription/quickadd", body: "T={T}&quickadd={NEWURLESC}", check: saveQuickAdd},
		{name: "find it", method: "GET", path: "/reader/api/0/subscription/list?output=json", check: jsonKeys("subscriptions")},
		{name: "name it", method: "POST", path: "/reader/api/0/subscription/edit", body: "T={T}&s={NEWFEED}&ac=edit&t=Second%20feed", check: ok},
		{name: "file it", method: "POST", path: "/reader/api/0/subscription/edit", body: "T={T}&s={NEWFEED}&ac=edit&a=user/-/label/Tech", check: ok},
		{name: "its items", method: "GET", path: ids + "&ot={MONTHS3AGO}&s={NEWFEED}", check: saveRefs(syncItems)},
	})
	se.counts(t, 1, 1)
	sub, err := se.r.Lookup(context.Background(), se.user.ID, se.feeds.URL(1))
	if err != nil || sub.UserTitle != "Second feed" || len(sub.Tags) != 1 || sub.Tags[0] != "tech" {
		t.Errorf("the feed added: %+v, %v; want titled and filed in tech", sub, err)
	}
}

// TestReadYou replays Read You's Google Reader account
// (app/src/main/java/me/ash/reader/infrastructure/rss/provider/greader/GoogleReaderAPI.kt
// and app/src/main/java/me/ash/reader/domain/service/GoogleReaderRssService.kt):
// ClientLogin with output=json, client, accountType and service; the
// action token; user-info; every call with output=json first and the
// other parameters unescaped after it; unread, starred and read IDs
// (10,000 at a time; the read ones since a month ago, as s=read or, for a
// FreshRSS account, as the reading list with it=read); subscriptions;
// contents of 100 decimal IDs at a time, T last in the form; edit-tag with
// decimal IDs; quickadd with the URL in the query and the form, then
// subscription/edit to file and name it.
func TestReadYou(t *testing.T) {
	se := newSyncEnv(t)
	top := []string{"updated"}
	fields := []string{"id", "title", "published", "summary.content", "canonical.0.href", "origin.streamId", "crawlTimeMsec"}
	const ids = "/reader/api/0/stream/items/ids?output=json"
	replay(t, se.env, "/api/greader.php", se.vars(), []step{
		{name: "login", method: "POST", path: "/accounts/ClientLogin", body: "output=json&Email=alice&Passwd={PASS}&client=ReadYou&accountType=HOSTED_OR_GOOGLE&service=reader", check: saveAuthJSON},
		{name: "token", method: "GET", path: "/reader/api/0/token", check: saveToken},
		{name: "user-info", method: "GET", path: "/reader/api/0/user-info?output=json", check: jsonKeys("userId", "userName", "userProfileId", "userEmail")},
		{name: "unread", method: "GET", path: ids + "&s=user/-/state/com.google/reading-list&xt=user/-/state/com.google/read&n=10000", check: refsAll(syncItems)},
		{name: "starred", method: "GET", path: ids + "&s=user/-/state/com.google/starred&n=10000", check: saveRefs(0)},
		{name: "read since a month", method: "GET", path: ids + "&s=user/-/state/com.google/read&ot={MONTHAGO}&n=10000", check: saveRefs(0)},
		{name: "subscriptions", method: "GET", path: "/reader/api/0/subscription/list?output=json", check: jsonKeys("subscriptions")},
		{name: "contents", method: "POST", path: "/reader/api/0/stream/items/contents?output=json", body: "{ALLREFS}&T={T}", check: entries(syncItems, "FIRST", top, fields...)},
		{name: "read", method: "POST", path: "/reader/api/0/edit-tag?output=json", body: "i={REF}&a=user/-/state/com.google/read&T={T}", check: ok},
		{name: "star", method: "POST", path: "/reader/api/0/edit-tag?output=json", body: "i={REF}&a=user/-/state/com.google/starred&T={T}", check: ok},

		{name: "unread again", method: "GET", path: ids + "&s=user/-/state/com.google/reading-list&xt=user/-/state/com.google/read&n=10000", before: se.arrive, check: saveRefs(syncItems + syncNew - 1)},
		{name: "starred again", method: "GET", path: ids + "&s=user/-/state/com.google/starred&n=10000", check: saveRefs(1)},
		{name: "read since a month, FreshRSS's way", method: "GET", path: ids + "&s=user/-/state/com.google/reading-list&it=user/-/state/com.google/read&ot={MONTHAGO}&n=10000", check: saveRefs(1)},
		{name: "the new ones", method: "GET", path: ids + "&s={FEED}&xt=user/-/state/com.google/read&n=2", check: refsAll(syncNew)},
		{name: "new contents", method: "POST", path: "/reader/api/0/stream/items/contents?output=json", body: "{ALLREFS}&T={T}", check: entries(syncNew, "SECOND", top, fields...)},

		{name: "quickadd", method: "POST", path: "/reader/api/0/subscription/quickadd?output=json&quickadd={NEWURL}", body: "quickadd={NEWURLESC}&T={T}", check: saveQuickAdd},
		{name: "file and name it", method: "POST", path: "/reader/api/0/subscription/edit?output=json", body: "ac=edit&s={NEWFEED}&a=user/-/label/Tech&t=Second%20feed&T={T}", check: ok},
	})
	se.counts(t, 1, 1)
	sub, err := se.r.Lookup(context.Background(), se.user.ID, se.feeds.URL(1))
	if err != nil || sub.UserTitle != "Second feed" || len(sub.Tags) != 1 || sub.Tags[0] != "tech" {
		t.Errorf("the feed added: %+v, %v; want titled and filed in tech", sub, err)
	}
}

// TestLiferea replays Liferea's Google Reader API source
// (src/node_sources/google_source.c, google_source_feed_list.c,
// google_source_feed.c, google_reader_api_edit.c): ClientLogin with
// service, source and continue, unescaped, its answer searched for "Auth=";
// the subscription list; per feed, 50 IDs with client=liferea and
// merge=true, then their contents posted with the Auth token as T; for
// every edit a fresh token, then edit-tag with the escaped long ID, the
// feed as s, ac=edit-tags and async=true; mark unread as a=kept-unread and
// r=read followed by a=tracking-kept-unread; subscribe with
// subscription/edit ac=subscribe and i=null. Liferea 1.14 sent its POSTs
// with T and no Authorization header.
func TestLiferea(t *testing.T) {
	se := newSyncEnv(t)
	fields := []string{"id", "title", "summary.content", "updated", "author", "canonical.0.href", "categories"}
	const edit = "/reader/api/0/edit-tag?client=liferea"
	const mark = "i={ITEMESC}&s=feed%2F{FEEDURLESC}&"
	replay(t, se.env, "/api/greader.php", se.vars(), []step{
		{name: "login", method: "POST", path: "/accounts/ClientLogin", body: "service=reader&Email=alice&Passwd={PASS}&source=liferea&continue={SERVER}/api/greader.php", check: saveAuth},
		{name: "subscriptions", method: "GET", path: "/reader/api/0/subscription/list?output=json", check: jsonKeys("subscriptions")},
		{name: "feed ids", method: "GET", path: "/reader/api/0/stream/items/ids?s={FEEDESC}&client=liferea&n=50&output=json&merge=true", check: refsAll(syncItems)},
		{name: "contents", method: "POST", path: "/reader/api/0/stream/items/contents", body: "output=json&mediaRss=true&T={AUTH}&{ALLREFS}", check: entries(syncItems, "FIRST", nil, fields...)},
		{name: "token", method: "GET", path: "/reader/api/0/token", check: saveToken},
		{name: "read", method: "POST", path: edit, body: mark + "a=user%2F-%2Fstate%2Fcom.google%2Fread&ac=edit-tags&T={T}&async=true", check: ok},
		{name: "token", method: "GET", path: "/reader/api/0/token", check: saveToken},
		{name: "unread", method: "POST", path: edit, body: mark + "a=user%2F-%2Fstate%2Fcom.google%2Fkept-unread&r=user%2F-%2Fstate%2Fcom.google%2Fread&ac=edit-tags&T={T}&async=true", check: ok},
		{name: "token", method: "GET", path: "/reader/api/0/token", check: saveToken},
		{name: "tracking unread", method: "POST", path: edit, body: mark + "a=user%2F-%2Fstate%2Fcom.google%2Ftracking-kept-unread&ac=edit-tags&T={T}&async=true", check: ok},
		{name: "token", method: "GET", path: "/reader/api/0/token", check: saveToken},
		{name: "star", method: "POST", path: edit, body: mark + "a=user%2F-%2Fstate%2Fcom.google%2Fstarred&ac=edit-tags&T={T}&async=true", check: ok},
		{name: "read, Liferea 1.14: no Authorization", method: "POST", path: edit, noAuth: true, body: mark + "a=user%2F-%2Fstate%2Fcom.google%2Fread&ac=edit-tags&T={T}&async=true", check: ok},
		{name: "a wrong T without Authorization", method: "POST", path: edit, noAuth: true, body: mark + "a=user%2F-%2Fstate%2Fcom.google%2Fread&ac=edit-tags&T=alice/wrong&async=true", status: 401},

		{name: "subscriptions again", method: "GET", path: "/reader/api/0/subscription/list?output=json", before: se.arrive, check: jsonKeys("subscriptions")},
		{name: "feed ids again", method: "GET", path: "/reader/api/0/stream/items/ids?s={FEEDESC}&client=liferea&n=50&output=json&merge=true", check: refsAll(syncItems + syncNew)},
		{name: "contents again", method: "POST", path: "/reader/api/0/stream/items/contents", body: "output=json&mediaRss=true&T={AUTH}&{ALLREFS}", check: entries(syncItems+syncNew, "FIRST,SECOND", nil, fields...)},

		{name: "token", method: "GET", path: "/reader/api/0/token", check: saveToken},
		{name: "subscribe", method: "POST", path: "/reader/api/0/subscription/edit?client=liferea", body: "s=feed%2F{NEWURLESC}&i=null&ac=subscribe&T={T}", check: ok},
	})
	se.counts(t, 1, 1)
	if _, err := se.r.Lookup(context.Background(), se.user.ID, se.feeds.URL(1)); err != nil {
		t.Errorf("the feed Liferea subscribed to: %v", err)
	}
}

// TestFeedMe replays FeedMe, whose source is not public: its calls as
// FeedMe 3.16 made them to FreshRSS (the access log in FreshRSS issue
// 4618: tag/list, subscription/list, unread-count and stream/items/ids with
// n=500, ot=0 and the stream escaped, all with output=json) and as
// FreshRSS's p/api/greader.php notes them: user-info without output,
// stream/items/contents posted with i, and an empty T.
func TestFeedMe(t *testing.T) {
	se := newSyncEnv(t)
	fields := []string{"id", "title", "published", "summary.content", "canonical.0.href", "origin.streamId"}
	const ids = "/reader/api/0/stream/items/ids?output=json&n=500&ot=0&s="
	replay(t, se.env, "/api/greader.php", se.vars(), []step{
		{name: "login", method: "POST", path: "/accounts/ClientLogin", body: "Email=alice&Passwd={PASS}", check: saveAuth},
		{name: "user-info", method: "GET", path: "/reader/api/0/user-info", check: jsonKeys("userId", "userName")},
		{name: "tags", method: "GET", path: "/reader/api/0/tag/list?output=json", check: jsonKeys("tags")},
		{name: "subscriptions", method: "GET", path: "/reader/api/0/subscription/list?output=json", check: jsonKeys("subscriptions")},
		{name: "unread-count", method: "GET", path: "/reader/api/0/unread-count?output=json",
			check: newest(map[string]string{"{FEED}": "FIRSTUSEC", "user/-/label/news": "FIRSTUSEC", "user/-/state/com.google/reading-list": "FIRSTUSEC"})},
		{name: "starred", method: "GET", path: ids + "user%2F-%2Fstate%2Fcom.google%2Fstarred", check: saveRefs(0)},
		{name: "unread", method: "GET", path: ids + "user%2F-%2Fstate%2Fcom.google%2Freading-list&xt=user%2F-%2Fstate%2Fcom.google%2Fread", check: refsAll(syncItems)},
		{name: "contents", method: "POST", path: "/reader/api/0/stream/items/contents?output=json", body: "{ALLREFS}", check: entries(syncItems, "FIRST", nil, fields...)},
		{name: "read", method: "POST", path: "/reader/api/0/edit-tag", body: "T=&i={ITEMESC}&a=user%2F-%2Fstate%2Fcom.google%2Fread", check: ok},

		{name: "unread-count again", method: "GET", path: "/reader/api/0/unread-count?output=json", before: se.arrive,
			check: newest(map[string]string{"{FEED}": "SECONDUSEC", "user/-/label/news": "SECONDUSEC", "user/-/state/com.google/reading-list": "SECONDUSEC"})},
		{name: "unread again", method: "GET", path: ids + "user%2F-%2Fstate%2Fcom.google%2Freading-list&xt=user%2F-%2Fstate%2Fcom.google%2Fread", check: refsAll(syncItems + syncNew - 1)},
	})
	se.counts(t, 1, 0)
}
