package greader_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

// env is a tidings server with the Google Reader API over a real SQLite
// store, and a feed server with items.
type env struct {
	r     *reader.Reader
	st    store.Store
	srv   *httptest.Server
	feeds *fetchtest.Server
	clock *clock
}

// clock is a settable time for the login throttle.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
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
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv := httptest.NewServer(greader.New(greader.Options{Reader: r, Now: clk.now,
		Throttle: greader.ThrottleOptions{Failures: 3, Window: time.Minute, MaxKeys: 100}}))
	t.Cleanup(srv.Close)
	return &env{r: r, st: db, srv: srv, feeds: fs, clock: clk}
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

// subscribe subscribes the user to feed i of the feed server, with tags.
func (e *env) subscribe(t testing.TB, u store.User, i int, tags ...string) store.Subscription {
	t.Helper()
	s, err := e.r.Subscribe(context.Background(), u.ID, reader.SubscribeRequest{URL: e.feeds.URL(i), Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	return s.Subscription
}

// answer is a response, read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(a.body), &m); err != nil {
		t.Fatalf("answer is not JSON (%v): %d %s", err, a.status, a.body)
	}
	return m
}

// req is one request of a test: the path is under /api/greader/ unless it
// starts with "/"; form is sent as the body of a POST.
type req struct {
	method string
	path   string
	form   url.Values
	auth   string // the Auth token, sent as GoogleLogin auth=
}

func (e *env) do(t testing.TB, rq req) answer {
	t.Helper()
	u := rq.path
	if !strings.HasPrefix(u, "/") {
		u = "/api/greader/" + u
	}
	var body io.Reader
	if rq.method == http.MethodPost && rq.form != nil {
		body = strings.NewReader(rq.form.Encode())
	}
	r, err := http.NewRequest(rq.method, e.srv.URL+u, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if rq.auth != "" {
		r.Header.Set("Authorization", "GoogleLogin auth="+rq.auth)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// login signs in with ClientLogin and returns the Auth token.
func (e *env) login(t testing.TB, name, pw string) string {
	t.Helper()
	a := e.do(t, req{method: "POST", path: "accounts/ClientLogin", form: url.Values{"Email": {name}, "Passwd": {pw}}})
	if a.status != 200 {
		t.Fatalf("ClientLogin: %d %s", a.status, a.body)
	}
	return authLine(t, a.body)
}

// authLine reads the Auth line of a ClientLogin answer as NetNewsWire
// does: split each line on "=", keep the second part.
func authLine(t testing.TB, body string) string {
	t.Helper()
	for line := range strings.SplitSeq(body, "\n") {
		parts := strings.Split(line, "=")
		if parts[0] == "Auth" {
			if len(parts) != 2 {
				t.Fatalf("Auth line %q splits into %d parts on '='", line, len(parts))
			}
			return parts[1]
		}
	}
	t.Fatalf("no Auth line in %q", body)
	return ""
}

func TestClientLogin(t *testing.T) {
	e := newEnv(t, 1, 3)
	_, tok := e.user(t, "alice")
	e.user(t, "bob")

	for _, prefix := range greader.Prefixes {
		t.Run(prefix, func(t *testing.T) {
			a := e.do(t, req{method: "POST", path: prefix + "accounts/ClientLogin", form: url.Values{"Email": {"alice"}, "Passwd": {tok}}})
			if a.status != 200 {
				t.Fatalf("POST: %d %s", a.status, a.body)
			}
			for _, k := range []string{"SID=", "LSID=", "Auth="} {
				if !strings.Contains(a.body, "\n"+k) && !strings.HasPrefix(a.body, k) {
					t.Errorf("no %s line in %q", k, a.body)
				}
			}
			auth := authLine(t, a.body)
			if strings.Contains(auth, "=") {
				t.Errorf("Auth %q has an '='", auth)
			}
			g := e.do(t, req{method: "GET", path: prefix + "accounts/ClientLogin?Email=alice&Passwd=" + tok + "&output=json"})
			if g.status != 200 || g.json(t)["Auth"] != auth {
				t.Errorf("GET output=json: %d %s", g.status, g.body)
			}
			if ui := e.do(t, req{method: "GET", path: prefix + "reader/api/0/user-info", auth: auth}); ui.status != 200 || ui.json(t)["userName"] != "alice" {
				t.Errorf("user-info with the Auth: %d %s", ui.status, ui.body)
			}
		})
	}

	for _, c := range []struct {
		name, user, pw string
		status         int
	}{
		{"wrong password", "alice", "nope", 401},
		{"another user's name", "bob", tok, 401},
		{"no password", "alice", "", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := e.do(t, req{method: "POST", path: "accounts/ClientLogin", form: url.Values{"Email": {c.user}, "Passwd": {c.pw}}})
			if a.status != c.status || strings.Contains(a.body, "Auth=") {
				t.Errorf("%d %q, want %d without Auth", a.status, a.body, c.status)
			}
		})
	}
}

func TestRevokedTokenSignsOut(t *testing.T) {
	e := newEnv(t, 1, 3)
	_, tok := e.user(t, "alice")
	auth := e.login(t, "alice", tok)
	ts, err := e.r.Tokens(context.Background(), "alice")
	if err != nil || len(ts) != 1 {
		t.Fatal(ts, err)
	}
	if err := e.r.RevokeToken(context.Background(), "alice", ts[0].ID); err != nil {
		t.Fatal(err)
	}
	a := e.do(t, req{method: "GET", path: "reader/api/0/subscription/list?output=json", auth: auth})
	if a.status != 401 || a.header.Get("X-Reader-Google-Bad-Token") != "true" {
		t.Fatalf("after revoke: %d %v %s", a.status, a.header, a.body)
	}
}

func TestBadTokenHeader(t *testing.T) {
	e := newEnv(t, 1, 3)
	_, tok := e.user(t, "alice")
	for _, auth := range []string{"", "alice/wrong", tok, "bob/" + tok, "alice"} {
		a := e.do(t, req{method: "GET", path: "reader/api/0/tag/list?output=json", auth: auth})
		if a.status != 401 || a.header.Get("X-Reader-Google-Bad-Token") != "true" {
			t.Errorf("auth %q: %d %v", auth, a.status, a.header)
		}
	}
}

func TestClientLoginThrottle(t *testing.T) {
	e := newEnv(t, 1, 3)
	_, tok := e.user(t, "alice")
	try := func(pw string) answer {
		return e.do(t, req{method: "POST", path: "accounts/ClientLogin", form: url.Values{"Email": {"alice"}, "Passwd": {pw}}})
	}
	for i := range 3 {
		if a := try("bad" + strconv.Itoa(i)); a.status != 401 {
			t.Fatalf("failure %d: %d", i, a.status)
		}
	}
	// Even the right password waits now: the hammering is slowed down.
	a := try(tok)
	if a.status != 429 || a.header.Get("Retry-After") == "" {
		t.Fatalf("after 3 failures: %d %v %s", a.status, a.header, a.body)
	}
	e.clock.add(2 * time.Minute)
	if a := try(tok); a.status != 200 {
		t.Fatalf("after the window: %d %s", a.status, a.body)
	}
}

// apiGet is a GET of reader/api/0/<path> with the Auth.
func (e *env) apiGet(t testing.TB, auth, path string) answer {
	t.Helper()
	return e.do(t, req{method: "GET", path: "reader/api/0/" + path, auth: auth})
}

func (e *env) apiPost(t testing.TB, auth, path string, form url.Values) answer {
	t.Helper()
	return e.do(t, req{method: "POST", path: "reader/api/0/" + path, auth: auth, form: form})
}

// refs returns the decimal IDs of a stream/items/ids answer.
func refs(t testing.TB, a answer) []string {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("items/ids: %d %s", a.status, a.body)
	}
	var out struct {
		ItemRefs []struct {
			ID            string `json:"id"`
			TimestampUsec string `json:"timestampUsec"`
		} `json:"itemRefs"`
	}
	if err := json.Unmarshal([]byte(a.body), &out); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(out.ItemRefs))
	for i, r := range out.ItemRefs {
		ids[i] = r.ID
	}
	return ids
}

type contents struct {
	ID           string `json:"id"`
	Continuation string `json:"continuation"`
	Items        []struct {
		ID            string   `json:"id"`
		Title         string   `json:"title"`
		CrawlTimeMsec string   `json:"crawlTimeMsec"`
		TimestampUsec string   `json:"timestampUsec"`
		Published     int64    `json:"published"`
		Categories    []string `json:"categories"`
		Canonical     []struct {
			Href string `json:"href"`
		} `json:"canonical"`
		Alternate []struct {
			Href string `json:"href"`
		} `json:"alternate"`
		Origin struct {
			StreamID string `json:"streamId"`
			Title    string `json:"title"`
		} `json:"origin"`
		Summary struct {
			Content string `json:"content"`
		} `json:"summary"`
	} `json:"items"`
}

func parseContents(t testing.TB, a answer) contents {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("contents: %d %s", a.status, a.body)
	}
	var c contents
	if err := json.Unmarshal([]byte(a.body), &c); err != nil {
		t.Fatalf("contents: %v: %s", err, a.body)
	}
	return c
}

func TestStreams(t *testing.T) {
	e := newEnv(t, 3, 4)
	u, tok := e.user(t, "alice")
	s0 := e.subscribe(t, u, 0, "news")
	e.subscribe(t, u, 1, "news", "tech")
	e.subscribe(t, u, 2)
	auth := e.login(t, "alice", tok)
	ctx := context.Background()
	all, err := e.r.ItemIDs(ctx, u.ID, store.Query{ByID: true})
	if err != nil || len(all) != 12 {
		t.Fatal(all, err)
	}
	// all is newest ID first; read the two newest, star the oldest.
	if _, err := e.r.Mark(ctx, u.ID, all[:2], reader.MarkRead); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Mark(ctx, u.ID, all[11:], reader.MarkStarred); err != nil {
		t.Fatal(err)
	}
	dec := func(ids []int64) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = strconv.FormatInt(id, 10)
		}
		return strings.Join(s, ",")
	}
	feed0 := "feed/" + strconv.FormatInt(s0.ID, 10)
	for _, c := range []struct {
		query string
		want  string
	}{
		{"s=user/-/state/com.google/reading-list&n=100", dec(all)},
		{"s=user/-/state/com.google/reading-list&xt=user/-/state/com.google/read&n=100", dec(all[2:])},
		{"s=user/-/state/com.google/starred&n=100", dec(all[11:])},
		{"s=user/-/state/com.google/read&n=100", dec(all[:2])},
		{"s=user/-/state/com.google/reading-list&it=user/-/state/com.google/starred&n=100", dec(all[11:])},
		{"s=user/1234/state/com.google/read&n=100", dec(all[:2])},
		{"s=" + url.QueryEscape(feed0) + "&n=100", dec(all[8:])},
		{"s=" + url.QueryEscape("feed/"+e.feeds.URL(0)) + "&n=100", dec(all[8:])},
		{"s=user/-/label/news&n=100", dec(all[4:])},
		{"s=user/-/label/tech&n=100&r=o", dec([]int64{all[7], all[6], all[5], all[4]})},
		{"s=user/-/state/com.google/reading-list&n=3&r=o", dec([]int64{all[11], all[10], all[9]})},
		{"s=user/-/state/com.google/reading-list&n=100&ot=4102444800", ""},
		{"s=user/-/state/com.google/reading-list&n=100&nt=946684800", ""},
		{"s=user/-/state/com.google/reading-list&n=100&ot=946684800", dec(all)},
	} {
		got := strings.Join(refs(t, e.apiGet(t, auth, "stream/items/ids?output=json&"+c.query)), ",")
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.query, got, c.want)
		}
	}

	t.Run("continuation", func(t *testing.T) {
		var got []string
		cont := ""
		for range 10 {
			q := "stream/items/ids?s=user/-/state/com.google/reading-list&n=5"
			if cont != "" {
				q += "&c=" + url.QueryEscape(cont)
			}
			a := e.apiGet(t, auth, q)
			got = append(got, refs(t, a)...)
			m := a.json(t)
			c, _ := m["continuation"].(string)
			if c == "" {
				break
			}
			cont = c
		}
		if strings.Join(got, ",") != dec(all) {
			t.Errorf("pages: %v, want %s", got, dec(all))
		}
		var pages []string
		cont = ""
		for range 10 {
			q := "stream/contents/user/-/state/com.google/reading-list?n=5"
			if cont != "" {
				q += "&c=" + url.QueryEscape(cont)
			}
			c := parseContents(t, e.apiGet(t, auth, q))
			for _, it := range c.Items {
				pages = append(pages, it.ID)
			}
			if c.Continuation == "" {
				break
			}
			cont = c.Continuation
		}
		if len(pages) != 12 {
			t.Errorf("contents pages: %d items", len(pages))
		}
	})

	t.Run("contents in the path and with s", func(t *testing.T) {
		for _, p := range []string{
			"stream/contents/" + url.PathEscape(feed0) + "?n=50",
			"stream/contents/feed%2F" + strconv.FormatInt(s0.ID, 10) + "?n=50",
			"stream/contents?s=" + url.QueryEscape(feed0) + "&n=50",
			"stream/contents/" + url.PathEscape("feed/"+e.feeds.URL(0)) + "?n=50",
		} {
			c := parseContents(t, e.apiGet(t, auth, p))
			if len(c.Items) != 4 {
				t.Errorf("%s: %d items", p, len(c.Items))
				continue
			}
			it := c.Items[0]
			if !strings.HasPrefix(it.ID, "tag:google.com,2005:reader/item/") || len(it.ID) != len("tag:google.com,2005:reader/item/")+16 {
				t.Errorf("%s: item ID %q", p, it.ID)
			}
			if it.Origin.StreamID != feed0 || it.Origin.Title != e.feeds.FeedTitle(0) || it.Title == "" || it.Summary.Content == "" {
				t.Errorf("%s: item %+v", p, it)
			}
			if len(it.Canonical) != 1 || it.Canonical[0].Href == "" || len(it.Alternate) != 1 {
				t.Errorf("%s: canonical %+v alternate %+v", p, it.Canonical, it.Alternate)
			}
			if !strings.Contains(strings.Join(it.Categories, " "), "user/-/label/news") {
				t.Errorf("%s: categories %v", p, it.Categories)
			}
		}
	})

	t.Run("timestamps are strings", func(t *testing.T) {
		a := e.apiGet(t, auth, "stream/contents?n=1")
		var raw struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal([]byte(a.body), &raw); err != nil || len(raw.Items) != 1 {
			t.Fatal(err, a.body)
		}
		for _, k := range []string{"timestampUsec", "crawlTimeMsec"} {
			s, ok := raw.Items[0][k].(string)
			if !ok {
				t.Errorf("%s is %T, want a string", k, raw.Items[0][k])
			} else if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				t.Errorf("%s %q is not a number", k, s)
			}
		}
	})
}

func TestItemIDForms(t *testing.T) {
	e := newEnv(t, 1, 5)
	u, tok := e.user(t, "alice")
	e.subscribe(t, u, 0)
	auth := e.login(t, "alice", tok)
	ids, err := e.r.ItemIDs(context.Background(), u.ID, store.Query{ByID: true})
	if err != nil || len(ids) != 5 {
		t.Fatal(ids, err)
	}
	id := ids[0]
	for _, form := range []string{
		fmt.Sprintf("tag:google.com,2005:reader/item/%016x", id),
		fmt.Sprintf("tag:google.com,2005:reader/item/%x", id),
		fmt.Sprintf("%016x", id),
		strconv.FormatInt(id, 10),
	} {
		t.Run(form, func(t *testing.T) {
			for _, method := range []string{"GET", "POST"} {
				var a answer
				if method == "GET" {
					a = e.apiGet(t, auth, "stream/items/contents?i="+url.QueryEscape(form))
				} else {
					a = e.apiPost(t, auth, "stream/items/contents", url.Values{"i": {form}})
				}
				c := parseContents(t, a)
				if len(c.Items) != 1 || c.Items[0].ID != fmt.Sprintf("tag:google.com,2005:reader/item/%016x", id) {
					t.Errorf("%s: %+v", method, c.Items)
				}
			}
			if a := e.apiPost(t, auth, "edit-tag", url.Values{"i": {form}, "a": {"user/-/state/com.google/starred"}}); a.status != 200 {
				t.Fatalf("edit-tag: %d %s", a.status, a.body)
			}
			it, err := e.r.Item(context.Background(), u.ID, id)
			if err != nil || !it.Starred {
				t.Fatalf("not starred: %+v %v", it, err)
			}
			if a := e.apiPost(t, auth, "edit-tag", url.Values{"i": {form}, "r": {"user/-/state/com.google/starred"}}); a.status != 200 {
				t.Fatalf("edit-tag r: %d %s", a.status, a.body)
			}
		})
	}
}

func TestEditTagAndMarkAll(t *testing.T) {
	e := newEnv(t, 2, 5)
	u, tok := e.user(t, "alice")
	s0 := e.subscribe(t, u, 0, "news")
	e.subscribe(t, u, 1)
	auth := e.login(t, "alice", tok)
	ctx := context.Background()
	ids, _ := e.r.ItemIDs(ctx, u.ID, store.Query{ByID: true})
	unread := func() int {
		n, err := e.r.CountItems(ctx, u.ID, store.Query{Unread: true})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	form := url.Values{"a": {"user/-/state/com.google/read"}}
	for _, id := range ids[:3] {
		form.Add("i", strconv.FormatInt(id, 10))
	}
	if a := e.apiPost(t, auth, "edit-tag", form); a.status != 200 || unread() != 7 {
		t.Fatalf("edit-tag read: %d %s, unread %d", a.status, a.body, unread())
	}
	form.Set("a", "user/-/state/com.google/kept-unread")
	if a := e.apiPost(t, auth, "edit-tag", form); a.status != 200 || unread() != 10 {
		t.Fatalf("kept-unread: %d %s, unread %d", a.status, a.body, unread())
	}
	form.Del("a")
	form.Set("r", "user/-/state/com.google/read")
	if a := e.apiPost(t, auth, "edit-tag", form); a.status != 200 || unread() != 10 {
		t.Fatalf("r=read: %d %s", a.status, a.body)
	}
	// A label on an item is refused, and nothing of the request is done.
	form = url.Values{"i": {strconv.FormatInt(ids[0], 10)}, "a": {"user/-/state/com.google/read", "user/-/label/x"}}
	if a := e.apiPost(t, auth, "edit-tag", form); a.status != 400 || unread() != 10 {
		t.Fatalf("label on an item: %d %s, unread %d", a.status, a.body, unread())
	}

	// mark-all-as-read with ts in seconds before everything, then in
	// microseconds after everything.
	feed0 := "feed/" + strconv.FormatInt(s0.ID, 10)
	if a := e.apiPost(t, auth, "mark-all-as-read", url.Values{"s": {feed0}, "ts": {"946684800"}}); a.status != 200 || unread() != 10 {
		t.Fatalf("mark-all ts in 2000: %d %s, unread %d", a.status, a.body, unread())
	}
	us := strconv.FormatInt(time.Now().Add(time.Hour).UnixMicro(), 10)
	if a := e.apiPost(t, auth, "mark-all-as-read", url.Values{"s": {"user/-/label/news"}, "ts": {us}}); a.status != 200 || unread() != 5 {
		t.Fatalf("mark-all label ts µs: %d %s, unread %d", a.status, a.body, unread())
	}
	if a := e.apiPost(t, auth, "mark-all-as-read", url.Values{"s": {"user/-/state/com.google/reading-list"}}); a.status != 200 || unread() != 0 {
		t.Fatalf("mark-all reading-list: %d %s, unread %d", a.status, a.body, unread())
	}
}

func TestSubscriptionsAndTags(t *testing.T) {
	e := newEnv(t, 3, 2)
	u, tok := e.user(t, "alice")
	auth := e.login(t, "alice", tok)
	ctx := context.Background()

	// subscribe, with a title and a label.
	a := e.apiPost(t, auth, "subscription/edit", url.Values{"ac": {"subscribe"}, "s": {"feed/" + e.feeds.URL(0)},
		"t": {"Zero"}, "a": {"user/-/label/News"}})
	if a.status != 200 {
		t.Fatalf("subscribe: %d %s", a.status, a.body)
	}
	// quickadd of a page: discovery finds its feed.
	page := e.feeds.FaultURL(fetchtest.FaultPageWithoutLinks)
	a = e.apiPost(t, auth, "subscription/quickadd", url.Values{"quickadd": {page}})
	if a.status != 200 || a.json(t)["numResults"] != float64(1) || !strings.HasPrefix(a.json(t)["streamId"].(string), "feed/") {
		t.Fatalf("quickadd: %d %s", a.status, a.body)
	}
	if _, err := e.r.Lookup(ctx, u.ID, e.feeds.DiscoveredFeedURL()); err != nil {
		t.Fatalf("quickadd did not subscribe to the discovered feed: %v", err)
	}
	if a := e.apiPost(t, auth, "subscription/quickadd", url.Values{"quickadd": {e.feeds.URL(0)}}); a.status != 409 {
		t.Errorf("quickadd twice: %d %s", a.status, a.body)
	}

	var list struct {
		Subscriptions []struct {
			ID         string `json:"id"`
			Title      string `json:"title"`
			URL        string `json:"url"`
			Categories []struct {
				ID    string `json:"id"`
				Label string `json:"label"`
			} `json:"categories"`
		} `json:"subscriptions"`
	}
	a = e.apiGet(t, auth, "subscription/list?output=json")
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || len(list.Subscriptions) != 2 {
		t.Fatalf("subscription/list: %v %s", err, a.body)
	}
	var zero string
	for _, s := range list.Subscriptions {
		if s.URL == e.feeds.URL(0) {
			zero = s.ID
			if s.Title != "Zero" || len(s.Categories) != 1 || s.Categories[0].ID != "user/-/label/news" || s.Categories[0].Label != "news" {
				t.Errorf("subscribed feed: %+v", s)
			}
		}
	}
	if zero == "" {
		t.Fatalf("no %s in %s", e.feeds.URL(0), a.body)
	}

	// edit: rename, add and remove labels.
	a = e.apiPost(t, auth, "subscription/edit", url.Values{"ac": {"edit"}, "s": {zero}, "t": {"Renamed"},
		"a": {"user/-/label/tech"}, "r": {"user/-/label/news"}})
	sub, err := e.r.Lookup(ctx, u.ID, e.feeds.URL(0))
	if a.status != 200 || err != nil || sub.UserTitle != "Renamed" || strings.Join(sub.Tags, ",") != "tech" {
		t.Fatalf("edit: %d %s: %+v %v", a.status, a.body, sub, err)
	}

	// tag/list, rename-tag, disable-tag.
	a = e.apiGet(t, auth, "tag/list?output=json")
	if a.status != 200 || !strings.Contains(a.body, `"user/-/state/com.google/starred"`) || !strings.Contains(a.body, `"user/-/label/tech"`) {
		t.Fatalf("tag/list: %s", a.body)
	}
	if a := e.apiPost(t, auth, "rename-tag", url.Values{"s": {"user/-/label/tech"}, "dest": {"user/-/label/golang"}}); a.status != 200 {
		t.Fatalf("rename-tag: %d %s", a.status, a.body)
	}
	sub, _ = e.r.Lookup(ctx, u.ID, e.feeds.URL(0))
	if strings.Join(sub.Tags, ",") != "golang" {
		t.Fatalf("after rename-tag: %v", sub.Tags)
	}
	if a := e.apiPost(t, auth, "disable-tag", url.Values{"s": {"user/-/label/golang"}}); a.status != 200 {
		t.Fatalf("disable-tag: %d %s", a.status, a.body)
	}
	sub, _ = e.r.Lookup(ctx, u.ID, e.feeds.URL(0))
	if len(sub.Tags) != 0 {
		t.Fatalf("after disable-tag: %v", sub.Tags)
	}
	if a := e.apiPost(t, auth, "disable-tag", url.Values{"s": {"user/-/label/golang"}}); a.status != 404 {
		t.Errorf("disable-tag of a tag gone: %d", a.status)
	}

	// unread-count.
	a = e.apiGet(t, auth, "unread-count?output=json")
	var uc struct {
		Max          int `json:"max"`
		UnreadCounts []struct {
			ID    string `json:"id"`
			Count int    `json:"count"`
		} `json:"unreadcounts"`
	}
	if err := json.Unmarshal([]byte(a.body), &uc); err != nil {
		t.Fatal(err, a.body)
	}
	total, _ := e.r.CountItems(ctx, u.ID, store.Query{Unread: true})
	found := false
	for _, c := range uc.UnreadCounts {
		if c.ID == "user/-/state/com.google/reading-list" {
			found = c.Count == total
		}
	}
	if !found || uc.Max != total || total == 0 {
		t.Errorf("unread-count: %s (total %d)", a.body, total)
	}

	// export, then import into another user.
	a = e.apiGet(t, auth, "subscription/export")
	if a.status != 200 || !strings.Contains(a.body, "<opml") || !strings.Contains(a.body, e.feeds.URL(0)) {
		t.Fatalf("export: %d %s", a.status, a.body)
	}
	bob, btok := e.user(t, "bob")
	bauth := e.login(t, "bob", btok)
	r, _ := http.NewRequest("POST", e.srv.URL+"/api/greader.php/reader/api/0/subscription/import", strings.NewReader(a.body))
	r.Header.Set("Authorization", "GoogleLogin auth="+bauth)
	r.Header.Set("Content-Type", "text/x-opml")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	subs, _ := e.r.Subscriptions(ctx, bob.ID)
	if resp.StatusCode != 200 || len(subs) != 2 {
		t.Fatalf("import: %d, %d subscriptions", resp.StatusCode, len(subs))
	}

	// unsubscribe.
	if a := e.apiPost(t, auth, "subscription/edit", url.Values{"ac": {"unsubscribe"}, "s": {zero}}); a.status != 200 {
		t.Fatalf("unsubscribe: %d %s", a.status, a.body)
	}
	if _, err := e.r.Lookup(ctx, u.ID, e.feeds.URL(0)); err == nil {
		t.Fatal("still subscribed after unsubscribe")
	}
}

// TestIsolation: one user's token never reads or changes another's items.
func TestIsolation(t *testing.T) {
	e := newEnv(t, 2, 3)
	alice, atok := e.user(t, "alice")
	bob, btok := e.user(t, "bob")
	as := e.subscribe(t, alice, 0, "a")
	e.subscribe(t, bob, 1, "b")
	aauth := e.login(t, "alice", atok)
	bauth := e.login(t, "bob", btok)
	ctx := context.Background()
	aliceIDs, _ := e.r.ItemIDs(ctx, alice.ID, store.Query{})
	bobIDs, _ := e.r.ItemIDs(ctx, bob.ID, store.Query{})

	got := refs(t, e.apiGet(t, bauth, "stream/items/ids?s=user/-/state/com.google/reading-list&n=100"))
	if len(got) != len(bobIDs) {
		t.Errorf("bob's reading list: %v, want %v", got, bobIDs)
	}
	for _, id := range aliceIDs {
		if has(got, strconv.FormatInt(id, 10)) {
			t.Errorf("bob sees alice's item %d", id)
		}
	}
	feedA := "feed/" + strconv.FormatInt(as.ID, 10)
	for _, c := range []struct {
		name   string
		a      answer
		status int
	}{
		{"contents of alice's items", e.apiGet(t, bauth, "stream/items/contents?i="+strconv.FormatInt(aliceIDs[0], 10)), 200},
		{"alice's feed stream", e.apiGet(t, bauth, "stream/contents/"+url.PathEscape(feedA)), 404},
		{"alice's label", e.apiGet(t, bauth, "stream/items/ids?s=user/-/label/a"), 404},
		{"mark alice's item", e.apiPost(t, bauth, "edit-tag", url.Values{"i": {strconv.FormatInt(aliceIDs[0], 10)}, "a": {"user/-/state/com.google/read"}}), 404},
		{"unsubscribe alice's feed", e.apiPost(t, bauth, "subscription/edit", url.Values{"ac": {"unsubscribe"}, "s": {feedA}}), 404},
	} {
		if c.a.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, c.a.status, c.a.body, c.status)
		}
		if c.status == 200 && len(parseContents(t, c.a).Items) != 0 {
			t.Errorf("%s: bob got alice's items: %s", c.name, c.a.body)
		}
	}
	n, _ := e.r.CountItems(ctx, alice.ID, store.Query{Unread: true})
	if n != len(aliceIDs) {
		t.Errorf("alice's unread changed to %d", n)
	}
	// And alice's token is alice's alone.
	if len(refs(t, e.apiGet(t, aauth, "stream/items/ids?s=user/-/state/com.google/reading-list&n=100"))) != len(aliceIDs) {
		t.Error("alice's reading list is not hers")
	}
}

func has(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestActionToken: a POST's T is the Auth token of the same user, empty
// (FeedMe) or "x" (Reeder); any other is refused with the bad-token
// header, and nothing changes.
func TestActionToken(t *testing.T) {
	e := newEnv(t, 1, 2)
	u, tok := e.user(t, "alice")
	_, btok := e.user(t, "bob")
	e.subscribe(t, u, 0)
	auth := e.login(t, "alice", tok)
	bauth := e.login(t, "bob", btok)
	tk := e.apiGet(t, auth, "token")
	if tk.status != 200 || tk.body != auth || strings.ContainsAny(tk.body, "=\n") {
		t.Fatalf("token: %d %q", tk.status, tk.body)
	}
	ids, _ := e.r.ItemIDs(context.Background(), u.ID, store.Query{})
	i := strconv.FormatInt(ids[0], 10)
	for _, c := range []struct {
		t      string
		status int
	}{
		{"alice/wrong", 401},
		{bauth, 401},
		{"", 200},
		{"x", 200},
		{tk.body, 200},
	} {
		a := e.apiPost(t, auth, "edit-tag", url.Values{"i": {i}, "a": {"user/-/state/com.google/starred"}, "T": {c.t}})
		if a.status != c.status || (c.status == 401 && a.header.Get("X-Reader-Google-Bad-Token") != "true") {
			t.Errorf("T=%q: %d %v", c.t, a.status, a.header)
		}
		if c.status == 401 {
			if n, _ := e.r.CountItems(context.Background(), u.ID, store.Query{Starred: true}); n != 0 {
				t.Fatalf("T=%q starred an item", c.t)
			}
		}
	}
}
