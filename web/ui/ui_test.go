package ui_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tidings/fetch/fetchtest"
	"tidings/reader"
	"tidings/store"
	"tidings/web/ui"
)

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestReadingFlow(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t)
	feedURL := fs.set("/a.xml", rss("Feed A",
		rssItem{Title: "Gophers at the river", Link: "http://site.test/1", Desc: "&lt;p&gt;The river gophers swim.&lt;/p&gt;",
			Enclosure: "http://site.test/ep1.mp3"},
		rssItem{Title: "Second post", Link: "http://site.test/2", Desc: "two"},
		rssItem{Title: "Third post", Link: "http://site.test/3", Desc: "three"},
	))
	u, c := e.user("alice")

	c.get("/").must(t, http.StatusOK, "Nothing unread")
	a := c.post("/feeds/subscribe", url.Values{"url": {feedURL}, "tags": {"news, Go"}})
	if a.code != http.StatusSeeOther || !strings.HasPrefix(a.hdr.Get("Location"), "/feeds/") {
		t.Fatalf("subscribe: %d %s %s", a.code, a.hdr.Get("Location"), a.body)
	}
	c.get(a.hdr.Get("Location")).must(t, http.StatusOK, "Feed A", "3 unread of 3", "Next fetch", `value="news go"`)
	c.get("/feeds").must(t, http.StatusOK, "Feed A", "Last fetched", "#news")

	page := c.get("/").must(t, http.StatusOK, "Gophers at the river", "Second post", "Third post", `<span class="n">3</span>`, "#go")
	its := e.items(u, store.Query{})
	if len(its) != 3 {
		t.Fatalf("%d items", len(its))
	}
	first := its[0]
	if !strings.Contains(page.body, `href="/item/`+id(first.ID)+`"`) {
		t.Fatalf("no link to the first item in:\n%s", page.body)
	}

	// Opening the item shows it beside the list, marks it read, and
	// links its neighbour.
	item := c.get("/item/"+id(first.ID)).must(t, http.StatusOK, "The river gophers swim.", `href="http://site.test/1"`,
		`<audio controls preload="none" src="http://site.test/ep1.mp3">`, "Feed A", `id="next"`, "1 MB")
	if strings.Contains(item.body, `id="prev"`) {
		t.Fatal("the first item has a previous one")
	}
	if got := e.items(u, store.Query{IDs: []int64{first.ID}}); !got[0].Read {
		t.Fatal("opening the item did not mark it read")
	}
	// Still listed in the unread list it was opened from.
	if !strings.Contains(item.body, `class="entry read selected"`) {
		t.Fatalf("the open item is not shown read and selected:\n%s", item.body)
	}

	// Star, unread (a form's 303 back), then a script's 204.
	c.post("/mark", url.Values{"id": {id(first.ID)}, "as": {"starred"}, "back": {"/starred"}}).must(t, http.StatusSeeOther)
	c.get("/starred").must(t, http.StatusOK, "Gophers at the river")
	req, _ := http.NewRequest("POST", e.srv.URL+"/mark", strings.NewReader("id="+id(first.ID)+"&as=unread"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.hc.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("script mark: %v %v", resp, err)
	}
	resp.Body.Close()
	if got := e.items(u, store.Query{IDs: []int64{first.ID}}); got[0].Read || !got[0].Starred {
		t.Fatalf("after unread: %+v", got[0])
	}
	// A post without the token is refused by the wrapper (as web.Server).
	c.post("/mark", url.Values{"csrf": {"wrong"}, "id": {id(first.ID)}, "as": {"read"}}).must(t, http.StatusForbidden)

	// Settings: opening no longer marks read.
	c.post("/settings/prefs", url.Values{"theme": {"dark"}, "order": {"oldest"}}).must(t, http.StatusSeeOther)
	c.get("/settings").must(t, http.StatusOK, `data-theme="dark"`, `value="oldest" checked`)
	c.get("/item/"+id(first.ID)).must(t, http.StatusOK)
	if got := e.items(u, store.Query{IDs: []int64{first.ID}}); got[0].Read {
		t.Fatal("opening marked read with mark-on-open off")
	}
	// Oldest first: the oldest item leads the list.
	body := c.get("/").body
	if strings.Index(body, "Third post") > strings.Index(body, "Gophers at the river") {
		t.Fatal("oldest first does not list the oldest first")
	}

	// Search highlights.
	c.get("/search?q=gophers").must(t, http.StatusOK, "<mark>Gophers</mark> at the river", "The river <mark>gophers</mark> swim.")

	// Edit, refresh, unsubscribe.
	sub := e.items(u, store.Query{})[0].FeedID
	c.post("/feeds/"+id(sub)+"/edit", url.Values{"title": {"My A"}, "tags": {"go"}, "schedule": {"@hourly"}}).must(t, http.StatusSeeOther)
	c.get("/feeds/"+id(sub)).must(t, http.StatusOK, "My A", `value="go"`, `value="@hourly"`)
	c.post("/feeds/"+id(sub)+"/edit", url.Values{"schedule": {"every tuesday"}}).must(t, http.StatusBadRequest, "Schedule")
	// Whole articles: the box checked turns them on, the form without it off.
	c.post("/feeds/"+id(sub)+"/edit", url.Values{"full_content_shown": {"1"}, "full_content": {"on"}}).must(t, http.StatusSeeOther)
	c.get("/feeds/"+id(sub)).must(t, http.StatusOK, `name="full_content" value="on" checked`)
	if s, err := e.r.SubscriptionByID(context.Background(), u.ID, sub); err != nil || !s.FullContent {
		t.Fatalf("after checking the box: full content %v, %v", s.FullContent, err)
	}
	c.post("/feeds/"+id(sub)+"/edit", url.Values{"full_content_shown": {"1"}, "title": {"My A"}}).must(t, http.StatusSeeOther)
	if s, err := e.r.SubscriptionByID(context.Background(), u.ID, sub); err != nil || s.FullContent {
		t.Fatalf("after clearing the box: full content %v, %v", s.FullContent, err)
	}
	c.post("/feeds/refresh", url.Values{"feed": {id(sub)}}).must(t, http.StatusSeeOther)
	c.post("/feeds/"+id(sub)+"/unsubscribe", nil).must(t, http.StatusSeeOther)
	c.get("/feeds/"+id(sub)).must(t, http.StatusNotFound)
	// The starred item stays.
	c.get("/starred").must(t, http.StatusOK, "Gophers at the river")
}

func TestDiscoveryChoice(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t)
	a := fs.set("/a.xml", rss("Feed A", rssItem{Title: "A1", Link: "http://site.test/a1"}))
	b := fs.set("/b.xml", rss("Feed B", rssItem{Title: "B1", Link: "http://site.test/b1"}))
	page := fs.setHTML("/", `<html><head><link rel="alternate" type="application/rss+xml" href="/a.xml" title="A">`+
		`<link rel="alternate" type="application/rss+xml" href="/b.xml" title="B"></head><body>hi</body></html>`)
	_, c := e.user("alice")
	choice := c.post("/feeds/subscribe", url.Values{"url": {page}}).must(t, http.StatusOK, "This page offers 2 feeds")
	for _, u := range []string{a, b} {
		if !strings.Contains(choice.body, `name="url" value="`+u+`"`) {
			t.Fatalf("no choice of %s:\n%s", u, choice.body)
		}
	}
	c.post("/feeds/subscribe", url.Values{"url": {b}}).must(t, http.StatusSeeOther)
	c.get("/").must(t, http.StatusOK, "B1")
	c.post("/feeds/subscribe", url.Values{"url": {b}}).must(t, http.StatusConflict, "Already subscribed")
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t)
	u, c := e.user("alice")
	e.subscribe(u, fs.set("/a.xml", rss("A", rssItem{Title: "x", Link: "http://site.test/x"})), "news")
	long := strings.Repeat("é", store.MaxSearchLength+1)
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/?feed=abc", 400, "is not an ID"},
		{"/?feed=-3", 400, "is not an ID"},
		{"/?feed=999999", 404, "no feed with ID 999999"},
		{"/?tag=nope", 404, "None of your feeds is tagged"},
		{"/?tag=news&feed=1", 400, "not both"},
		{"/?feed=1&feed=2", 400, "given 2 times"},
		{"/?at=%25%25%25", 400, "page position"},
		{"/?at=bm90YWN1cnNvcg", 400, "page position"},
		{"/?q=%00", 400, "control characters"},
		{"/all?tag=" + strings.Repeat("x", 3000), 400, "longer than"},
		{"/search", 400, "Type something"},
		{"/search?q=" + url.QueryEscape(long), 400, "characters long"},
		{"/item/abc", 400, "is not an ID"},
		{"/item/0", 400, "is not an ID"},
		{"/item/999999", 404, "no item with ID 999999"},
		{"/item/1?from=elsewhere", 400, "none of unread"},
		{"/feeds/999999", 404, ""},
		{"/nowhere", 404, "no page at /nowhere"},
		{"/static/nope.js", 404, ""},
	} {
		a := c.get(tc.path)
		if a.code != tc.code || !strings.Contains(strings.ToLower(html.UnescapeString(a.body)), strings.ToLower(tc.msg)) {
			t.Errorf("GET %.60s: %d, want %d with %q:\n%.400s", tc.path, a.code, tc.code, tc.msg, a.body)
		}
	}
	many := make([]string, ui.MaxIDs+1)
	for i := range many {
		many[i] = strconv.Itoa(i + 1)
	}
	for _, tc := range []struct {
		path string
		form url.Values
		code int
		msg  string
	}{
		{"/mark", url.Values{"id": {"1"}, "as": {"eaten"}}, 400, "Say read, unread"},
		{"/mark", url.Values{"as": {"read"}}, 400, "names none"},
		{"/mark", url.Values{"ids": {"1,x"}, "as": {"read"}}, 400, "is not an ID"},
		{"/mark", url.Values{"ids": {strings.Join(many, ",")}, "as": {"read"}}, 400, "At most 10000"},
		{"/mark", url.Values{"id": {"999999"}, "as": {"read"}}, 404, "no item with ID 999999"},
		{"/mark-all", url.Values{}, 400, "bound"},
		{"/mark-all", url.Values{"before": {"x"}}, 400, "is not an ID"},
		{"/mark-all", url.Values{"before": {"5"}, "from": {"starred"}}, 400, "Only the unread"},
		{"/mark-all", url.Values{"before": {"5"}, "feed": {"424242"}}, 404, ""},
		{"/mark-all", url.Values{"before": {"5"}, "tag": {"nope"}}, 404, "no feed is tagged"},
		{"/feeds/subscribe", url.Values{"url": {""}}, 400, "Give the address"},
		{"/feeds/subscribe", url.Values{"url": {"ftp://x"}}, 400, "http"},
		{"/feeds/subscribe", url.Values{"url": {fs.URL + "/a.xml"}, "tags": {"a b$"}}, 400, "not a simple word"},
		{"/feeds/1/edit", url.Values{"tags": {"bad tag!"}}, 400, "not a simple word"},
		{"/feeds/x/edit", url.Values{}, 400, "is not an ID"},
		{"/feeds/999999/unsubscribe", url.Values{}, 404, ""},
		{"/settings/prefs", url.Values{"theme": {"pink"}}, 400, "theme"},
		{"/settings/prefs", url.Values{"theme": {"auto"}, "order": {"sideways"}}, 400, "order"},
		{"/settings/password", url.Values{"new": {"abcdefgh1"}, "repeat": {"abcdefgh2"}}, 400, "differ"},
		{"/settings/password", url.Values{"new": {"short"}, "repeat": {"short"}}, 400, "too short"},
		{"/settings/tokens/999999/revoke", url.Values{}, 404, ""},
		{"/settings/sessions/999999/end", url.Values{}, 404, ""},
		{"/settings/tokens", url.Values{"label": {strings.Repeat("l", 65)}}, 400, "longer than 64"},
		{"/feeds/import", url.Values{}, 400, "OPML"},
	} {
		a := c.post(tc.path, tc.form)
		if a.code != tc.code || !strings.Contains(strings.ToLower(html.UnescapeString(a.body)), strings.ToLower(tc.msg)) {
			t.Errorf("POST %s %.80v: %d, want %d with %q:\n%.400s", tc.path, tc.form, a.code, tc.code, tc.msg, a.body)
		}
	}
	// Only POST changes state.
	a := c.get("/mark?id=1&as=read")
	if a.code != http.StatusMethodNotAllowed {
		t.Errorf("GET /mark: %d", a.code)
	}
	// A back address elsewhere is not followed.
	its := e.items(u, store.Query{})
	a = c.post("/mark", url.Values{"id": {id(its[0].ID)}, "as": {"read"}, "back": {"//evil.test/x"}})
	if a.code != http.StatusSeeOther || a.hdr.Get("Location") != "/" {
		t.Errorf("back elsewhere: %d %q", a.code, a.hdr.Get("Location"))
	}
}

func TestMarkAllBound(t *testing.T) {
	e := newEnv(t)
	u, c := e.user("alice")
	ctx := context.Background()
	var feeds []store.Subscription
	for i, tag := range []string{"one", "two"} {
		s, err := e.r.Subscribe(ctx, u.ID, reader.SubscribeRequest{URL: "http://feed" + strconv.Itoa(i) + ".test/", Tags: []string{tag}, NoFetch: true})
		if err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, s.Subscription)
		e.save(s.ID, 0, 5000)
	}
	count := func(q store.Query) int {
		n, err := e.r.CountItems(ctx, u.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(store.Query{Unread: true}); n != 10000 {
		t.Fatalf("%d unread", n)
	}
	page := c.get("/").must(t, http.StatusOK, `id="markall"`, `id="more"`)
	bound := regexp.MustCompile(`name="before" value="(\d+)"`).FindStringSubmatch(page.body)
	if bound == nil {
		t.Fatal("no bound in the mark-all form")
	}
	// Items that arrive after the page was made stay unread.
	e.save(feeds[0].ID, 5000, 3)
	if n := count(store.Query{Unread: true}); n != 10003 {
		t.Fatalf("%d unread after the refresh", n)
	}
	// Per tag first, then everything: each one request.
	c.post("/mark-all", url.Values{"before": {bound[1]}, "tag": {"two"}}).must(t, http.StatusSeeOther)
	if n := count(store.Query{Unread: true}); n != 5003 {
		t.Fatalf("%d unread after the tag's mark-all", n)
	}
	c.post("/mark-all", url.Values{"before": {bound[1]}}).must(t, http.StatusSeeOther)
	if n := count(store.Query{Unread: true}); n != 3 {
		t.Fatalf("%d unread after mark-all, want the 3 that came after the page", n)
	}
	// 10,000 IDs in one request.
	ids, err := e.r.ItemIDs(ctx, u.ID, store.Query{Limit: ui.MaxIDs})
	if err != nil {
		t.Fatal(err)
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	c.post("/mark", url.Values{"ids": {strings.Join(s, ",")}, "as": {"unread"}}).must(t, http.StatusSeeOther)
	if n := count(store.Query{Unread: true}); n != ui.MaxIDs {
		t.Fatalf("%d unread after marking %d unread", n, len(ids))
	}
	// Up to here: the item and those above it, newest first, within the
	// bound of a page made now.
	page = c.get("/").must(t, http.StatusOK)
	bound = regexp.MustCompile(`name="before" value="(\d+)"`).FindStringSubmatch(page.body)
	list := e.items(u, store.Query{Unread: true, Limit: 5})
	c.post("/mark-all", url.Values{"before": {bound[1]}, "upto": {id(list[2].ID)}}).must(t, http.StatusSeeOther)
	after := e.items(u, store.Query{IDs: []int64{list[0].ID, list[1].ID, list[2].ID, list[3].ID}})
	for _, it := range after {
		want := it.ID != list[3].ID
		if it.Published.Equal(list[2].Published) {
			want = true
		}
		if it.Read != want {
			t.Errorf("item %d (%v) read %v after read up to %d (%v)", it.ID, it.Published, it.Read, list[2].ID, list[2].Published)
		}
	}
	// Load more: the next page, then its end.
	more := regexp.MustCompile(`id="more" href="([^"]+)"`).FindStringSubmatch(page.body)
	c.get(html.UnescapeString(more[1])).must(t, http.StatusOK, `class="entry`)
}

func TestUsersApart(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t)
	feed := fs.set("/a.xml", rss("Shared", rssItem{Title: "Alpha item", Link: "http://site.test/1"}))
	private := fs.set("/p.xml", rss("Alice only", rssItem{Title: "Private item", Link: "http://site.test/p"}))
	alice, ca := e.user("alice")
	bob, cb := e.user("bob")
	e.subscribe(alice, feed, "mine")
	sp := e.subscribe(alice, private)
	e.subscribe(bob, feed)
	its := e.items(alice, store.Query{})
	var priv, shared store.Item
	for _, it := range its {
		if it.Title == "Private item" {
			priv = it
		} else {
			shared = it
		}
	}
	ca.post("/mark", url.Values{"id": {id(shared.ID)}, "as": {"starred"}}).must(t, http.StatusSeeOther)
	ca.post("/mark", url.Values{"id": {id(shared.ID)}, "as": {"read"}}).must(t, http.StatusSeeOther)
	ca.post("/settings/tokens", url.Values{"label": {"alice phone"}}).must(t, http.StatusOK, "copy it now")

	b := cb.get("/").must(t, http.StatusOK, "Alpha item")
	for _, s := range []string{"Private item", "Alice only", "#mine", "entry read"} {
		if strings.Contains(b.body, s) {
			t.Errorf("bob's unread page shows %q", s)
		}
	}
	cb.get("/starred").must(t, http.StatusOK, "No starred items")
	cb.get("/item/"+id(priv.ID)).must(t, http.StatusNotFound)
	cb.get("/?feed="+id(sp.ID)).must(t, http.StatusNotFound)
	cb.get("/feeds/"+id(sp.ID)).must(t, http.StatusNotFound)
	cb.post("/mark", url.Values{"id": {id(priv.ID)}, "as": {"read"}}).must(t, http.StatusNotFound)
	cb.post("/feeds/"+id(sp.ID)+"/unsubscribe", nil).must(t, http.StatusNotFound)
	if s := cb.get("/settings").body; strings.Contains(s, "alice phone") {
		t.Error("bob's settings show alice's app password")
	}
	if s := cb.get("/search?q=private").body; strings.Contains(s, "Private item") {
		t.Error("bob's search finds alice's item")
	}
	_ = bob
}

func TestHostileText(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t)
	long := strings.Repeat("W", 5000)
	rtl := "עברית ועוד מילים"
	feed := fs.set("/a.xml", rss(html.EscapeString("<b>Feed</b> "+rtl),
		rssItem{Title: long, Link: "http://site.test/1"},
		rssItem{Title: html.EscapeString(`<script>alert(1)</script> "quoted" & 1 < 2`), Link: "http://site.test/2"},
		rssItem{Title: rtl, Link: "http://site.test/3"},
	))
	u, c := e.user("alice")
	e.subscribe(u, feed)
	body := c.get("/").must(t, http.StatusOK, long, `dir="auto">`+rtl, "&#34;quoted&#34; &amp; 1 &lt; 2").body
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>Feed") {
		t.Fatal("a title was not escaped")
	}
	css := c.get("/static/app.css").body
	if !strings.Contains(css, "overflow-wrap:anywhere") {
		t.Fatal("the stylesheet does not break long words")
	}
	// No inline script or style anywhere: the CSP forbids them.
	for _, p := range []string{"/", "/feeds", "/settings", "/all", "/search?q=w"} {
		b := c.get(p).body
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|style=| on[a-z]+=`).MatchString(b) {
			t.Errorf("%s has inline script or style", p)
		}
	}
}

func TestStatic(t *testing.T) {
	e := newEnv(t)
	_, c := e.user("alice")
	body := c.get("/").body
	m := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no versioned stylesheet in:\n%s", body)
	}
	a := c.get(m[1]).must(t, http.StatusOK, "--accent")
	if !strings.Contains(a.hdr.Get("Cache-Control"), "immutable") || a.hdr.Get("ETag") == "" {
		t.Fatalf("headers %v", a.hdr)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/static/app.css", nil)
	req.Header.Set("If-None-Match", a.hdr.Get("ETag"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, p := range []string{"/static/app.js", "/manifest.webmanifest", "/static/icon-192.png", "/static/icon-512.png", "/static/icon.svg"} {
		c.get(p).must(t, http.StatusOK)
	}
	c.get("/manifest.webmanifest").must(t, http.StatusOK, `"start_url": "/"`, "icon-512.png")
	if ui.AssetURL("app.js") == "/static/app.js" {
		t.Fatal("AssetURL has no version")
	}
}

// TestPageWeight: HTML, CSS and JS of a full unread page, gzipped, stay
// within 30 KB before item content (lists show titles only).
func TestPageWeight(t *testing.T) {
	e := newEnv(t)
	feeds := fetchtest.NewServer(t, fetchtest.Options{Feeds: 20, Items: 10})
	u, c := e.user("alice")
	for i := range 20 {
		e.subscribe(u, feeds.URL(i), "tag"+strconv.Itoa(i%4))
	}
	page := c.get("/").must(t, http.StatusOK, `id="more"`)
	total := 0
	for _, p := range []string{"/", ui.AssetURL("app.css"), ui.AssetURL("app.js")} {
		b := c.get(p).body
		if p == "/" {
			b = page.body
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = io.WriteString(zw, b)
		_ = zw.Close()
		t.Logf("%s: %d bytes, %d gzipped", p, len(b), buf.Len())
		total += buf.Len()
	}
	t.Logf("page weight of the unread page (50 items, 20 feeds): %d bytes gzipped", total)
	if total > 30<<10 {
		t.Fatalf("page weight %d bytes gzipped, more than 30 KB", total)
	}
}

func TestOPML(t *testing.T) {
	e := newEnv(t)
	_, c := e.user("alice")
	doc := `<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>` +
		`<outline text="Tech"><outline type="rss" text="One" xmlUrl="http://one.test/feed"/><outline type="rss" text="Two" xmlUrl="http://two.test/feed"/></outline>` +
		`<outline type="rss" text="Bad" xmlUrl="javascript:alert(1)"/></body></opml>`
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", c.csrf)
	_ = mw.WriteField("tags", "imported")
	fw, _ := mw.CreateFormFile("opml", "subs.opml")
	_, _ = io.WriteString(fw, doc)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/feeds/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	read(t, resp).must(t, http.StatusOK, "2 feeds added", "javascript:alert(1)", "One", "#tech", "#imported")
	// Not OPML: a 400 that says so.
	body.Reset()
	mw = multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", c.csrf)
	fw, _ = mw.CreateFormFile("opml", "notes.txt")
	_, _ = io.WriteString(fw, "just some notes")
	_ = mw.Close()
	req, _ = http.NewRequest("POST", e.srv.URL+"/feeds/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err = c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	read(t, resp).must(t, http.StatusBadRequest, "The file is not")
	ex := c.get("/feeds/export").must(t, http.StatusOK, `xmlUrl="http://one.test/feed"`, `xmlUrl="http://two.test/feed"`)
	if !strings.Contains(ex.hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export headers %v", ex.hdr)
	}
}

func TestSettings(t *testing.T) {
	e := newEnv(t)
	u, c := e.user("alice")
	c.get("/settings").must(t, http.StatusOK, `action="/logout"`, "No sessions", `value="auto" checked`)
	tok := c.post("/settings/tokens", url.Values{"label": {"phone"}}).must(t, http.StatusOK, "copy it now")
	secret := regexp.MustCompile(`class="secret">([0-9a-f]+)<`).FindStringSubmatch(tok.body)
	if secret == nil {
		t.Fatal("no secret shown")
	}
	ctx := context.Background()
	if got, _, err := e.r.AuthenticateToken(ctx, secret[1]); err != nil || got.ID != u.ID {
		t.Fatalf("the app password shown does not log in: %v", err)
	}
	toks, _ := e.r.Tokens(ctx, "alice")
	c.post("/settings/tokens/"+id(toks[0].ID)+"/revoke", nil).must(t, http.StatusSeeOther)
	if _, _, err := e.r.AuthenticateToken(ctx, secret[1]); err == nil {
		t.Fatal("a revoked app password logs in")
	}
	// A first password, then a change that needs the current one.
	c.post("/settings/password", url.Values{"new": {"correct horse"}, "repeat": {"correct horse"}}).must(t, http.StatusSeeOther)
	c.post("/settings/password", url.Values{"current": {"wrong one!"}, "new": {"battery staple"}, "repeat": {"battery staple"}}).
		must(t, http.StatusBadRequest, "current password")
	// Sessions: one started elsewhere, listed and ended.
	ns, err := e.r.StartSession(ctx, u.ID, "Firefox on a phone", "192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	c.get("/settings").must(t, http.StatusOK, "Firefox on a phone", "192.0.2.7", "/settings/sessions/"+id(ns.Session.ID)+"/end")
	c.post("/settings/sessions/"+id(ns.Session.ID)+"/end", nil).must(t, http.StatusSeeOther)
	if ss, _ := e.r.Sessions(ctx, u.ID); len(ss) != 0 {
		t.Fatalf("%d sessions after ending", len(ss))
	}
	if _, err := e.r.AuthenticatePassword(ctx, "alice", "correct horse"); err != nil {
		t.Fatal(err)
	}
}

// FuzzListQuery: whatever the query of a list or an item page, the answer
// is a page or a refusal (4xx), never a failure.
func FuzzListQuery(f *testing.F) {
	e := newEnv(f)
	fs := newFeedServer(f)
	u, c := e.user("alice")
	e.subscribe(u, fs.set("/a.xml", rss("A", rssItem{Title: "x y", Link: "http://site.test/x"})), "news")
	for _, s := range []string{"", "feed=1", "tag=news", "at=ZDoxOjE", "q=x", "from=search&q=x*", "feed=1&at=%ff", "q=\"a b\"", "tag=%00"} {
		f.Add("/", s)
		f.Add("/search", s)
		f.Add("/item/1", s)
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		switch path {
		case "/", "/all", "/starred", "/history", "/search", "/item/1":
		default:
			path = "/"
		}
		resp, err := c.hc.Get(e.srv.URL + path + "?" + query)
		if err != nil {
			return // not a URL the client sends
		}
		a := read(t, resp)
		if a.code >= 500 {
			t.Fatalf("%s?%s: %d %s", path, query, a.code, a.body)
		}
	})
}

// TestWholeArticle: an item with a stored whole article shows the article
// in place of the feed's summary; one whose article fetch failed shows the
// summary.
func TestWholeArticle(t *testing.T) {
	e := newEnv(t)
	fs := newFeedServer(t)
	feedURL := fs.set("/a.xml", rss("Feed A",
		rssItem{Title: "Summary only", Link: "http://site.test/1", Desc: "just the summary"},
		rssItem{Title: "Failed page", Link: "http://site.test/2", Desc: "summary kept"},
	))
	u, c := e.user("alice")
	e.subscribe(u, feedURL)
	its := e.items(u, store.Query{})
	if len(its) != 2 {
		t.Fatalf("%d items", len(its))
	}
	if its[0].Title != "Summary only" {
		its[0], its[1] = its[1], its[0]
	}
	ctx := context.Background()
	if err := e.st.SaveArticle(ctx, store.Article{ItemID: its[0].ID, URL: "http://site.test/1", Content: "<p>The whole article, every paragraph.</p>", FetchedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SaveArticle(ctx, store.Article{ItemID: its[1].ID, URL: "http://site.test/2", Error: "the page has no article", FetchedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	a := c.get("/item/"+id(its[0].ID)).must(t, http.StatusOK, "The whole article, every paragraph.")
	if strings.Contains(a.body, "just the summary") {
		t.Fatal("the summary is shown beside the whole article")
	}
	c.get("/item/"+id(its[1].ID)).must(t, http.StatusOK, "summary kept")
}
