package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to write from Main and read from the
// test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMainServesAndControls(t *testing.T) {
	dir := t.TempDir()
	urlsPath, opmlPath := filepath.Join(dir, "urls.txt"), filepath.Join(dir, "feeds.opml")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	add := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"-feeds", "6", "-items", "3", "-hosts", "3", "-port", "0",
			"-control", "127.0.0.1:0", "-urls", urlsPath, "-opml", opmlPath}, &stdout, &stderr, add)
	}()
	ctlRe := regexp.MustCompile(`control (http://\S+)/stats`)
	var ctl string
	for ctl == "" {
		select {
		case err := <-done:
			t.Fatalf("Main returned early: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if m := ctlRe.FindStringSubmatch(stdout.String()); m != nil {
			ctl = m[1]
		}
	}

	b, err := os.ReadFile(urlsPath)
	if err != nil {
		t.Fatal(err)
	}
	urls := strings.Fields(string(b))
	if len(urls) != 6 || !strings.HasPrefix(urls[0], "http://127.0.0.2:") || !strings.HasPrefix(urls[2], "http://127.0.0.4:") {
		t.Fatalf("urls file: %q", urls)
	}
	var doc opmlDoc
	b, err = os.ReadFile(opmlPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &doc); err != nil || len(doc.Body) != 6 || doc.Body[5].XMLURL != urls[5] {
		t.Fatalf("OPML (err %v): %+v", err, doc)
	}

	resp, err := http.Get(urls[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" {
		t.Fatalf("feed: status %d, ETag %q", resp.StatusCode, etag)
	}

	resp, err = http.Post(ctl+"/add?n=1", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	add <- os.Interrupt // any signal on the channel adds 2 items per feed
	want := 6 * (3 + 1 + 2)
	var st statsJSON
	for st.ItemsPublished != want {
		resp, err = http.Get(ctl + "/stats")
		if err != nil {
			t.Fatal(err)
		}
		st = statsJSON{}
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if st.Feeds != 6 || st.Requests != 1 || st.BytesSent == 0 {
		t.Errorf("stats: %+v", st)
	}

	req, _ := http.NewRequest(http.MethodGet, urls[1], nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after adding items the old ETag got %d, want 200", resp.StatusCode)
	}

	// Without validators the current ETag gets the whole body, and no ETag.
	etag = resp.Header.Get("ETag")
	for _, c := range []struct {
		on         string
		wantStatus int
		wantETag   bool
	}{{"false", 200, false}, {"true", 304, true}} {
		resp, err = http.Post(ctl+"/validators?on="+c.on, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST /validators?on=%s: %d", c.on, resp.StatusCode)
		}
		req.Header.Set("If-None-Match", etag)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.wantStatus || (resp.Header.Get("ETag") != "") != c.wantETag {
			t.Errorf("validators on=%s: status %d, ETag %q; want %d, ETag sent %t",
				c.on, resp.StatusCode, resp.Header.Get("ETag"), c.wantStatus, c.wantETag)
		}
	}
	resp, err = http.Post(ctl+"/validators?on=maybe", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST /validators?on=maybe: %d, want 400", resp.StatusCode)
	}

	resp, err = http.Post(ctl+"/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Main: %v", err)
	}
	if !strings.Contains(stdout.String(), `stopped; {"feeds":6,"items_published":36,"requests":0`) {
		t.Errorf("exit line missing or wrong:\n%s", stdout.String())
	}
}

func TestMainUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-format", "yaml"},
		{"-feeds", "0"},
		{"-hosts", "300"},
		{"-nosuchflag"},
		{"extra"},
	} {
		var out bytes.Buffer
		err := Main(t.Context(), append(args, "-port", "0", "-control", "127.0.0.1:0"), &out, &out, nil)
		if !errors.Is(err, errUsage) {
			t.Errorf("%q: err %v, want a usage error", args, err)
		}
	}
}
