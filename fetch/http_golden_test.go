package fetch_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tidings/fetch"
)

// TestFailureMessagesGolden fetches one feed per kind of failure from real
// loopback servers and compares what the user is told (the feed's
// LastError) with testdata/http/messages.golden, which lists them all for
// review. Run with -update to rewrite it.
func TestFailureMessagesGolden(t *testing.T) {
	bomb := htBomb() // made before any fetch starts its timeout
	mux := http.NewServeMux()
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
	}
	for _, code := range []int{401, 403, 404, 410, 429, 500, 502, 503} {
		mux.HandleFunc(fmt.Sprintf("/status/%d", code), status(code))
	}
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!DOCTYPE html><html><head><title>Blog</title></head><body>Hello</body></html>")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/image", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"not": "a feed"}`)
	})
	mux.HandleFunc("/large", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 2<<20)) })
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb)
	})
	mux.HandleFunc("/bad-gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3})
	})
	mux.HandleFunc("/compress", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "compress")
		w.Write([]byte("whatever"))
	})
	mux.HandleFunc("/gzip3", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip, gzip, gzip")
		w.Write([]byte("whatever"))
	})
	mux.HandleFunc("/huge-header", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", strings.Repeat("gzip,", 150_000))
		w.Write([]byte("whatever"))
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/hops/{n}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("n")
		http.Redirect(w, r, "/hops/"+n+"x", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.org/feed", http.StatusFound)
	})
	srv := htServe(t, "127.0.0.2", mux)
	private := htServe(t, "127.0.0.1", mux)
	_, privatePort, _ := net.SplitHostPort(private.Listener.Addr().String())
	mux.HandleFunc("/to-private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, private.URL+"/json", http.StatusFound)
	})

	closedL, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := closedL.Addr().String()
	closedL.Close()
	tlsSrv := httptest.NewUnstartedServer(mux)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.Listener.Close()
	if tlsSrv.Listener, err = net.Listen("tcp", "127.0.0.2:0"); err != nil {
		t.Fatal(err)
	}
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)

	cases := []struct{ name, url string }{
		{"401", srv.URL + "/status/401"},
		{"403", srv.URL + "/status/403"},
		{"404", srv.URL + "/status/404"},
		{"410", srv.URL + "/status/410"},
		{"429 without Retry-After", srv.URL + "/status/429"},
		{"500", srv.URL + "/status/500"},
		{"502", srv.URL + "/status/502"},
		{"503 without Retry-After", srv.URL + "/status/503"},
		{"HTML page", srv.URL + "/html"},
		{"empty body", srv.URL + "/empty"},
		{"image", srv.URL + "/image"},
		{"JSON that is not a feed", srv.URL + "/json"},
		{"larger than max_body", srv.URL + "/large"},
		{"gzip bomb", srv.URL + "/bomb"},
		{"broken gzip", srv.URL + "/bad-gzip"},
		{"unknown encoding", srv.URL + "/compress"},
		{"three content codings", srv.URL + "/gzip3"},
		{"huge response header", srv.URL + "/huge-header"},
		{"redirect loop", srv.URL + "/loop"},
		{"too many redirects", srv.URL + "/hops/x"},
		{"redirect to ftp", srv.URL + "/to-ftp"},
		{"redirect to a private address", srv.URL + "/to-private"},
		{"private address", private.URL + "/json"},
		{"localhost", "http://localhost:" + privatePort + "/json"},
		{"IPv4-mapped IPv6 loopback", "http://[::ffff:127.0.0.1]:" + privatePort + "/json"},
		{"never answers", "http://" + htSilent(t) + "/feed"},
		{"hangs up", "http://" + htHangUp(t) + "/feed"},
		{"connection refused", "http://" + closed + "/feed"},
		{"untrusted TLS certificate", tlsSrv.URL + "/json"},
		{"TLS to a plain HTTP port", "https://" + strings.TrimPrefix(srv.URL, "http://") + "/json"},
		{"not http", "gopher://example.org/feed"},
	}
	// Only the server that never answers meets the timeout, which it
	// meets whatever the machine's load; every other case has all the
	// time a loaded machine needs to give its own error.
	fetcher := func(timeout time.Duration) *fetch.Fetcher {
		return fetch.NewAllowing(fetch.Options{MaxBody: 1 << 20, Timeout: timeout, Now: func() time.Time { return htNow }},
			netip.MustParseAddr("127.0.0.2"))
	}
	f, silent := fetcher(time.Minute), fetcher(300*time.Millisecond)
	var got strings.Builder
	for _, c := range cases {
		ff := f
		if c.name == "never answers" {
			ff = silent
		}
		o := ff.Fetch(context.Background(), htFeed(c.url))
		msg := o.Result.State.LastError
		if msg == "" {
			t.Errorf("%s: no error", c.name)
		}
		for _, u := range []string{srv.URL, private.URL, tlsSrv.URL} {
			msg = strings.ReplaceAll(msg, strings.TrimPrefix(u, "http://"), "{host}")
			msg = strings.ReplaceAll(msg, strings.TrimPrefix(u, "https://"), "{host}")
		}
		fmt.Fprintf(&got, "%s\n\t%s\n", c.name, msg)
	}

	path := filepath.Join("testdata", "http", "messages.golden")
	if u := flag.Lookup("update"); u != nil && u.Value.String() == "true" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestFailureMessagesGolden -update to create it)", err)
	}
	if got.String() != string(want) {
		t.Errorf("messages differ from %s (run with -update if the change is meant):\n%s", path, got.String())
	}
}
