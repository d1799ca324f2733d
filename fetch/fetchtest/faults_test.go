package fetchtest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"tidings/fetch/fetchtest"
)

// TestFaults checks what each fault that answers promptly serves.
func TestFaults(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Format: fetchtest.Atom})
	notFeed := func(t *testing.T, body []byte) {
		if _, err := parseErr(body); err == nil {
			t.Errorf("gofeed parsed a body that should not be a feed: %.200s", body)
		}
	}
	for _, tc := range []struct {
		fault    fetchtest.Fault
		status   int
		ctype    string
		location string // Location, for redirects
		header   map[string]string
		check    func(*testing.T, []byte)
	}{
		{fault: fetchtest.FaultMalformedXML, status: 200, ctype: "application/rss+xml", check: func(t *testing.T, b []byte) {
			if !bytes.Contains(b, []byte("</titl>")) {
				t.Errorf("malformed body is not malformed: %s", b)
			}
		}},
		{fault: fetchtest.FaultHTML, status: 200, ctype: "text/html", check: func(t *testing.T, b []byte) {
			notFeed(t, b)
			if bytes.Contains(b, []byte("alternate")) {
				t.Errorf("the plain HTML page advertises a feed")
			}
		}},
		{fault: fetchtest.FaultJSONNotFeed, status: 200, ctype: "application/json", check: func(t *testing.T, b []byte) {
			// gofeed takes any JSON object for a JSON Feed; what marks
			// this one as not a feed is its missing version.
			if f, err := gofeedParse(b); err == nil && (f.FeedVersion != "" || len(f.Items) != 0) {
				t.Errorf("JSON parses as a feed of version %q with %d items", f.FeedVersion, len(f.Items))
			}
		}},
		{fault: fetchtest.FaultImage, status: 200, ctype: "image/png", check: func(t *testing.T, b []byte) {
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("not a PNG: %v", err)
			}
		}},
		{fault: fetchtest.FaultEmpty, status: 200, ctype: "application/rss+xml", check: func(t *testing.T, b []byte) {
			if len(b) != 0 {
				t.Errorf("body of %d bytes", len(b))
			}
		}},
		{fault: fetchtest.FaultRedirectLoop, status: 302, location: "/fault/redirect-loop/b"},
		{fault: fetchtest.FaultRedirectChain, status: 302, location: "/fault/redirect-chain/9"},
		{fault: fetchtest.FaultMovedPermanently, status: 301, location: s.URL(0)},
		{fault: fetchtest.FaultPermanentRedirect, status: 308, location: s.URL(0)},
		{fault: fetchtest.FaultFound, status: 302, location: s.URL(0)},
		{fault: fetchtest.FaultTemporaryRedirect, status: 307, location: s.URL(0)},
		{fault: fetchtest.FaultGone, status: 410},
		{fault: fetchtest.FaultTooManyRequests, status: 429, header: map[string]string{"Retry-After": "120"}},
		{fault: fetchtest.FaultUnavailable, status: 503},
		{fault: fetchtest.FaultNotFound, status: 404},
		{fault: fetchtest.FaultServerError, status: 500},
		{fault: fetchtest.FaultInvalidUTF8, status: 200, ctype: "application/rss+xml", check: func(t *testing.T, b []byte) {
			if utf8.Valid(b) {
				t.Errorf("body is valid UTF-8")
			}
		}},
		{fault: fetchtest.FaultMissingFields, status: 200, ctype: "application/rss+xml", check: func(t *testing.T, b []byte) {
			f := parse(t, b)
			var noGUID, noLink, noTitle, none int
			for _, it := range f.Items {
				if it.GUID == "" {
					noGUID++
				}
				if it.Link == "" {
					noLink++
				}
				if it.Title == "" {
					noTitle++
				}
				if it.GUID == "" && it.Link == "" && it.Title == "" {
					none++
				}
			}
			if noGUID < 1 || noLink < 1 || noTitle < 1 || none != 2 {
				t.Errorf("items without guid %d, link %d, title %d, any %d", noGUID, noLink, noTitle, none)
			}
		}},
		{fault: fetchtest.FaultDuplicateGUIDs, status: 200, ctype: "application/rss+xml", check: func(t *testing.T, b []byte) {
			f := parse(t, b)
			if len(f.Items) != 3 || f.Items[0].GUID != f.Items[2].GUID || f.Items[0].Link == f.Items[2].Link {
				t.Errorf("want three items sharing one guid with distinct links")
			}
		}},
		{fault: fetchtest.FaultHostile, status: 200, ctype: "application/atom+xml", check: hostile},
		{fault: fetchtest.FaultHostileRSS, status: 200, ctype: "application/rss+xml", check: hostile},
		{fault: fetchtest.FaultRelativeURLs, status: 200, ctype: "application/atom+xml", check: func(t *testing.T, b []byte) {
			f := parse(t, b)
			if len(f.Items) != 2 || strings.Contains(f.Items[0].Link, "://") {
				t.Errorf("want 2 items with relative links, got %d (first link %q)", len(f.Items), f.Items[0].Link)
			}
			if !bytes.Contains(b, []byte(`xml:base="/blog/"`)) || !bytes.Contains(b, []byte(`src=&#34;//`)) && !bytes.Contains(b, []byte(`src="//`)) {
				t.Errorf("lacks a relative xml:base or a protocol-relative URL")
			}
		}},
		{fault: fetchtest.FaultRelativeRSS, status: 200, ctype: "application/rss+xml", check: func(t *testing.T, b []byte) {
			f := parse(t, b)
			if len(f.Items) != 2 || f.Items[0].Link != "/posts/1/" || f.Items[1].Link != "//www.example.com/posts/2" {
				t.Errorf("want a relative and a protocol-relative item link, got %d items", len(f.Items))
			}
		}},
		{fault: fetchtest.FaultWindows1252, status: 200, ctype: "application/rss+xml", check: func(t *testing.T, b []byte) {
			decoded, err := charmap.Windows1252.NewDecoder().Bytes(b)
			if err != nil || !bytes.Contains(decoded, []byte(fetchtest.EncodedTitle)) || utf8.Valid(b) {
				t.Errorf("not the title in windows-1252 (err %v)", err)
			}
			if !bytes.Contains(b, []byte(`encoding="windows-1252"`)) {
				t.Errorf("prolog does not declare windows-1252")
			}
		}},
		{fault: fetchtest.FaultLatin1Header, status: 200, ctype: "application/rss+xml; charset=iso-8859-1", check: func(t *testing.T, b []byte) {
			decoded, err := charmap.ISO8859_1.NewDecoder().Bytes(b)
			if err != nil || !bytes.Contains(decoded, []byte(fetchtest.Latin1Title)) || utf8.Valid(b) {
				t.Errorf("not the title in iso-8859-1 (err %v)", err)
			}
			if bytes.Contains(b, []byte("encoding=")) {
				t.Errorf("prolog declares an encoding: only the header should")
			}
		}},
		{fault: fetchtest.FaultUTF16, status: 200, ctype: "application/rss+xml", check: func(t *testing.T, b []byte) {
			if !bytes.HasPrefix(b, []byte{0xFF, 0xFE}) {
				t.Fatalf("no UTF-16LE byte order mark")
			}
			dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
			decoded, err := dec.Bytes(b)
			if err != nil || !bytes.Contains(decoded, []byte(fetchtest.EncodedTitle)) {
				t.Errorf("not the title in UTF-16 (err %v)", err)
			}
		}},
		{fault: fetchtest.FaultPageWithLinks, status: 200, ctype: "text/html", check: func(t *testing.T, b []byte) {
			notFeed(t, b)
			for _, u := range s.DiscoveryLinks() {
				path := u[strings.Index(u[len("http://"):], "/")+len("http://"):]
				if !bytes.Contains(b, []byte(`href="`+path+`"`)) {
					t.Errorf("page does not link %s", path)
				}
			}
		}},
		{fault: fetchtest.FaultPageWithoutLinks, status: 200, ctype: "text/html", check: func(t *testing.T, b []byte) {
			notFeed(t, b)
			if bytes.Contains(b, []byte("alternate")) {
				t.Errorf("page advertises a feed")
			}
			_, feed := get(t, s.DiscoveredFeedURL(), nil)
			if f := parse(t, feed); f.Title != "Discovered feed" || len(f.Items) == 0 {
				t.Errorf("/feed: title %q, %d items", f.Title, len(f.Items))
			}
		}},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			resp, body := get(t, s.FaultURL(tc.fault), nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("Content-Type %q, want %q", ct, tc.ctype)
			}
			if tc.location != "" && resp.Header.Get("Location") != tc.location {
				t.Errorf("Location %q, want %q", resp.Header.Get("Location"), tc.location)
			}
			for k, v := range tc.header {
				if resp.Header.Get(k) != v {
					t.Errorf("%s: %q, want %q", k, resp.Header.Get(k), v)
				}
			}
			if tc.check != nil {
				tc.check(t, body)
			}
		})
	}
}

func parseErr(body []byte) (any, error) {
	defer func() { _ = recover() }()
	return gofeedParse(body)
}

func hostile(t *testing.T, b []byte) {
	f := parse(t, b)
	all := f.Title
	for _, it := range f.Items {
		all += it.Title + it.Content + it.Description + it.Link
	}
	for _, h := range []string{"<script", "onerror", "javascript:", "<iframe", "data:"} {
		if !strings.Contains(strings.ToLower(all), h) {
			t.Errorf("hostile feed lacks %s", h)
		}
	}
	if !bytes.Contains(b, []byte(`xml:base="javascript:`)) && bytes.Contains(b, []byte("<feed")) {
		t.Errorf("hostile Atom feed lacks a javascript: xml:base")
	}
}

func TestUnavailableRetryAfterIsADate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := fetchtest.NewServer(t, fetchtest.Options{NoFeeds: true, Now: func() time.Time { return now }})
	resp, _ := get(t, s.FaultURL(fetchtest.FaultUnavailable), nil)
	at, err := http.ParseTime(resp.Header.Get("Retry-After"))
	if err != nil || !at.Equal(now.Add(fetchtest.UnavailableRetryAfter)) {
		t.Errorf("Retry-After %q (%v), want %v", resp.Header.Get("Retry-After"), err, now.Add(fetchtest.UnavailableRetryAfter))
	}
	if s.Len() != 0 || s.RedirectTarget() != s.DiscoveredFeedURL() {
		t.Errorf("a server without feeds redirects to %s, want %s", s.RedirectTarget(), s.DiscoveredFeedURL())
	}
}

func TestRedirectsEndAtTheTarget(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1})
	var hops int
	c := &http.Client{CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		hops = len(via)
		if len(via) > 20 {
			return errors.New("too many")
		}
		return nil
	}}
	resp, err := c.Get(s.FaultURL(fetchtest.FaultRedirectChain))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hops != fetchtest.RedirectChainHops || resp.Request.URL.String() != s.URL(0) {
		t.Errorf("chain: %d hops to %s, want %d to %s", hops, resp.Request.URL, fetchtest.RedirectChainHops, s.URL(0))
	}
	if _, err := c.Get(s.FaultURL(fetchtest.FaultRedirectLoop)); err == nil {
		t.Errorf("redirect loop ended")
	}
	resp, err = c.Get(s.RedirectChainURL(2))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hops != 2 {
		t.Errorf("RedirectChainURL(2) made %d hops", hops)
	}
}

func TestHugeFeed(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{NoFeeds: true})
	_, body := get(t, s.FaultURL(fetchtest.FaultHugeFeed), nil)
	if len(body) > 16<<20 {
		t.Errorf("huge feed is %d bytes: more than the default 16 MiB body cap", len(body))
	}
	if n := bytes.Count(body, []byte("<item>")); n != fetchtest.HugeFeedItems {
		t.Errorf("%d items, want %d", n, fetchtest.HugeFeedItems)
	}
	if !bytes.HasSuffix(body, []byte("</channel></rss>\n")) {
		t.Errorf("huge feed does not end its document")
	}
}

// readSome reads up to n bytes of u and drops the connection.
func readSome(t *testing.T, u string, n int64, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, n))
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestEndlessBody(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{NoFeeds: true})
	_, b := readSome(t, s.FaultURL(fetchtest.FaultEndless), 4<<20, nil)
	if len(b) != 4<<20 || bytes.Count(b, []byte("<item>")) < 1000 {
		t.Errorf("read %d bytes, want 4 MiB of items", len(b))
	}
	// The handler stops when the client goes away: Close (at cleanup)
	// would otherwise wait forever.
}

func TestGzipBomb(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{NoFeeds: true})
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Get(s.FaultURL(fetchtest.FaultGzipBomb))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	if resp.ContentLength > 8<<20 {
		t.Errorf("bomb is %d bytes compressed: should be small", resp.ContentLength)
	}
	ratio := float64(fetchtest.GzipBombSize) / float64(resp.ContentLength)
	if ratio < 500 {
		t.Errorf("compression ratio %.0f, want > 500", ratio)
	}
	counted := &countReader{r: resp.Body}
	zr, err := gzip.NewReader(counted)
	if err != nil {
		t.Fatal(err)
	}
	const want = 16 << 20
	n, err := io.Copy(io.Discard, io.LimitReader(zr, want))
	if err != nil || n != want {
		t.Fatalf("inflated %d bytes (err %v), want %d", n, err, want)
	}
	if counted.n > 1<<20 {
		t.Errorf("read %d compressed bytes to inflate 16 MiB", counted.n)
	}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestHangEndsWithTheClient(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{NoFeeds: true})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.FaultURL(fetchtest.FaultHang), nil)
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the client's deadline", err)
	}
}

func TestHangEndsWithTheServer(t *testing.T) {
	s := fetchtest.New(fetchtest.Options{NoFeeds: true})
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Get(s.FaultURL(fetchtest.FaultHang))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for s.Stats().Requests == 0 {
		time.Sleep(time.Millisecond)
	}
	s.Close() // returns only once the hanging handler has
	if err := <-errc; err == nil {
		t.Errorf("a hanging request succeeded")
	}
}

func TestSlow(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{NoFeeds: true, SlowInterval: 50 * time.Microsecond})
	_, body := get(t, s.FaultURL(fetchtest.FaultSlow), nil)
	if f := parse(t, body); len(f.Items) != 1 {
		t.Errorf("slow feed: %d items, want 1", len(f.Items))
	}
	// At the default pace a client with a deadline gets a few bytes only.
	s2 := fetchtest.NewServer(t, fetchtest.Options{NoFeeds: true})
	ctx, cancel := context.WithTimeout(t.Context(), 1200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s2.FaultURL(fetchtest.FaultSlow), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil || len(b) > 10 {
		t.Errorf("read %d bytes (err %v): want a few bytes, then the deadline", len(b), err)
	}
}

func TestFaultsListIsComplete(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{NoFeeds: true})
	seen := map[fetchtest.Fault]bool{}
	for _, f := range fetchtest.Faults() {
		if seen[f] {
			t.Errorf("%s listed twice", f)
		}
		seen[f] = true
	}
	resp, _ := get(t, s.FaultURL("no-such-fault"), nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown fault: status %d, want 404", resp.StatusCode)
	}
}

func gofeedParse(body []byte) (*gofeed.Feed, error) {
	return gofeed.NewParser().Parse(bytes.NewReader(body))
}
