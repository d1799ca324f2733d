package fetchtest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"tidings/fetch/fetchtest"
)

// get fetches u with the given request headers and returns the response
// and its whole body. Compression is left to the caller.
func get(t *testing.T, u string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// A transport of our own: no transparent gzip, no redirects followed.
	c := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", u, err)
	}
	return resp, body
}

func parse(t *testing.T, body []byte) *gofeed.Feed {
	t.Helper()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gofeed cannot parse the body: %v\n%.500s", err, body)
	}
	return f
}

func TestServesEveryFormat(t *testing.T) {
	for _, tc := range []struct {
		format   fetchtest.Format
		want     fetchtest.Format // format of feed 1
		ctype    string
		feedType string
	}{
		{fetchtest.RSS, fetchtest.RSS, "application/rss+xml", "rss"},
		{fetchtest.Atom, fetchtest.Atom, "application/atom+xml", "atom"},
		{fetchtest.JSON, fetchtest.JSON, "application/feed+json", "json"},
		{fetchtest.Mixed, fetchtest.Atom, "application/atom+xml", "atom"},
		{fetchtest.MixedXML, fetchtest.Atom, "application/atom+xml", "atom"},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			s := fetchtest.NewServer(t, fetchtest.Options{Feeds: 3, Items: 7, Format: tc.format})
			if got := s.FeedFormat(1); got != tc.want {
				t.Fatalf("FeedFormat(1) = %s, want %s", got, tc.want)
			}
			resp, body := get(t, s.URL(1), nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("Content-Type %q, want %s", ct, tc.ctype)
			}
			f := parse(t, body)
			if f.FeedType != tc.feedType {
				t.Errorf("feed type %q, want %q", f.FeedType, tc.feedType)
			}
			if f.Title != s.FeedTitle(1) {
				t.Errorf("title %q, want %q", f.Title, s.FeedTitle(1))
			}
			guids := s.ItemGUIDs(1)
			if len(f.Items) != 7 || len(guids) != 7 {
				t.Fatalf("%d items parsed, %d GUIDs listed, want 7", len(f.Items), len(guids))
			}
			for k, it := range f.Items {
				if it.GUID != guids[k] {
					t.Errorf("item %d GUID %q, want %q", k, it.GUID, guids[k])
				}
				if it.PublishedParsed == nil || it.Link == "" || it.Title == "" {
					t.Errorf("item %d lacks a date, link or title: %+v", k, it)
				}
				// Realistic bodies: paragraphs, a link and an image, 1-2 KB.
				if n := len(it.Content); n < 800 || n > 2500 {
					t.Errorf("item %d content is %d bytes, want about 1-2 KB", k, n)
				}
				for _, want := range []string{"<p>", "<a href=", "<img src="} {
					if !strings.Contains(it.Content, want) {
						t.Errorf("item %d content lacks %s", k, want)
					}
				}
			}
			if k := len(f.Items) - 1; !f.Items[0].PublishedParsed.After(*f.Items[k].PublishedParsed) {
				t.Errorf("items not newest first")
			}
		})
	}
}

func TestBodiesAreDeterministic(t *testing.T) {
	o := fetchtest.Options{Feeds: 2, Format: fetchtest.Mixed, Seed: 7, Port: 0}
	a := fetchtest.NewServer(t, o)
	b := fetchtest.NewServer(t, o)
	for i := range 2 {
		ra, ba := get(t, a.URL(i), nil)
		rb, bb := get(t, b.URL(i), nil)
		// Links carry the port; compare with the hosts swapped out.
		ba = bytes.ReplaceAll(ba, []byte(a.Hosts()[0]), []byte("H"))
		bb = bytes.ReplaceAll(bb, []byte(b.Hosts()[0]), []byte("H"))
		if !bytes.Equal(ba, bb) {
			t.Errorf("feed %d: two servers with the same options serve different bodies", i)
		}
		if ra.Header.Get("ETag") != rb.Header.Get("ETag") || ra.Header.Get("Last-Modified") != rb.Header.Get("Last-Modified") {
			t.Errorf("feed %d: validators differ between identical servers", i)
		}
	}
}

func TestConditionalGet(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2})
	resp, _ := get(t, s.URL(0), nil)
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm == "" || etag != s.ETag(0) {
		t.Fatalf("validators: ETag %q (want %q), Last-Modified %q", etag, s.ETag(0), lm)
	}
	lmTime, _ := http.ParseTime(lm)
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"none", nil, 200},
		{"matching etag", map[string]string{"If-None-Match": etag}, 304},
		{"weak matching etag", map[string]string{"If-None-Match": "W/" + etag}, 304},
		{"etag in a list", map[string]string{"If-None-Match": `"x", ` + etag}, 304},
		{"other etag", map[string]string{"If-None-Match": `"other"`}, 200},
		{"other etag wins over date", map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": lm}, 200},
		{"same date", map[string]string{"If-Modified-Since": lm}, 304},
		{"later date", map[string]string{"If-Modified-Since": lmTime.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"earlier date", map[string]string{"If-Modified-Since": lmTime.Add(-time.Second).Format(http.TimeFormat)}, 200},
		{"garbage date", map[string]string{"If-Modified-Since": "yesterday"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, s.URL(0), tc.header)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == 304 && len(body) != 0 {
				t.Errorf("304 with a %d-byte body", len(body))
			}
			if resp.Header.Get("ETag") != etag {
				t.Errorf("ETag %q, want %q", resp.Header.Get("ETag"), etag)
			}
		})
	}
	// Feed 1 was never asked for; its validators are its own.
	if s.ETag(1) == etag {
		t.Errorf("feeds 0 and 1 share an ETag")
	}
}

func TestAddItemsChangesValidators(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: 5, Format: fetchtest.Mixed})
	for i := range 2 {
		resp, body := get(t, s.URL(i), nil)
		etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		before := parse(t, body)
		s.AddItems(i, 2)
		if s.TotalItems(i) != 7 {
			t.Errorf("TotalItems = %d, want 7", s.TotalItems(i))
		}
		resp, body = get(t, s.URL(i), map[string]string{"If-None-Match": etag})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("feed %d: status %d after AddItems with the old ETag, want 200", i, resp.StatusCode)
		}
		if resp.Header.Get("ETag") == etag || resp.Header.Get("Last-Modified") == lm {
			t.Errorf("feed %d: validators unchanged after AddItems", i)
		}
		resp, _ = get(t, s.URL(i), map[string]string{"If-Modified-Since": lm})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("feed %d: status %d with the old Last-Modified, want 200", i, resp.StatusCode)
		}
		after := parse(t, body)
		// The window slides: two new items on top, the two oldest gone.
		if len(after.Items) != 5 {
			t.Fatalf("%d items, want 5", len(after.Items))
		}
		if after.Items[2].GUID != before.Items[0].GUID {
			t.Errorf("old newest item %q should now be third, got %q", before.Items[0].GUID, after.Items[2].GUID)
		}
		for _, it := range after.Items[:2] {
			for _, old := range before.Items {
				if it.GUID == old.GUID {
					t.Errorf("new item reuses GUID %q", it.GUID)
				}
			}
		}
		// Unchanged feed stays unchanged.
		resp, _ = get(t, s.URL(i), map[string]string{"If-None-Match": s.ETag(i)})
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("status %d with the new ETag, want 304", resp.StatusCode)
		}
	}
	s.AddItemsAll(1)
	if s.TotalItems(0) != 8 || s.TotalItems(1) != 8 {
		t.Errorf("AddItemsAll(1): totals %d, %d, want 8, 8", s.TotalItems(0), s.TotalItems(1))
	}
}

func TestCounters(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{Feeds: 4, Addrs: fetchtest.LoopbackAddrs(2)})
	if len(s.Hosts()) != 2 || !strings.HasPrefix(s.URL(1), "http://127.0.0.3:") {
		t.Fatalf("hosts %v, URL(1) %s: want feed 1 on 127.0.0.3", s.Hosts(), s.URL(1))
	}
	var sent int64
	for _, u := range s.URLs() {
		_, body := get(t, u, nil)
		sent += int64(len(body))
	}
	get(t, s.URL(2), map[string]string{"If-None-Match": s.ETag(2)})
	get(t, s.FaultURL(fetchtest.FaultNotFound), nil)
	st := s.Stats()
	if st.Requests != 6 || st.NotModified != 1 {
		t.Errorf("requests %d, 304s %d; want 6, 1", st.Requests, st.NotModified)
	}
	if st.BytesSent < sent {
		t.Errorf("bytes sent %d, want at least %d", st.BytesSent, sent)
	}
	if s.FeedRequests(2) != 2 || s.FeedRequests(3) != 1 {
		t.Errorf("per-feed requests %d, %d; want 2, 1", s.FeedRequests(2), s.FeedRequests(3))
	}
	if s.HostRequests(0) != 4 || s.HostRequests(1) != 2 {
		t.Errorf("per-host requests %d, %d; want 4, 2", s.HostRequests(0), s.HostRequests(1))
	}
	// Feed 1 lives on the second host only.
	wrong := strings.Replace(s.URL(1), s.Hosts()[1], s.Hosts()[0], 1)
	if resp, _ := get(t, wrong, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("feed 1 on the wrong host: status %d, want 404", resp.StatusCode)
	}
	s.ResetStats()
	if st := s.Stats(); st.Requests != 0 || st.BytesSent != 0 || s.FeedRequests(2) != 0 {
		t.Errorf("after ResetStats: %+v", st)
	}
}

func TestMaxConcurrency(t *testing.T) {
	// Each request waits in OnRequest (counted in flight already) until
	// all four are in: they overlap by construction, not by a latency
	// that a loaded machine could outlast.
	const requests = 4
	var (
		mu      sync.Mutex
		arrived int
		allIn   = make(chan struct{})
	)
	s := fetchtest.NewServer(t, fetchtest.Options{Feeds: 6, Addrs: fetchtest.LoopbackAddrs(2), OnRequest: func(r *http.Request) {
		mu.Lock()
		if arrived++; arrived == requests {
			close(allIn)
		}
		mu.Unlock()
		select {
		case <-allIn:
		case <-r.Context().Done():
		}
	}})
	var wg sync.WaitGroup
	start := make(chan struct{})
	// Feeds 0, 2, 4 are on host 0; 1, 3, 5 on host 1.
	for _, i := range []int{0, 2, 4, 1} {
		wg.Go(func() {
			<-start
			get(t, s.URL(i), nil)
		})
	}
	close(start)
	wg.Wait()
	st := s.Stats()
	if st.MaxConcurrent != requests {
		t.Errorf("MaxConcurrent = %d, want %d", st.MaxConcurrent, requests)
	}
	if st.MaxConcurrentPerHost != 3 {
		t.Errorf("MaxConcurrentPerHost = %d, want 3 (feeds 0, 2 and 4)", st.MaxConcurrentPerHost)
	}
}

func TestGzip(t *testing.T) {
	s := fetchtest.NewServer(t, fetchtest.Options{Gzip: true, Items: 20})
	s.Prepare() // bodies rendered ahead must be the ones served
	plainResp, plain := get(t, s.URL(0), nil)
	if plainResp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("gzip sent to a client that did not ask for it")
	}
	resp, body := get(t, s.URL(0), map[string]string{"Accept-Encoding": "gzip, br"})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	if len(body) >= len(plain)/2 {
		t.Errorf("gzip body %d bytes, plain %d: not compressed", len(body), len(plain))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, plain) {
		t.Errorf("gunzipped body differs from the plain one (err %v)", err)
	}
	if resp.Header.Get("ETag") != plainResp.Header.Get("ETag") {
		t.Errorf("ETag changes with the encoding")
	}
	if resp, _ := get(t, s.URL(0), map[string]string{"Accept-Encoding": "gzip;q=0"}); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip sent despite q=0")
	}
}

func TestOnRequestAndLatencyCancel(t *testing.T) {
	var mu sync.Mutex
	var agents []string
	s := fetchtest.NewServer(t, fetchtest.Options{Latency: time.Hour, OnRequest: func(r *http.Request) {
		mu.Lock()
		agents = append(agents, r.UserAgent())
		mu.Unlock()
	}})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL(0), nil)
	req.Header.Set("User-Agent", "probe/1")
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the client's deadline: latency should hold the answer", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(agents) != 1 || agents[0] != "probe/1" {
		t.Errorf("OnRequest saw %v", agents)
	}
	// Close must not wait an hour: the sleeping handler ends with the
	// request.
	s.Close()
}
