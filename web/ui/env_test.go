package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"tidings/fetch"
	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
	"tidings/web"
	"tidings/web/ui"
)

// testCSP is the policy web.Server sets; the tests set it themselves so
// the page is tried under it.
const testCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src * data: blob:; media-src *; " +
	"frame-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; manifest-src 'self'; connect-src 'self'"

// env is the reading page over a real SQLite store, behind a stand-in
// for web.Server's authentication: the user is the one named by the
// cookie "user", the CSRF token is "tok-<name>", and a POST without it is
// refused as the server would.
type env struct {
	t   testing.TB
	r   *reader.Reader
	st  store.Store
	srv *httptest.Server

	mu    sync.Mutex
	users map[string]store.User
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := fetch.New(fetch.Options{AllowPrivateNetworks: true, Timeout: 5 * time.Second})
	r := reader.New(reader.Options{Store: db, Fetcher: f, PasswordCost: bcrypt.MinCost})
	e := &env{t: t, r: r, st: db, users: map[string]store.User{}}
	h := ui.New(ui.Options{Reader: r, Fetcher: f})
	e.srv = httptest.NewServer(e.wrap(h))
	t.Cleanup(e.srv.Close)
	return e
}

// wrap stands in for web.Server: headers, the user, the CSRF check.
func (e *env) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", testCSP)
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/manifest.webmanifest" {
			h.ServeHTTP(w, r)
			return
		}
		ck, err := r.Cookie("user")
		if err != nil {
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		e.mu.Lock()
		u, ok := e.users[ck.Value]
		e.mu.Unlock()
		if !ok {
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		tok := "tok-" + u.Name
		if r.Method == http.MethodPost {
			got := r.Header.Get(web.CSRFHeader)
			if got == "" {
				if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
					_ = r.ParseMultipartForm(1 << 20)
				}
				got = r.FormValue(web.CSRFField)
			}
			if got != tok {
				http.Error(w, "bad CSRF token", http.StatusForbidden)
				return
			}
		}
		ctx := web.WithUser(r.Context(), u)
		ctx = web.WithCSRFToken(ctx, tok)
		ctx = web.WithSessionID(ctx, 0)
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// user adds a user and returns a client logged in as them.
func (e *env) user(name string) (store.User, *client) {
	e.t.Helper()
	u, err := e.r.AddUser(context.Background(), name, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	e.users[name] = u
	e.mu.Unlock()
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(e.srv.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: "user", Value: name, Path: "/"}})
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return u, &client{t: e.t, hc: hc, base: e.srv.URL, csrf: "tok-" + name}
}

// client is a browser without script.
type client struct {
	t    testing.TB
	hc   *http.Client
	base string
	csrf string
}

type answer struct {
	code int
	body string
	hdr  http.Header
}

func (c *client) get(path string) answer {
	c.t.Helper()
	resp, err := c.hc.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	return read(c.t, resp)
}

// post sends a form with the CSRF token (unless the form has one).
func (c *client) post(path string, form url.Values) answer {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	resp, err := c.hc.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	return read(c.t, resp)
}

func read(t testing.TB, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{code: resp.StatusCode, body: string(b), hdr: resp.Header}
}

func (a answer) must(t testing.TB, code int, contains ...string) answer {
	t.Helper()
	if a.code != code {
		t.Fatalf("status %d, want %d; body:\n%.2000s", a.code, code, a.body)
	}
	for _, s := range contains {
		if !strings.Contains(a.body, s) {
			t.Fatalf("the page lacks %q; body:\n%.3000s", s, a.body)
		}
	}
	return a
}

// feedServer serves RSS documents by path on loopback, and records the
// paths asked.
type feedServer struct {
	*httptest.Server
	mu    sync.Mutex
	docs  map[string]string
	types map[string]string
	asked []string
}

func newFeedServer(t testing.TB) *feedServer {
	fs := &feedServer{docs: map[string]string{}, types: map[string]string{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.asked = append(fs.asked, r.URL.Path)
		doc, ok := fs.docs[r.URL.Path]
		ct := fs.types[r.URL.Path]
		fs.mu.Unlock()
		if !ok {
			if strings.HasPrefix(r.URL.Path, "/img/") {
				w.Header().Set("Content-Type", "image/svg+xml")
				fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="360" viewBox="0 0 800 360">`+
					`<rect width="800" height="360" fill="#9cc3d5"/><path d="M0 220 Q200 160 400 210 T800 200 V360 H0Z" fill="#3b7a57"/>`+
					`<path d="M0 280 Q220 250 420 290 T800 280 V360 H0Z" fill="#2a5d8a"/><circle cx="650" cy="80" r="40" fill="#f4d35e"/></svg>`)
				return
			}
			http.NotFound(w, r)
			return
		}
		if ct == "" {
			ct = "application/rss+xml"
		}
		w.Header().Set("Content-Type", ct)
		fmt.Fprint(w, doc)
	}))
	t.Cleanup(fs.Close)
	return fs
}

// hits counts the requests of path so far.
func (fs *feedServer) hits(path string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := 0
	for _, p := range fs.asked {
		if p == path {
			n++
		}
	}
	return n
}

func (fs *feedServer) set(path, doc string) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.docs[path] = doc
	return fs.URL + path
}

func (fs *feedServer) setHTML(path, doc string) string {
	u := fs.set(path, doc)
	fs.mu.Lock()
	fs.types[path] = "text/html; charset=utf-8"
	fs.mu.Unlock()
	return u
}

// rssItem is an item of a test feed; its fields are put in the XML as
// given (escape them).
type rssItem struct {
	Title, Link, Desc, Enclosure, Date string
}

func rss(title string, items ...rssItem) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>` + title +
		`</title><link>http://site.test/</link><description>d</description>`)
	for i, it := range items {
		date := it.Date
		if date == "" {
			date = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).Add(-time.Duration(i) * time.Hour).Format(time.RFC1123Z)
		}
		fmt.Fprintf(&b, `<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>%s</description>`,
			it.Title, it.Link, it.Link, date, it.Desc)
		if it.Enclosure != "" {
			fmt.Fprintf(&b, `<enclosure url="%s" type="audio/mpeg" length="1234567"/>`, it.Enclosure)
		}
		b.WriteString(`</item>`)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// subscribe subscribes u to url through the reader, and returns the feed.
func (e *env) subscribe(u store.User, url string, tags ...string) store.Subscription {
	e.t.Helper()
	s, err := e.r.Subscribe(context.Background(), u.ID, reader.SubscribeRequest{URL: url, Tags: tags})
	if err != nil {
		e.t.Fatal(err)
	}
	return s.Subscription
}

// items lists u's items that q selects.
func (e *env) items(u store.User, q store.Query) []store.Item {
	e.t.Helper()
	its, _, err := e.r.Items(context.Background(), u.ID, q)
	if err != nil {
		e.t.Fatal(err)
	}
	return its
}

// save stores n items of a feed, numbered from first, as a fetch would.
func (e *env) save(feedID int64, first, n int) {
	e.t.Helper()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	res := store.FetchResult{Now: now.AddDate(1, 0, 0), State: store.FeedState{LastFetch: now, LastSuccess: now, NextDue: now.Add(time.Hour), WaitReason: store.WaitSchedule}}
	for j := first; j < first+n; j++ {
		res.Items = append(res.Items, store.Item{GUID: fmt.Sprintf("f%d-%d", feedID, j), URL: fmt.Sprintf("http://feed.test/%d/%d", feedID, j),
			Title: fmt.Sprintf("Item %d of feed %d", j, feedID), Content: "<p>text</p>", Published: now.Add(time.Duration(j) * time.Minute)})
	}
	if _, err := e.st.SaveFetch(context.Background(), feedID, res); err != nil {
		e.t.Fatal(err)
	}
}
