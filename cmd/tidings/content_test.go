package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
)

// contentServer serves on 127.0.0.1 two summary-only feeds, /full.rss and
// /plain.rss, whose items link to a page with an article (/village), a
// page without one (/nav) and, in full.rss, a page that fails (/gone); the
// first item of each has an unreadable date.
func contentServer(t *testing.T) string {
	t.Helper()
	village, err := os.ReadFile("../../fetch/testdata/article/village.html")
	if err != nil {
		t.Fatal(err)
	}
	nav, err := os.ReadFile("../../fetch/testdata/article/nav.html")
	if err != nil {
		t.Fatal(err)
	}
	var base string
	rss := func(name string, paths ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var b strings.Builder
			fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>%s/</link>`, name, base)
			for i, p := range paths {
				date := fmt.Sprintf("Fri, %02d Nov 2026 08:00:00 GMT", 20+i)
				if i == 0 {
					date = "the day before yesterday"
				}
				fmt.Fprintf(&b, `<item><title>%s %d</title><link>%s%s</link><guid>%s-%d</guid><pubDate>%s</pubDate>
					<description>Only a summary of %s %d.</description></item>`, name, i, base, p, name, i, date, name, i)
			}
			b.WriteString("</channel></rss>")
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, b.String())
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/full.rss", rss("Full", "/village", "/nav", "/gone"))
	mux.HandleFunc("/plain.rss", rss("Plain", "/village", "/nav"))
	mux.HandleFunc("/village", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(village)
	})
	mux.HandleFunc("/nav", func(w http.ResponseWriter, r *http.Request) { w.Write(nav) })
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	base = serveLoopback(t, mux)
	return base
}

// jsonLines decodes one JSON object per line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		rows = append(rows, m)
	}
	return rows
}

// feedJSON returns feeds --json's object for url.
func (h *harness) feedJSON(url string) map[string]any {
	h.t.Helper()
	for _, f := range jsonLines(h.t, h.mustRun(exitOK, "feeds", "--json").stdout) {
		if f["url"] == url {
			return f
		}
	}
	h.t.Fatalf("feeds --json has no %s", url)
	return nil
}

// itemID returns the ID of the item titled title, from items --json.
func (h *harness) itemID(title string) string {
	h.t.Helper()
	for _, it := range jsonLines(h.t, h.mustRun(exitOK, "items", "--json").stdout) {
		if it["title"] == title {
			return strconv.FormatFloat(it["id"].(float64), 'f', 0, 64)
		}
	}
	h.t.Fatalf("no item titled %q", title)
	return ""
}

func TestCLIFullContent(t *testing.T) {
	base := contentServer(t)
	h := newHarness(t, privateConfig)
	full, plain := base+"/full.rss", base+"/plain.rss"

	r := h.mustRun(exitOK, "add", "--full-content", full)
	for _, want := range []string{": 3 items.\n", "Fetched the whole article of 1 item.\n",
		"2 of the 3 whole articles of the last fetch could not be had (those items keep the feed's text); the last: article "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("add --full-content output lacks %q:\n%s", want, r.stdout)
		}
	}
	h.mustRun(exitOK, "add", plain)

	r = h.mustRun(exitOK, "feeds")
	for _, want := range []string{"full content", "1 item with an unreadable date (dated when first seen)",
		"2 of the 3 whole articles of the last fetch could not be had"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("feeds lacks %q:\n%s", want, r.stdout)
		}
	}
	f := h.feedJSON(full)
	if f["full_content"] != true || f["unreadable_dates"] != 1.0 || !strings.Contains(fmt.Sprint(f["article_error"]), "2 of the 3") {
		t.Errorf("feeds --json of the full feed: full_content %v, unreadable_dates %v, article_error %v; want true, 1, 2 of 3 failed",
			f["full_content"], f["unreadable_dates"], f["article_error"])
	}
	if p := h.feedJSON(plain); p["full_content"] != false || p["article_error"] != nil || p["unreadable_dates"] != 1.0 {
		t.Errorf("feeds --json of the plain feed: %v", p)
	}

	// show prints the stored article instead of the summary.
	id := h.itemID("Full 0")
	r = h.mustRun(exitOK, "show", "--keep-unread", id)
	if !strings.Contains(r.stdout, "The river had been rising for three days") || strings.Contains(r.stdout, "Only a summary") {
		t.Errorf("show of an item with its article:\n%s", r.stdout)
	}
	j := jsonLines(t, h.mustRun(exitOK, "show", "--json", id).stdout)[0]
	if j["content_from"] != "article" || j["article_url"] != base+"/village" ||
		!strings.Contains(fmt.Sprint(j["content"]), "The river had been rising") {
		t.Errorf("show --json: content_from %v, article_url %v", j["content_from"], j["article_url"])
	}
	// The one without an article shows the summary.
	r = h.mustRun(exitOK, "show", h.itemID("Full 1"))
	if !strings.Contains(r.stdout, "Only a summary of Full 1.") {
		t.Errorf("show of an item whose page has no article:\n%s", r.stdout)
	}

	// show --full on a feed that does not ask: fetched now and stored.
	pid := h.itemID("Plain 0")
	if r := h.mustRun(exitOK, "show", pid); !strings.Contains(r.stdout, "Only a summary of Plain 0.") {
		t.Errorf("show before --full:\n%s", r.stdout)
	}
	r = h.mustRun(exitOK, "show", "--full", pid)
	if !strings.Contains(r.stdout, "The river had been rising for three days") {
		t.Errorf("show --full:\n%s", r.stdout)
	}
	if r := h.mustRun(exitOK, "show", pid); !strings.Contains(r.stdout, "The river had been rising") {
		t.Errorf("show after --full does not show the stored article:\n%s", r.stdout)
	}
	r = h.mustRun(exitOK, "show", "--full", h.itemID("Plain 1"))
	if !strings.HasPrefix(r.stdout, "No whole article: article "+base+"/nav: no article found on the page") ||
		!strings.Contains(r.stdout, "Only a summary of Plain 1.") {
		t.Errorf("show --full of a page without an article:\n%s", r.stdout)
	}

	// edit turns it off and on.
	r = h.mustRun(exitOK, "edit", "--no-full-content", full)
	if !strings.HasPrefix(r.stdout, "Changed ") {
		t.Errorf("edit --no-full-content: %q", r.stdout)
	}
	if f := h.feedJSON(full); f["full_content"] != false {
		t.Errorf("full_content %v after --no-full-content", f["full_content"])
	}
	h.mustRun(exitOK, "edit", "--full-content", "--title", "Whole", plain)
	if p := h.feedJSON(plain); p["full_content"] != true || p["title"] != "Whole" {
		t.Errorf("after edit --full-content --title: full_content %v, title %v", p["full_content"], p["title"])
	}
	r = h.mustRun(exitUsage, "edit", "--full-content", "--no-full-content", plain)
	if !strings.Contains(r.stderr, "contradict") {
		t.Errorf("both flags: %q", r.stderr)
	}
	if r := h.mustRun(exitUsage, "edit", plain); !strings.Contains(r.stderr, "--full-content") {
		t.Errorf("edit with nothing to change: %q", r.stderr)
	}
	if r := h.mustRun(exitFailure, "edit", "--full-content", base+"/unknown.rss"); r.stderr == "" {
		t.Error("edit of an unknown feed says nothing")
	}
}

// TestCLIFullContentDeclared: [[feed]] full_content sets it, edit refuses
// to change a declared feed's, and a fetch brings the articles.
func TestCLIFullContentDeclared(t *testing.T) {
	base := contentServer(t)
	cfg := privateConfig + fmt.Sprintf("\n[[feed]]\nurl = %q\nfull_content = true\n\n[[feed]]\nurl = %q\n", base+"/full.rss", base+"/plain.rss")
	h := newHarness(t, cfg)
	if f := h.feedJSON(base + "/full.rss"); f["full_content"] != true {
		t.Errorf("declared full_content = true: feeds --json says %v", f["full_content"])
	}
	if f := h.feedJSON(base + "/plain.rss"); f["full_content"] != false {
		t.Errorf("declared without full_content: feeds --json says %v", f["full_content"])
	}
	r := h.mustRun(exitFailure, "edit", "--no-full-content", base+"/full.rss")
	if !strings.Contains(r.stderr, "config.toml at line") {
		t.Errorf("edit of a declared feed: %q", r.stderr)
	}
	h.mustRun(exitOK, "fetch")
	if r := h.mustRun(exitOK, "show", h.itemID("Full 0")); !strings.Contains(r.stdout, "The river had been rising") {
		t.Errorf("a declared full-content feed's item after fetch:\n%s", r.stdout)
	}
	if r := h.mustRun(exitOK, "show", h.itemID("Plain 0")); !strings.Contains(r.stdout, "Only a summary of Plain 0.") {
		t.Errorf("a declared summary feed's item after fetch:\n%s", r.stdout)
	}

	// The block loses the key: off at the next start.
	if err := os.WriteFile(h.configPath, []byte("database = \"tidings.db\"\n"+privateConfig+
		fmt.Sprintf("\n[[feed]]\nurl = %q\n\n[[feed]]\nurl = %q\n", base+"/full.rss", base+"/plain.rss")), 0o644); err != nil {
		t.Fatal(err)
	}
	if f := h.feedJSON(base + "/full.rss"); f["full_content"] != false {
		t.Errorf("after the key went: full_content %v", f["full_content"])
	}
}

// serveLoopback serves h on 127.0.0.1 until the test ends.
func serveLoopback(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}
