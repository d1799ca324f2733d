package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tidings/fetch/fetchtest"
	"tidings/store"
	"tidings/store/sqlite"
)

// privateConfig lets the fetcher reach the loopback test servers.
const privateConfig = "[fetch]\nallow_private_networks = true\ntimeout = \"5s\"\n"

func (h *harness) runCtx(ctx context.Context, terminal bool, stdin string, args ...string) result {
	var stdout, stderr bytes.Buffer
	c := &cli{
		stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		now:        func() time.Time { return testNow },
		isTerminal: func(any) bool { return terminal },
	}
	code := c.main(ctx, args)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// feedURLs returns the URLs of the feeds in the store.
func (h *harness) feedURLs() []string {
	h.t.Helper()
	feeds, err := feedsOf(h.t, h.openStore())
	if err != nil {
		h.t.Fatal(err)
	}
	var urls []string
	for _, f := range feeds {
		urls = append(urls, f.URL)
	}
	return urls
}

func TestFetch(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 3, Items: 5, Format: fetchtest.Mixed})
	h := newHarness(t, privateConfig)
	for _, u := range srv.URLs() {
		h.mustRun(exitOK, "add", "--no-fetch", u)
	}
	gone := srv.FaultURL(fetchtest.FaultGone)
	broken := srv.FaultURL(fetchtest.FaultServerError)
	h.mustRun(exitOK, "add", "--no-fetch", gone)
	h.mustRun(exitOK, "add", "--no-fetch", broken)

	r := h.mustRun(exitOK, "fetch")
	for _, want := range []string{
		srv.URL(0) + ": 5 new, 0 updated\n",
		srv.URL(2) + ": 5 new, 0 updated\n",
		gone + ": gone",
		broken + ": error: ",
		"Fetched 5 feeds: 15 new items, 0 updated, 0 not modified, 1 error.\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("fetch output lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := strings.Count(h.mustRun(exitOK, "items", "--json").stdout, "\n"); n != 15 {
		t.Errorf("%d items stored, want 15", n)
	}

	// Nothing is due until the schedule says so.
	if r := h.mustRun(exitOK, "fetch"); !strings.Contains(r.stdout, "Nothing is due.") {
		t.Errorf("second fetch: %s", r.stdout)
	}
	// --all fetches every feed but the gone one; nothing changed: 304s.
	r = h.mustRun(exitOK, "fetch", "--all")
	if !strings.Contains(r.stdout, "Fetched 4 feeds: 0 new items, 0 updated, 3 not modified, 1 error.") || strings.Contains(r.stdout, gone) {
		t.Errorf("fetch --all:\n%s", r.stdout)
	}
	// Named feeds are fetched, gone or not.
	srv.AddItems(1, 2)
	r = h.mustRun(exitOK, "fetch", srv.URL(1), gone)
	if !strings.Contains(r.stdout, srv.URL(1)+": 2 new") || !strings.Contains(r.stdout, "Fetched 2 feeds: 2 new items") {
		t.Errorf("fetch URL:\n%s", r.stdout)
	}
	// A feed that asked to wait (429 with Retry-After) is not fetched, even
	// by name, and the output says why.
	busy := srv.FaultURL(fetchtest.FaultTooManyRequests)
	h.mustRun(exitOK, "add", "--no-fetch", busy)
	h.mustRun(exitOK, "fetch", busy)
	r = h.mustRun(exitOK, "fetch", busy)
	if !strings.Contains(r.stdout, busy+": not fetched: the server asked to wait until 12:02 (Retry-After)") {
		t.Errorf("fetch of a feed in Retry-After:\n%s", r.stdout)
	}
	if r := h.run("fetch", "https://not-subscribed.example/"); r.code != exitFailure || !strings.Contains(r.stderr, "not subscribed") {
		t.Errorf("fetch of an unknown URL: exit %d %q", r.code, r.stderr)
	}
	if r := h.run("fetch", "--all", srv.URL(0)); r.code != exitUsage {
		t.Errorf("fetch --all URL: exit %d", r.code)
	}

	// feeds says what happened to each and why it waits.
	r = h.mustRun(exitOK, "feeds")
	for _, want := range []string{"gone (410)", "error (2 in a row)", srv.FeedTitle(0)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("feeds lacks %q:\n%s", want, r.stdout)
		}
	}
	var brokenFeed map[string]any
	for _, line := range strings.Split(strings.TrimSpace(h.mustRun(exitOK, "feeds", "--json").stdout), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(line), &m)
		if m["url"] == broken {
			brokenFeed = m
		}
	}
	if brokenFeed["last_error"] == nil || brokenFeed["last_fetch"] != "2026-11-28T12:00:00Z" {
		t.Errorf("broken feed: %v", brokenFeed)
	}
}

// TestFetchUnchangedBodies: feeds served without validators answer 200
// every time; a body the same as the last one is not parsed again and
// counts as not modified, across runs (the store keeps its hash).
func TestFetchUnchangedBodies(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 3, Items: 5, Format: fetchtest.Mixed, NoValidators: true})
	h := newHarness(t, privateConfig)
	for _, u := range srv.URLs() {
		h.mustRun(exitOK, "add", "--no-fetch", u)
	}
	if r := h.mustRun(exitOK, "fetch", "--all"); !strings.Contains(r.stdout, "Fetched 3 feeds: 15 new items, 0 updated, 0 not modified, 0 errors.") {
		t.Fatalf("first fetch:\n%s", r.stdout)
	}
	srv.ResetStats()
	r := h.mustRun(exitOK, "fetch", "--all")
	for i := range 3 {
		if want := srv.URL(i) + ": not modified (the same body as last time)\n"; !strings.Contains(r.stdout, want) {
			t.Errorf("second fetch lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "Fetched 3 feeds: 0 new items, 0 updated, 3 not modified, 0 errors.") {
		t.Errorf("second fetch:\n%s", r.stdout)
	}
	if st := srv.Stats(); st.Requests != 3 || st.NotModified != 0 {
		t.Errorf("server saw %d requests, %d answered 304; want 3 answered 200", st.Requests, st.NotModified)
	}
	srv.AddItems(1, 2)
	r = h.mustRun(exitOK, "fetch", "--all")
	if !strings.Contains(r.stdout, srv.URL(1)+": 2 new, 0 updated\n") ||
		!strings.Contains(r.stdout, "Fetched 3 feeds: 2 new items, 0 updated, 2 not modified, 0 errors.") {
		t.Errorf("fetch after 2 new items in one feed:\n%s", r.stdout)
	}
	if n := strings.Count(h.mustRun(exitOK, "items", "--json").stdout, "\n"); n != 17 {
		t.Errorf("%d items stored, want 17", n)
	}
}

func TestFetchProgressBar(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 4, Items: 3})
	h := newHarness(t, privateConfig)
	for _, u := range srv.URLs() {
		h.mustRun(exitOK, "add", "--no-fetch", u)
	}
	r := h.runCtx(context.Background(), true, "", "fetch")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, srv.URL(0)+":") {
		t.Errorf("per-feed lines on a terminal:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "Fetched 4 feeds: 12 new items") {
		t.Errorf("no summary:\n%s", r.stdout)
	}
}

// TestFetchInterrupted cancels the run while one feed hangs: the feeds
// already fetched are kept, the others are released at once (not left
// leased), and the exit status is 1.
func TestFetchInterrupted(t *testing.T) {
	// Canceled as signal.NotifyContext cancels main's context on Ctrl-C:
	// with a cause that names the signal.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var once sync.Once
	var h *harness
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: 3, OnRequest: func(r *http.Request) {
		if strings.Contains(r.URL.Path, string(fetchtest.FaultHang)) {
			// Interrupted once the two other feeds are saved, so that the
			// test sees both kinds: saved, and released unfetched.
			once.Do(func() { go cancelWhenSaved(t, h.dbPath, 2, cancel) })
		}
	}})
	h = newHarness(t, privateConfig)
	hang := srv.FaultURL(fetchtest.FaultHang)
	for _, u := range append(srv.URLs(), hang) {
		h.mustRun(exitOK, "add", "--no-fetch", u)
	}
	r := h.runCtx(ctx, false, "", "fetch")
	if r.code != exitFailure || !strings.Contains(r.stdout, "Interrupted:") || !strings.Contains(r.stderr, "interrupted") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	st := h.openStore()
	// Not leased, and still due: the next 'tidings fetch' fetches it, as
	// the message says (a claim of due feeds, not of every feed).
	claimed, err := st.ClaimFeeds(context.Background(), store.ClaimRequest{Now: testNow, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, f := range claimed {
		urls = append(urls, f.URL)
	}
	if !slices.Contains(urls, hang) {
		t.Errorf("the unfinished feed is still leased after the interrupted run; claimable: %q", urls)
	}
	// Whatever finished before the interruption is stored whole: a feed
	// has its 3 items exactly when its fetch was saved, and the output
	// reports those feeds (counted from the store, not from the output).
	done := 0
	for _, u := range srv.URLs() {
		f, err := st.Subscription(context.Background(), meID(t, st), u)
		if err != nil {
			t.Fatal(err)
		}
		saved := !f.State.LastSuccess.IsZero()
		if want := map[bool]int{true: 3, false: 0}[saved]; f.Items != want {
			t.Errorf("%s: %d items, saved %v; want %d", u, f.Items, saved, want)
		}
		if saved {
			done++
			if !strings.Contains(r.stdout, u+": 3 new, 0 updated") {
				t.Errorf("%s was saved but not reported:\n%s", u, r.stdout)
			}
		}
	}
	if done != len(srv.URLs()) {
		t.Errorf("%d of %d feeds saved before the interruption, want all", done, len(srv.URLs()))
	}
	if got := strings.Count(r.stdout, ": 3 new, 0 updated"); got != done {
		t.Errorf("%d feeds reported done, %d saved:\n%s", got, done, r.stdout)
	}
}

// TestFetchAllInterruptedSaysWhatFetchesTheRest: feeds that were not due
// and that an interrupted --all did not fetch are not fetched by the next
// plain 'tidings fetch'; the message says what does.
func TestFetchAllInterruptedSaysWhatFetchesTheRest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: 3, OnRequest: func(r *http.Request) {
		if strings.Contains(r.URL.Path, string(fetchtest.FaultHang)) {
			cancel()
		}
	}})
	h := newHarness(t, privateConfig)
	hang := srv.FaultURL(fetchtest.FaultHang)
	for _, u := range append(srv.URLs(), hang) {
		h.mustRun(exitOK, "add", "--no-fetch", u)
	}
	// Fetched once, the two feeds are not due.
	h.mustRun(exitOK, append([]string{"fetch"}, srv.URLs()...)...)
	r := h.runCtx(ctx, false, "", "fetch", "--all")
	if r.code != exitFailure {
		t.Fatalf("fetch --all: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := "'tidings fetch --all' fetches them"; !strings.Contains(r.stdout, want) {
		t.Errorf("interrupted --all: no %q in\n%s", want, r.stdout)
	}
	if strings.Contains(r.stdout, "they will be fetched next time") {
		t.Errorf("interrupted --all promises the next plain fetch:\n%s", r.stdout)
	}
}

// cancelWhenSaved cancels with Ctrl-C's cause once n feeds of the
// database at path have been saved (or after a minute).
func cancelWhenSaved(t *testing.T, path string, n int, cancel context.CancelCauseFunc) {
	defer cancel(errors.New("interrupt signal received"))
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Error(err)
		return
	}
	defer db.Close()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		feeds, err := db.FeedList(context.Background())
		if err != nil {
			continue
		}
		saved := 0
		for _, f := range feeds {
			if !f.State.LastSuccess.IsZero() {
				saved++
			}
		}
		if saved >= n {
			return
		}
	}
}

func TestAddProbes(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 2, Format: fetchtest.Atom})
	page := srv.FaultURL(fetchtest.FaultPageWithLinks)
	links := srv.DiscoveryLinks()
	if len(links) < 2 {
		t.Fatalf("the test page offers %d feeds; want several", len(links))
	}

	t.Run("feed", func(t *testing.T) {
		h := newHarness(t, privateConfig)
		r := h.mustRun(exitOK, "add", srv.URL(0), "--tag", "test")
		if want := `Added "` + srv.FeedTitle(0) + `" (` + srv.URL(0) + `): 2 items.`; !strings.Contains(r.stdout, want) {
			t.Errorf("add: %q, want %q", r.stdout, want)
		}
		// The probe's download is stored: the items are there at once, and
		// the next fetch is a conditional one that finds nothing new.
		if n := strings.Count(h.mustRun(exitOK, "items", "--json").stdout, "\n"); n != 2 {
			t.Errorf("%d items stored by add, want 2", n)
		}
		feeds, err := feedsOf(t, h.openStore())
		if err != nil {
			t.Fatal(err)
		}
		if st := feeds[0].State; st.LastSuccess.IsZero() || st.NextDue.IsZero() || st.RedirectURL != "" {
			t.Errorf("state after add: %+v", st)
		}
		if r := h.mustRun(exitOK, "fetch", "--all"); !strings.Contains(r.stdout, "0 new items, 0 updated, 1 not modified") {
			t.Errorf("fetch after add:\n%s", r.stdout)
		}
	})
	t.Run("several, not a terminal", func(t *testing.T) {
		h := newHarness(t, privateConfig)
		r := h.run("add", page)
		if r.code != exitFailure || !strings.Contains(r.stderr, "--first") || !strings.Contains(r.stderr, links[1]) {
			t.Errorf("exit %d, %q", r.code, r.stderr)
		}
		if got := h.feedURLs(); len(got) != 0 {
			t.Errorf("feeds added: %q", got)
		}
	})
	t.Run("several, --first", func(t *testing.T) {
		h := newHarness(t, privateConfig)
		h.mustRun(exitOK, "add", page, "--first")
		if got := h.feedURLs(); len(got) != 1 || got[0] != links[0] {
			t.Errorf("feeds %q, want [%s]", got, links[0])
		}
	})
	t.Run("several, terminal choice", func(t *testing.T) {
		h := newHarness(t, privateConfig)
		r := h.runCtx(context.Background(), true, "7\n2\n", "add", page)
		if r.code != exitOK || !strings.Contains(r.stdout, "Which one?") || !strings.Contains(r.stdout, `"7" is not one of the choices`) {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if got := h.feedURLs(); len(got) != 1 || got[0] != links[1] {
			t.Errorf("feeds %q, want [%s]", got, links[1])
		}
	})
	t.Run("discovered at a common path", func(t *testing.T) {
		h := newHarness(t, privateConfig)
		h.mustRun(exitOK, "add", srv.FaultURL(fetchtest.FaultPageWithoutLinks))
		if got := h.feedURLs(); len(got) != 1 || got[0] != srv.DiscoveredFeedURL() {
			t.Errorf("feeds %q, want [%s]", got, srv.DiscoveredFeedURL())
		}
	})
	t.Run("no feed", func(t *testing.T) {
		h := newHarness(t, privateConfig)
		r := h.run("add", srv.FaultURL(fetchtest.FaultNotFound))
		if r.code != exitFailure || !strings.Contains(r.stderr, "nothing was added") {
			t.Errorf("exit %d, %q", r.code, r.stderr)
		}
		if got := h.feedURLs(); len(got) != 0 {
			t.Errorf("feeds added: %q", got)
		}
	})
	t.Run("private address refused by default", func(t *testing.T) {
		h := newHarness(t, "")
		r := h.run("add", srv.URL(0))
		if r.code != exitFailure || !strings.Contains(r.stderr, "allow_private_networks") {
			t.Errorf("exit %d, %q", r.code, r.stderr)
		}
	})
}
