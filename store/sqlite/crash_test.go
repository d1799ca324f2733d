package sqlite

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tidings/store"
)

// The helper process: TestCrashHelper runs only when the parent test
// re-executes the test binary with these variables set.
const (
	envHelperDB    = "TIDINGS_TEST_HELPER_DB"
	envHelperFeeds = "TIDINGS_TEST_HELPER_FEEDS"
	envHelperItems = "TIDINGS_TEST_HELPER_ITEMS"
)

func helperFeedURL(i int) string { return fmt.Sprintf("https://crash%03d.test/feed", i) }

func helperItems(feed, n int) []store.Item {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	its := make([]store.Item, n)
	for i := range its {
		its[i] = store.Item{
			GUID:      fmt.Sprintf("f%d-i%d", feed, i),
			URL:       fmt.Sprintf("https://crash%03d.test/%d", feed, i),
			Title:     fmt.Sprintf("Item %d of feed %d", i, feed),
			Content:   fmt.Sprintf("<p>Some <b>content</b> for item %d, long enough to take a while: %s</p>", i, strings.Repeat("lorem ipsum ", 20)),
			Published: base.Add(time.Duration(i) * time.Second),
		}
	}
	return its
}

// TestCrashHelper is not a test: run as a child process, it subscribes to
// the helper feeds and saves a large fetch for each feed that has no items
// yet, printing "saved N" after each commit.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(envHelperDB)
	if path == "" {
		t.Skip("helper process for TestKillDuringWrite and TestTwoProcesses")
	}
	feeds, _ := strconv.Atoi(os.Getenv(envHelperFeeds))
	perFeed, _ := strconv.Atoi(os.Getenv(envHelperItems))
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var list []store.Subscription
	for i := range feeds {
		list = append(list, store.Subscription{Feed: store.Feed{URL: helperFeedURL(i)}})
	}
	if _, err := db.ImportFeeds(t.Context(), uid(t, db), list); err != nil {
		t.Fatal(err)
	}
	for i := range feeds {
		f, err := db.Subscription(t.Context(), uid(t, db), helperFeedURL(i))
		if err != nil {
			t.Fatal(err)
		}
		if f.Items > 0 {
			continue
		}
		now := time.Now()
		_, err = db.SaveFetch(t.Context(), f.ID, store.FetchResult{Now: now,
			State: store.FeedState{LastFetch: now, LastSuccess: now, NextDue: now.Add(time.Hour)},
			Items: helperItems(i, perFeed)})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("saved %d\n", i)
	}
}

// startHelper runs TestCrashHelper in a child process and returns it with
// a reader of its output.
func startHelper(t *testing.T, path string, feeds, perFeed int) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelperDB+"="+path,
		envHelperFeeds+"="+strconv.Itoa(feeds), envHelperItems+"="+strconv.Itoa(perFeed))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// TestKillDuringWrite kills a process in the middle of large saves and
// checks the database is intact and each save is all there or not at all.
func TestKillDuringWrite(t *testing.T) {
	const feeds, perFeed = 30, 1000
	path := filepath.Join(t.TempDir(), "tidings.db")
	saved := make(map[int]bool)
	for round, delay := range []time.Duration{0, 7 * time.Millisecond, 23 * time.Millisecond} {
		cmd, out := startHelper(t, path, feeds, perFeed)
		// Kill right after a commit (the next save has just begun) plus a
		// delay, so the kill lands at different points of a transaction.
		for n := 0; n < 1 && out.Scan(); {
			if i, ok := strings.CutPrefix(out.Text(), "saved "); ok {
				v, _ := strconv.Atoi(i)
				saved[v] = true
				n++
			}
		}
		time.Sleep(delay)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for out.Scan() {
			if i, ok := strings.CutPrefix(out.Text(), "saved "); ok {
				v, _ := strconv.Atoi(i)
				saved[v] = true
			}
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Logf("round %d: helper was not killed (%v); it finished first", round, err)
		}
		checkAllOrNothing(t, path, feeds, perFeed, saved)
	}
	if len(saved) == 0 {
		t.Fatal("the helper saved nothing")
	}
}

func checkAllOrNothing(t *testing.T, path string, feeds, perFeed int, saved map[int]bool) {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()
	var check string
	if err := db.read.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	all, err := db.Subscriptions(t.Context(), uid(t, db), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		var i int
		if _, err := fmt.Sscanf(f.URL, "https://crash%03d.test/feed", &i); err != nil {
			t.Fatalf("unexpected feed %s", f.URL)
		}
		if f.Items != 0 && f.Items != perFeed {
			t.Errorf("feed %d has %d items; want 0 or %d", i, f.Items, perFeed)
		}
		if (f.Items == perFeed) == f.State.LastFetch.IsZero() {
			t.Errorf("feed %d: %d items but LastFetch %v: items and state not saved together", i, f.Items, f.State.LastFetch)
		}
		if saved[i] && f.Items != perFeed {
			t.Errorf("feed %d was reported saved but has %d items", i, f.Items)
		}
	}
	full := 0
	for _, f := range all {
		if f.Items > 0 {
			full++
		}
	}
	t.Logf("after kill: %d of %d feeds saved, %d reported", full, len(all), len(saved))
	if len(all) != 0 && len(all) != feeds {
		t.Errorf("%d feeds; the import is all or nothing (0 or %d)", len(all), feeds)
	}
	// The search index agrees with the items.
	var indexed, items int
	if err := db.read.QueryRow("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'lorem'").Scan(&indexed); err != nil {
		t.Fatal(err)
	}
	if err := db.read.QueryRow("SELECT count(*) FROM items").Scan(&items); err != nil {
		t.Fatal(err)
	}
	if indexed != items {
		t.Errorf("%d items but %d in the search index", items, indexed)
	}
}

// TestTwoProcesses writes from a child process while this one reads and
// writes the same file: both succeed.
func TestTwoProcesses(t *testing.T) {
	const feeds, perFeed = 4, 300
	path := filepath.Join(t.TempDir(), "tidings.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mine, err := db.Subscribe(t.Context(), uid(t, db), store.Subscription{Feed: store.Feed{URL: "https://parent.test/feed"}})
	if err != nil {
		t.Fatal(err)
	}

	cmd, out := startHelper(t, path, feeds, perFeed)
	done := make(chan error, 1)
	go func() {
		for out.Scan() {
		}
		done <- cmd.Wait()
	}()
	ops := 0
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("writer process failed: %v", err)
			}
			running = false
		default:
		}
		// A reader and a small writer, as `tidings items` and `tidings
		// read` would be while an import runs.
		items, _, err := db.Items(t.Context(), uid(t, db), store.Query{Limit: 20})
		if err != nil {
			t.Fatalf("Items while another process writes: %v", err)
		}
		if len(items) > 0 {
			if _, err := db.SetRead(t.Context(), uid(t, db), []int64{items[0].ID}, true); err != nil {
				t.Fatalf("SetRead while another process writes: %v", err)
			}
		}
		now := time.Now()
		if _, err := db.SaveFetch(t.Context(), mine.ID, store.FetchResult{Now: now,
			Items: []store.Item{{GUID: strconv.Itoa(ops), Title: "parent item"}}}); err != nil {
			t.Fatalf("SaveFetch while another process writes: %v", err)
		}
		if _, err := db.Subscriptions(t.Context(), uid(t, db), true); err != nil {
			t.Fatalf("Feeds while another process writes: %v", err)
		}
		ops++
	}
	if ops < 2 {
		t.Logf("only %d rounds ran alongside the writer", ops)
	}
	all, err := db.Subscriptions(t.Context(), uid(t, db), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		want := perFeed
		if f.ID == mine.ID {
			want = ops
		}
		if f.Items != want {
			t.Errorf("%s: %d items; want %d", f.URL, f.Items, want)
		}
	}
	if len(all) != feeds+1 {
		t.Errorf("%d feeds; want %d", len(all), feeds+1)
	}
}
