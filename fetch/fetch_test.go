package fetch_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"tidings/fetch"
	"tidings/store"
)

var htNow = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// htServe starts a test server for h on ip (127.0.0.x) and stops it when the
// test ends.
func htServe(t testing.TB, ip string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// htRSS is an RSS 2.0 feed titled title with n items, newest first.
func htRSS(title string, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>%s</title><link>https://example.org/</link><description>test</description>
`, title)
	for i := n; i > 0; i-- {
		fmt.Fprintf(&b, `<item><title>Item %d</title><link>https://example.org/posts/%d</link><guid>urn:test:%d</guid>
<pubDate>Fri, 27 Nov 2026 %02d:00:00 GMT</pubDate><description>&lt;p&gt;Body of item %d, with &lt;b&gt;some&lt;/b&gt; text.&lt;/p&gt;</description></item>
`, i, i, i, i%24, i)
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// htFetcher is a fetcher that may reach loopback test servers.
func htFetcher(o fetch.Options) *fetch.Fetcher {
	o.AllowPrivateNetworks = true
	if o.Now == nil {
		o.Now = func() time.Time { return htNow }
	}
	return fetch.New(o)
}

func htFeed(url string) store.Feed { return store.Feed{ID: 1, URL: url} }

func TestFetchConditionalGET(t *testing.T) {
	body := htRSS("Conditional", 3)
	var got304 atomic.Int32
	srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Fri, 27 Nov 2026 08:00:00 GMT" {
			got304.Add(1)
			w.Header().Set("ETag", `"v1-refreshed"`)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Fri, 27 Nov 2026 08:00:00 GMT")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	f := htFetcher(fetch.Options{})
	feed := htFeed(srv.URL + "/feed.xml")

	o := f.Fetch(context.Background(), feed)
	if o.Err != nil || o.Status != http.StatusOK || o.NotModified {
		t.Fatalf("first fetch: status %d, not modified %v, err %v", o.Status, o.NotModified, o.Err)
	}
	st := o.Result.State
	if len(o.Result.Items) != 3 || o.Result.Title != "Conditional" {
		t.Errorf("first fetch: %d items, title %q; want 3 and Conditional", len(o.Result.Items), o.Result.Title)
	}
	if st.ETag != `"v1"` || st.LastModified != "Fri, 27 Nov 2026 08:00:00 GMT" {
		t.Errorf("validators %q %q not stored", st.ETag, st.LastModified)
	}
	if !st.LastFetch.Equal(htNow) || !st.LastSuccess.Equal(htNow) || st.LastError != "" {
		t.Errorf("state after 200: %+v", st)
	}
	if !o.Result.Now.Equal(htNow) {
		t.Errorf("Result.Now = %v, want %v", o.Result.Now, htNow)
	}

	feed.State = st
	o = f.Fetch(context.Background(), feed)
	if o.Err != nil || o.Status != http.StatusNotModified || !o.NotModified {
		t.Fatalf("second fetch: status %d, not modified %v, err %v", o.Status, o.NotModified, o.Err)
	}
	if got304.Load() != 1 {
		t.Fatalf("server saw no conditional request")
	}
	if len(o.Result.Items) != 0 || o.Result.Title != "" {
		t.Errorf("304 gave %d items and title %q; want state only", len(o.Result.Items), o.Result.Title)
	}
	if o.Result.State.ETag != `"v1-refreshed"` || o.Result.State.LastModified != "Fri, 27 Nov 2026 08:00:00 GMT" {
		t.Errorf("validators after 304: %q %q", o.Result.State.ETag, o.Result.State.LastModified)
	}
}

// TestFetchUnchangedBody: a 200 whose body, URL, Content-Type and tidings
// version are those of the last body parsed is not parsed again, and plans
// the next fetch with the feed's own hint (its ttl) kept from that parse,
// as a 304 does.
func TestFetchUnchangedBody(t *testing.T) {
	withTTL := bytes.Replace(htRSS("Same", 3), []byte("<description>test</description>"),
		[]byte("<description>test</description><ttl>120</ttl>"), 1)
	var mu sync.Mutex
	body, ctype, etag, redirect := withTTL, "application/rss+xml", "", false
	srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if redirect && r.URL.Path == "/feed.xml" {
			http.Redirect(w, r, "/elsewhere.xml", http.StatusFound)
			return
		}
		if etag != "" {
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
		}
		w.Header().Set("Content-Type", ctype)
		w.Write(body)
	}))
	defer func(v string) { fetch.Version = v }(fetch.Version)
	fetch.Version = "v1.0.0"
	f := htFetcher(fetch.Options{})
	feed := htFeed(srv.URL + "/feed.xml")
	// The ttl of 2h decides NextDue on every successful fetch, parsed or not.
	wantDue := htNow.Add(2 * time.Hour)

	steps := []struct {
		name      string
		change    func()
		unchanged bool
		items     int
		status    int
	}{
		{"first fetch", func() {}, false, 3, http.StatusOK},
		{"same body", func() {}, true, 0, http.StatusOK},
		{"same body again", func() {}, true, 0, http.StatusOK},
		{"charset in Content-Type", func() { ctype = "application/rss+xml; charset=utf-8" }, false, 3, http.StatusOK},
		{"same again", func() {}, true, 0, http.StatusOK},
		{"new item", func() {
			body = bytes.Replace(htRSS("Same", 4), []byte("<description>test</description>"),
				[]byte("<description>test</description><ttl>120</ttl>"), 1)
		}, false, 4, http.StatusOK},
		{"new tidings version", func() { fetch.Version = "v1.0.1" }, false, 4, http.StatusOK},
		// Relative links resolve against the URL that answered.
		{"same body from another URL", func() { redirect = true }, false, 4, http.StatusOK},
		{"same again from there", func() {}, true, 0, http.StatusOK},
		{"validators at last", func() { etag = `"e1"` }, true, 0, http.StatusOK},
		{"304", func() {}, false, 0, http.StatusNotModified},
	}
	var hash string
	for _, step := range steps {
		mu.Lock()
		step.change()
		mu.Unlock()
		o := f.Fetch(context.Background(), feed)
		st := o.Result.State
		if o.Err != nil || o.Status != step.status {
			t.Fatalf("%s: status %d, err %v", step.name, o.Status, o.Err)
		}
		if o.Unchanged != step.unchanged || len(o.Result.Items) != step.items {
			t.Errorf("%s: unchanged %t with %d items; want %t with %d", step.name, o.Unchanged, len(o.Result.Items),
				step.unchanged, step.items)
		}
		if step.items > 0 && o.Result.Title != "Same" {
			t.Errorf("%s: a parsed body gave title %q", step.name, o.Result.Title)
		}
		if !step.unchanged && step.items == 0 && o.Result.Title != "" {
			t.Errorf("%s: a body not parsed gave title %q", step.name, o.Result.Title)
		}
		if len(st.BodyHash) != 64 || (step.items == 0) != (st.BodyHash == hash) {
			t.Errorf("%s: BodyHash %q after %q; want a new one exactly when the body was parsed", step.name, st.BodyHash, hash)
		}
		if st.FeedDelay != 2*time.Hour || !st.NextDue.Equal(wantDue) || st.WaitReason != store.WaitServer {
			t.Errorf("%s: FeedDelay %v, NextDue %v (%s); want the ttl to plan: 2h, %v (%s)",
				step.name, st.FeedDelay, st.NextDue, st.WaitReason, wantDue, store.WaitServer)
		}
		if got := fetch.Classify(o); (got == fetch.OutcomeUnchanged) != step.unchanged {
			t.Errorf("%s: Classify = %q", step.name, got)
		}
		hash = st.BodyHash
		feed.State = st
	}
}

// TestFetchFutureDateParsedAgain: Parse clamps a date in the future to
// the time of the fetch, so a body with one is parsed again (not passed as
// unchanged) until the date has come, and the stored item then gets its
// real date.
func TestFetchFutureDateParsedAgain(t *testing.T) {
	t0 := htNow
	real := t0.Add(time.Hour)
	body := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><link>https://example.org/</link>
<item><title>Scheduled</title><link>https://example.org/s</link><guid>urn:s</guid><pubDate>` +
		real.Format(http.TimeFormat) + `</pubDate><description>x</description></item></channel></rss>`)
	srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	ctx := context.Background()
	db := openSQLite(t)
	feed := addFeed(t, db, srv.URL+"/feed.xml", "")
	var now time.Time
	f := htFetcher(fetch.Options{Now: func() time.Time { return now }})
	for _, step := range []struct {
		name      string
		at        time.Time
		unchanged bool
		published time.Time
	}{
		{"before the date", t0, false, t0},
		{"still before it", t0.Add(30 * time.Minute), false, t0}, // the store keeps the first clamp
		{"after it", t0.Add(2 * time.Hour), false, real},
		{"later still", t0.Add(3 * time.Hour), true, real},
	} {
		now = step.at
		feed = feedByURL(t, db, feed.URL).Feed
		o := f.Fetch(ctx, feed)
		if o.Err != nil || o.Unchanged != step.unchanged {
			t.Fatalf("%s: err %v, unchanged %t; want %t", step.name, o.Err, o.Unchanged, step.unchanged)
		}
		if _, err := db.SaveFetch(ctx, feed.ID, o.Result); err != nil {
			t.Fatal(err)
		}
		items, _, err := db.Items(ctx, me(t, db), store.Query{FeedID: feed.ID})
		if err != nil || len(items) != 1 || !items[0].Published.Equal(step.published) {
			t.Fatalf("%s: %d items (%v), published %v; want one, published %v", step.name, len(items), err, items, step.published)
		}
	}
}

// TestFetchBrokenBodyParsedAgain: a body that is not a feed does not take
// the place of the last good one, so the same bad body fails again instead
// of passing as unchanged.
func TestFetchBrokenBodyParsedAgain(t *testing.T) {
	var broken atomic.Bool
	srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			// An error page answered 200, as real servers do.
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!DOCTYPE html><html><head><title>Error</title></head><body>Database error</body></html>"))
			return
		}
		w.Write(htRSS("Good", 2))
	}))
	f := htFetcher(fetch.Options{})
	feed := htFeed(srv.URL)
	o := f.Fetch(context.Background(), feed)
	if o.Err != nil || len(o.Result.Items) != 2 {
		t.Fatalf("good body: %d items, err %v", len(o.Result.Items), o.Err)
	}
	good := o.Result.State.BodyHash
	feed.State = o.Result.State
	broken.Store(true)
	for i := range 2 {
		o = f.Fetch(context.Background(), feed)
		if o.Err == nil || o.Unchanged || o.Result.State.BodyHash != good {
			t.Fatalf("broken body, fetch %d: err %v, unchanged %t, BodyHash %q; want an error and the good body's hash",
				i+1, o.Err, o.Unchanged, o.Result.State.BodyHash)
		}
		feed.State = o.Result.State
	}
	broken.Store(false)
	if o = f.Fetch(context.Background(), feed); o.Err != nil || !o.Unchanged {
		t.Errorf("good body again: err %v, unchanged %t; want unchanged", o.Err, o.Unchanged)
	}
}

func TestFetchSendsUserAgentAndAcceptEncoding(t *testing.T) {
	var ua, ae atomic.Value
	srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		ae.Store(r.Header.Get("Accept-Encoding"))
		w.Write(htRSS("UA", 1))
	}))
	defer func(v string) { fetch.Version = v }(fetch.Version)
	fetch.Version = "1.2.3"
	o := htFetcher(fetch.Options{}).Fetch(context.Background(), htFeed(srv.URL))
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if got := ua.Load().(string); got != "tidings/1.2.3 (+https://github.com/tidings-reader/tidings)" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := ae.Load().(string); !strings.Contains(got, "gzip") || !strings.Contains(got, "br") {
		t.Errorf("Accept-Encoding = %q, want gzip and br", got)
	}
}

func htGzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// htBomb is a gzip bomb for a 1 MiB cap: 8 MiB of zeros compress to about
// 8 KiB, far under the cap before decompression and far over it after.
var htBomb = sync.OnceValue(func() []byte { return htGzip(make([]byte, 8<<20)) })

func htCompress(enc string, b []byte) []byte {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		return htGzip(b)
	case "br":
		w = brotli.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "raw-deflate":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	default:
		return b
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestFetchDecodesBodies(t *testing.T) {
	body := htRSS("Compressed", 5)
	tests := []struct{ name, coding, header string }{
		{"identity", "", ""},
		{"gzip", "gzip", "gzip"},
		{"x-gzip", "gzip", "x-gzip"},
		{"brotli", "br", "br"},
		{"deflate as zlib", "zlib", "deflate"},
		{"deflate raw", "raw-deflate", "deflate"},
		{"gzip then brotli", "gzip+br", "gzip, br"},
		{"labelled gzip but plain", "", "gzip"},
		{"identity named", "", "identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := body
			for c := range strings.SplitSeq(tt.coding, "+") {
				payload = htCompress(c, payload)
			}
			srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Content-Encoding", tt.header)
				}
				w.Write(payload)
			}))
			o := htFetcher(fetch.Options{}).Fetch(context.Background(), htFeed(srv.URL))
			if o.Err != nil {
				t.Fatalf("fetch: %v", o.Err)
			}
			if len(o.Result.Items) != 5 || o.Result.Title != "Compressed" {
				t.Errorf("%d items, title %q; want 5, Compressed", len(o.Result.Items), o.Result.Title)
			}
		})
	}
}

// TestFetchRefusesStackedCodings checks that a Content-Encoding header with
// many codings is refused before any decoder is built: each coding used to
// cost a decoder and its buffers, so 10,000 of them cost hundreds of MiB.
func TestFetchRefusesStackedCodings(t *testing.T) {
	body := htRSS("Stacked", 2)
	tests := []struct {
		name, header, want string
	}{
		{"three gzip", "gzip, gzip, gzip", "more than 2 content codings (gzip, gzip, …)"},
		{"10,000 gzip", strings.Repeat(",gzip", 10_000), "more than 2 content codings"},
		{"unknown after a known one", "gzip, compress", `unsupported encoding "compress"`},
		{"header over 64 KiB", strings.Repeat("gzip,", 150_000), "more than 64 KiB of response headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", tt.header)
				w.Write(body)
			}))
			f := htFetcher(fetch.Options{})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			o := f.Fetch(context.Background(), htFeed(srv.URL))
			runtime.ReadMemStats(&after)
			if o.Err == nil || !strings.Contains(o.Result.State.LastError, tt.want) {
				t.Fatalf("err %v, LastError %q; want it to say %q", o.Err, o.Result.State.LastError, tt.want)
			}
			if len(o.Result.Items) != 0 {
				t.Errorf("%d items from a refused body", len(o.Result.Items))
			}
			// The header itself is at most 64 KiB; the refusal must cost
			// about that, not a decoder per coding.
			if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
				t.Errorf("fetch allocated %d MiB, want under 8 MiB", got>>20)
			}
		})
	}
}

func TestFetchBodyCap(t *testing.T) {
	const maxBody = 1 << 20
	bomb := htBomb()
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"plain body over the cap", func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("x"), maxBody+1))
		}},
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		}},
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>endless</title>`))
			chunk := bytes.Repeat([]byte("<item><title>again</title></item>\n"), 1000)
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := htServe(t, "127.0.0.1", tt.handler)
			o := htFetcher(fetch.Options{MaxBody: maxBody}).Fetch(context.Background(), htFeed(srv.URL))
			if !errors.Is(o.Err, fetch.ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", o.Err)
			}
			if want := "feed larger than fetch.max_body (1 MiB)"; o.Result.State.LastError != want {
				t.Errorf("LastError = %q, want %q", o.Result.State.LastError, want)
			}
			if len(o.Result.Items) != 0 || o.Result.State.ErrorCount != 1 {
				t.Errorf("items %d, error count %d; want 0 and 1", len(o.Result.Items), o.Result.State.ErrorCount)
			}
		})
	}

	t.Run("exactly the cap", func(t *testing.T) {
		body := htRSS("Exact", 2)
		srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(htGzip(body))
		}))
		o := htFetcher(fetch.Options{MaxBody: int64(len(body))}).Fetch(context.Background(), htFeed(srv.URL))
		if o.Err != nil || len(o.Result.Items) != 2 {
			t.Fatalf("err %v, %d items; want a feed of 2", o.Err, len(o.Result.Items))
		}
	})
}

// htSilent accepts connections on 127.0.0.2 and never answers; it returns
// the address.
func htSilent(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	return l.Addr().String()
}

// htHangUp accepts connections on 127.0.0.2, reads the request and closes
// them without a word; it returns the address.
func htHangUp(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// htTrickle accepts connections, sends prefix at once and then answer one
// byte every 50ms; it returns the address.
func htTrickle(t *testing.T, prefix, answer string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				// Answer only once the request is in, as a server does.
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						break
					}
				}
				if _, err := io.WriteString(c, prefix); err != nil {
					return
				}
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for i := 0; i < len(answer); i++ {
					select {
					case <-done:
						return
					case <-tick.C:
					}
					if _, err := c.Write([]byte{answer[i]}); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

func TestFetchTimeouts(t *testing.T) {
	body := string(htRSS("Slow", 2))
	tests := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{"accepts and never answers", htSilent},
		{"headers one byte at a time", func(t *testing.T) string {
			return htTrickle(t, "", "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n"+body)
		}},
		{"body one byte at a time", func(t *testing.T) string {
			// Headers arrive at once, then the body trickles.
			return htTrickle(t, "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n", body)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := htFetcher(fetch.Options{Timeout: 500 * time.Millisecond})
			o := f.Fetch(context.Background(), htFeed("http://"+tt.addr(t)+"/feed"))
			if o.Err == nil {
				t.Fatal("no error from a server that does not answer in time")
			}
			want := "no complete answer within 500ms (fetch.timeout)"
			if !strings.Contains(o.Result.State.LastError, want) {
				t.Errorf("LastError = %q, want it to contain %q", o.Result.State.LastError, want)
			}
			if o.Result.State.ErrorCount != 1 {
				t.Errorf("ErrorCount = %d, want 1", o.Result.State.ErrorCount)
			}
		})
	}
}

func TestFetchStatuses(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		wantErr   string // LastError; "" means no error
		wantIs    error
		failed    bool // counted as a failure
		gone      bool
		notBefore time.Time
	}{
		{name: "404", status: 404, wantErr: "server answered 404 Not Found; check the URL", failed: true},
		{name: "403", status: 403, wantErr: "server answered 403 Forbidden; the feed needs a login, or the server refuses tidings", failed: true},
		{name: "500", status: 500, wantErr: "server answered 500 Internal Server Error; tidings will retry later, backing off", failed: true},
		{name: "418", status: 418, wantErr: "server answered 418 I'm a teapot", failed: true},
		{name: "410", status: 410, gone: true, wantIs: fetch.ErrGone,
			wantErr: "server answered 410 Gone; it will not be fetched again unless asked for by name (refresh it to try once more), or remove it"},
		{name: "429 Retry-After seconds", status: 429, header: map[string]string{"Retry-After": "120"},
			notBefore: htNow.Add(2 * time.Minute)},
		{name: "503 Retry-After date", status: 503, header: map[string]string{"Retry-After": "Sat, 28 Nov 2026 11:00:00 GMT", "Date": "Sat, 28 Nov 2026 10:00:00 GMT"},
			notBefore: htNow.Add(time.Hour)},
		{name: "429 without Retry-After", status: 429, failed: true,
			wantErr: "server answered 429 Too Many Requests without a valid Retry-After; tidings will back off"},
		{name: "503 with a bad Retry-After", status: 503, header: map[string]string{"Retry-After": "later"}, failed: true,
			wantErr: "server answered 503 Service Unavailable; tidings will retry later, backing off"},
		{name: "HTML page", status: 200, header: map[string]string{"Content-Type": "text/html"},
			body: "<!doctype html><html><head><title>Blog</title></head><body>hi</body></html>", failed: true, wantIs: fetch.ErrNotFeed,
			wantErr: "not a feed: the URL is a web page; subscribing to it finds the feeds it links to"},
		{name: "empty body", status: 200, body: "", failed: true, wantIs: fetch.ErrNotFeed,
			wantErr: "not a feed: the server sent an empty body"},
		{name: "image", status: 200, header: map[string]string{"Content-Type": "image/png"}, body: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
			failed: true, wantIs: fetch.ErrNotFeed, wantErr: "not a feed: the server sent image/png"},
		{name: "XML that is not a feed", status: 200, header: map[string]string{"Content-Type": "application/xml"},
			body: `<?xml version="1.0"?><note><to>you</to><body>hello</body></note>`, failed: true, wantIs: fetch.ErrNotFeed},
		{name: "JSON that is not a feed", status: 200, header: map[string]string{"Content-Type": "application/json"},
			body: `{"hello": "world"}`, failed: true, wantIs: fetch.ErrNotFeed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			feed := htFeed(srv.URL)
			feed.State.ErrorCount = 2
			feed.State.ETag = `"kept"`
			o := htFetcher(fetch.Options{}).Fetch(context.Background(), feed)
			st := o.Result.State
			if o.Status != tt.status {
				t.Errorf("Status = %d, want %d", o.Status, tt.status)
			}
			switch {
			case tt.wantErr == "" && tt.failed:
				if st.LastError == "" || o.Err == nil {
					t.Errorf("no error recorded (Err %v)", o.Err)
				}
			case tt.wantErr == "" && !tt.gone:
				if st.LastError != "" || o.Err != nil {
					t.Errorf("LastError %q, Err %v; want none", st.LastError, o.Err)
				}
			default:
				if st.LastError != tt.wantErr {
					t.Errorf("LastError = %q, want %q", st.LastError, tt.wantErr)
				}
				if o.Err == nil || o.Err.Error() != "feed "+srv.URL+": "+tt.wantErr {
					t.Errorf("Err = %v", o.Err)
				}
			}
			if tt.wantIs != nil && !errors.Is(o.Err, tt.wantIs) {
				t.Errorf("Err %v is not %v", o.Err, tt.wantIs)
			}
			if wantCount := map[bool]int{true: 3, false: 2}[tt.failed]; tt.notBefore.IsZero() && !tt.gone && st.ErrorCount != wantCount {
				t.Errorf("ErrorCount = %d, want %d", st.ErrorCount, wantCount)
			}
			if st.Gone != tt.gone {
				t.Errorf("Gone = %v, want %v", st.Gone, tt.gone)
			}
			if !st.NotBefore.Equal(tt.notBefore) {
				t.Errorf("NotBefore = %v, want %v", st.NotBefore, tt.notBefore)
			}
			if st.ETag != `"kept"` {
				t.Errorf("ETag = %q; a failure must keep the validators", st.ETag)
			}
			if len(o.Result.Items) != 0 {
				t.Errorf("%d items from a failure", len(o.Result.Items))
			}
		})
	}
}

// htRedirects serves a feed at /feed and redirects every /r/<status>/<n>
// one step down to /r/<status>/<n-1>, and /r/<status>/0 to /feed.
func htRedirects(t *testing.T) *httptest.Server {
	body := htRSS("Redirected", 2)
	mux := http.NewServeMux()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	mux.HandleFunc("/r/{status}/{n}", func(w http.ResponseWriter, r *http.Request) {
		status, _ := strconv.Atoi(r.PathValue("status"))
		n, _ := strconv.Atoi(r.PathValue("n"))
		to := "/feed"
		if n > 0 {
			to = fmt.Sprintf("/r/%d/%d", status, n-1)
		}
		http.Redirect(w, r, to, status)
	})
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop/b", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/a", http.StatusFound) })
	mux.HandleFunc("/self", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/self", http.StatusFound) })
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.org/feed", http.StatusFound)
	})
	mux.HandleFunc("/then-temporary", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/r/302/0", http.StatusMovedPermanently)
	})
	srv := htServe(t, "127.0.0.1", mux)
	return srv
}

func TestFetchRedirects(t *testing.T) {
	srv := htRedirects(t)
	tests := []struct {
		path    string
		wantErr string
		wantIs  error
	}{
		{path: "/r/302/4"}, // 5 redirects: allowed
		{path: "/r/301/5", wantIs: fetch.ErrTooManyRedirects,
			wantErr: "too many redirects: more than 5 in a row, the last to " + srv.URL + "/feed"},
		{path: "/loop/a", wantIs: fetch.ErrRedirectLoop,
			wantErr: "redirect loop: " + srv.URL + "/loop/b redirects back to " + srv.URL + "/loop/a"},
		{path: "/self", wantIs: fetch.ErrRedirectLoop,
			wantErr: "redirect loop: " + srv.URL + "/self redirects back to " + srv.URL + "/self"},
		{path: "/ftp", wantErr: "redirect to ftp://example.org/feed: only http and https URLs can be fetched"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			o := htFetcher(fetch.Options{}).Fetch(context.Background(), htFeed(srv.URL+tt.path))
			if tt.wantErr == "" {
				if o.Err != nil || len(o.Result.Items) != 2 {
					t.Fatalf("err %v, %d items; want the feed", o.Err, len(o.Result.Items))
				}
				return
			}
			if o.Result.State.LastError != tt.wantErr {
				t.Errorf("LastError = %q, want %q", o.Result.State.LastError, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(o.Err, tt.wantIs) {
				t.Errorf("Err %v is not %v", o.Err, tt.wantIs)
			}
		})
	}
}

func TestFetchPermanentRedirectMovesFeed(t *testing.T) {
	srv := htRedirects(t)
	f := htFetcher(fetch.Options{})
	type step struct {
		path      string // fetched this time
		wantURL   string // RedirectURL after it
		wantCount int
		wantMove  string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"301 three times moves", []step{
			{"/r/301/0", "/feed", 1, ""},
			{"/r/301/0", "/feed", 2, ""},
			{"/r/301/0", "/feed", 3, "/feed"},
		}},
		{"308 three times moves", []step{
			{"/r/308/1", "/feed", 1, ""},
			{"/r/308/1", "/feed", 2, ""},
			{"/r/308/1", "/feed", 3, "/feed"},
		}},
		// A move the store refused (the new URL is subscribed already)
		// is asked again on every fetch while the redirect lasts, so the
		// store's message about it stays.
		{"a lasting redirect asks for the move every time", []step{
			{"/r/301/0", "/feed", 1, ""},
			{"/r/301/0", "/feed", 2, ""},
			{"/r/301/0", "/feed", 3, "/feed"},
			{"/r/301/0", "/feed", 3, "/feed"},
			{"/r/301/0", "/feed", 3, "/feed"},
			{"/feed", "", 0, ""},
		}},
		{"302 never counts", []step{
			{"/r/302/0", "", 0, ""},
			{"/r/302/0", "", 0, ""},
			{"/r/302/0", "", 0, ""},
		}},
		{"307 never counts", []step{
			{"/r/307/0", "", 0, ""},
		}},
		{"a temporary hop after a permanent one stops the target there", []step{
			{"/then-temporary", "/r/302/0", 1, ""},
		}},
		{"the redirect stops: reset", []step{
			{"/r/301/0", "/feed", 1, ""},
			{"/r/301/0", "/feed", 2, ""},
			{"/feed", "", 0, ""},
			{"/r/301/0", "/feed", 1, ""},
		}},
		{"the redirect changes: count again", []step{
			{"/r/301/0", "/feed", 1, ""},
			{"/then-temporary", "/r/302/0", 1, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed := htFeed(srv.URL + "/orig")
			for i, s := range tt.steps {
				feed.URL = srv.URL + s.path
				o := f.Fetch(context.Background(), feed)
				if o.Err != nil {
					t.Fatalf("step %d: %v", i, o.Err)
				}
				st := o.Result.State
				wantURL := ""
				if s.wantURL != "" {
					wantURL = srv.URL + s.wantURL
				}
				wantMove := ""
				if s.wantMove != "" {
					wantMove = srv.URL + s.wantMove
				}
				if st.RedirectURL != wantURL || st.RedirectCount != s.wantCount || o.Result.MoveTo != wantMove {
					t.Fatalf("step %d (%s): RedirectURL %q count %d MoveTo %q; want %q %d %q",
						i, s.path, st.RedirectURL, st.RedirectCount, o.Result.MoveTo, wantURL, s.wantCount, wantMove)
				}
				feed.State = st
			}
		})
	}
}

func TestFetchNetworkErrors(t *testing.T) {
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(htRSS("TLS", 1)) }))
	// The handshake failure is the point: keep it out of the test log.
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(htRSS("plain", 1)) }))

	hangUp := htHangUp(t)
	short := htServe(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Promise more than is sent, then hang up.
		w.Header().Set("Content-Length", "100000")
		w.Write(htRSS("short", 1))
	}))

	tests := []struct {
		name, url, want string
	}{
		{"closed before answering", "http://" + hangUp + "/feed", "the server closed the connection before the answer was complete"},
		{"body shorter than promised", short.URL + "/feed", "the server closed the connection before the answer was complete"},
		{"connection refused", "http://" + closed + "/feed", "connection refused; the server is down or the URL's port is wrong"},
		{"untrusted certificate", tlsSrv.URL + "/feed", "TLS certificate signed by an unknown authority; the server's certificate is not trusted"},
		{"TLS to a plain HTTP port", strings.Replace(plain.URL, "http://", "https://", 1) + "/feed",
			"TLS handshake failed: the server does not speak TLS on this port; try http://"},
		{"unsupported scheme", "ftp://example.org/feed", "ftp://example.org/feed: only http and https URLs can be fetched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := htFetcher(fetch.Options{}).Fetch(context.Background(), htFeed(tt.url))
			if o.Status != 0 || o.Result.State.LastError != tt.want {
				t.Errorf("status %d, LastError %q; want 0, %q", o.Status, o.Result.State.LastError, tt.want)
			}
			if o.Result.State.ErrorCount != 1 || !o.Result.State.LastSuccess.IsZero() {
				t.Errorf("state %+v: want one failure, no success", o.Result.State)
			}
		})
	}
}

func TestFetchCanceled(t *testing.T) {
	addr := htSilent(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	o := htFetcher(fetch.Options{}).Fetch(ctx, htFeed("http://"+addr+"/feed"))
	if !errors.Is(o.Err, fetch.ErrCanceled) {
		t.Fatalf("Err = %v, want ErrCanceled", o.Err)
	}
	if o.Result.State.ErrorCount != 0 || o.Result.State.LastError != "" {
		t.Errorf("a canceled fetch counted as a failure: %+v", o.Result.State)
	}
}

func TestNetworkSafety(t *testing.T) {
	var hits atomic.Int32
	feedHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(htRSS("Private", 1))
	})
	private := htServe(t, "127.0.0.1", feedHandler)
	_, port, _ := net.SplitHostPort(private.Listener.Addr().String())
	// The "public" server lives on 127.0.0.2, which the test fetcher allows.
	public := htServe(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-private":
			http.Redirect(w, r, private.URL+"/feed", http.StatusFound)
		case "/to-localhost":
			http.Redirect(w, r, "http://localhost:"+port+"/feed", http.StatusMovedPermanently)
		default:
			w.Write(htRSS("Public", 1))
		}
	}))
	allowed := netip.MustParseAddr("127.0.0.2")

	tests := []struct {
		name    string
		url     string
		blocked string // the refused address, "" when allowed
	}{
		{"allowed address", public.URL + "/feed", ""},
		{"private address", private.URL + "/feed", "127.0.0.1"},
		{"hostname resolving to loopback", "http://localhost:" + port + "/feed", "loopback"},
		{"IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]:" + port + "/feed", "127.0.0.1"},
		{"redirect to a private address", public.URL + "/to-private", "127.0.0.1"},
		{"redirect to localhost", public.URL + "/to-localhost", "loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			f := fetch.NewAllowing(fetch.Options{Now: func() time.Time { return htNow }}, allowed)
			o := f.Fetch(context.Background(), htFeed(tt.url))
			if tt.blocked == "" {
				if o.Err != nil {
					t.Fatalf("allowed fetch failed: %v", o.Err)
				}
				return
			}
			if !errors.Is(o.Err, fetch.ErrBlockedAddress) {
				t.Fatalf("Err = %v, want ErrBlockedAddress", o.Err)
			}
			msg := o.Result.State.LastError
			if !strings.Contains(msg, "fetch.allow_private_networks") || !strings.Contains(msg, tt.blocked) {
				t.Errorf("LastError = %q; want it to name %s and fetch.allow_private_networks", msg, tt.blocked)
			}
			if hits.Load() != 0 {
				t.Errorf("the private server was reached %d times", hits.Load())
			}
		})
	}

	t.Run("default refuses loopback", func(t *testing.T) {
		o := fetch.New(fetch.Options{}).Fetch(context.Background(), htFeed(public.URL+"/feed"))
		if !errors.Is(o.Err, fetch.ErrBlockedAddress) {
			t.Fatalf("Err = %v, want ErrBlockedAddress", o.Err)
		}
	})
	t.Run("allow_private_networks reaches it", func(t *testing.T) {
		o := fetch.New(fetch.Options{AllowPrivateNetworks: true}).Fetch(context.Background(), htFeed(private.URL+"/feed"))
		if o.Err != nil || hits.Load() != 1 {
			t.Fatalf("Err %v, hits %d", o.Err, hits.Load())
		}
	})
}

func BenchmarkFetch(b *testing.B) {
	body := htRSS("Bench", 20)
	srv := htServe(b, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"bench"`)
		w.Write(body)
	}))
	f := htFetcher(fetch.Options{})
	feed := htFeed(srv.URL + "/feed")
	b.ReportAllocs()
	for b.Loop() {
		if o := f.Fetch(context.Background(), feed); o.Err != nil || len(o.Result.Items) != 20 {
			b.Fatalf("err %v, %d items", o.Err, len(o.Result.Items))
		}
	}
}

func BenchmarkFetchNotModified(b *testing.B) {
	srv := htServe(b, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"bench"`)
		w.WriteHeader(http.StatusNotModified)
	}))
	f := htFetcher(fetch.Options{})
	feed := htFeed(srv.URL + "/feed")
	feed.State.ETag = `"bench"`
	b.ReportAllocs()
	for b.Loop() {
		if o := f.Fetch(context.Background(), feed); !o.NotModified {
			b.Fatalf("err %v, status %d", o.Err, o.Status)
		}
	}
}

// TestFetchMoveConflictStaysVisible fetches and saves a user feed whose
// server redirects it for good to a URL already subscribed: the store
// refuses the move, and its message must stay on the feed while the
// redirect lasts, not vanish on the next successful fetch.
func TestFetchMoveConflictStaysVisible(t *testing.T) {
	srv := htRedirects(t)
	db := openSQLite(t)
	ctx := context.Background()
	moved := addFeed(t, db, srv.URL+"/r/301/0", "")
	addFeed(t, db, srv.URL+"/feed", "")
	f := htFetcher(fetch.Options{})
	want := store.MoveConflict(srv.URL + "/feed")
	for i := range 6 {
		feed := feedByURL(t, db, moved.URL)
		o := f.Fetch(ctx, feed.Feed)
		if o.Err != nil {
			t.Fatalf("fetch %d: %v", i+1, o.Err)
		}
		if _, err := db.SaveFetch(ctx, feed.ID, o.Result); err != nil {
			t.Fatal(err)
		}
		got := feedByURL(t, db, moved.URL).State.LastError
		if i >= 2 && got != want {
			t.Errorf("after fetch %d: LastError %q, want %q", i+1, got, want)
		}
	}
}
