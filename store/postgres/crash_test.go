package postgres

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"tidings/store"
)

// crashNow is the clock of the crash test's claims.
var crashNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

const crashItems = 3000

// crashApp is the application_name of the helper's connections.
const crashApp = "tidings_crash_helper"

// TestCrashHelper is not a test: TestKilledClaimant runs the test binary
// again with TIDINGS_CRASH_DSN set, and this is what that process does. It
// claims every feed, says so on stdout, then saves big fetches until it is
// killed.
func TestCrashHelper(t *testing.T) {
	dsn := os.Getenv("TIDINGS_CRASH_DSN")
	if dsn == "" {
		t.Skip("helper process of TestKilledClaimant")
	}
	db, err := Open(t.Context(), dsn)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	feeds, err := db.ClaimFeeds(t.Context(), store.ClaimRequest{Now: crashNow, Lease: time.Hour})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("claimed", len(feeds))
	for i := 0; ; i++ {
		f := feeds[i%len(feeds)]
		its := make([]store.Item, crashItems)
		for j := range its {
			its[j] = store.Item{GUID: fmt.Sprintf("%d-%d", i, j), Title: "crash", Content: "<p>crash test</p>", Published: crashNow}
		}
		if i == 0 {
			fmt.Println("saving")
		}
		if _, err := db.SaveFetch(t.Context(), f.ID, store.FetchResult{Now: crashNow, Items: its}); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
	}
}

// TestKilledClaimant kills (SIGKILL) a process that holds claims and is in
// the middle of saving: its feeds come back to other claimants when the
// lease ends, not before, and every save it made is whole or absent.
func TestKilledClaimant(t *testing.T) {
	if os.Getenv("TIDINGS_CRASH_DSN") != "" {
		t.Skip("inside the helper process")
	}
	dsn := freshSchema(t)
	db := open(t, dsn)
	const n = 5
	for i := range n {
		subscribeURL(t, db, me(t, db), fmt.Sprintf("https://crash%d.test/feed", i))
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TIDINGS_CRASH_DSN="+withParam(dsn, "application_name", crashApp))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(out)
	var said []string
	for lines.Scan() {
		line := lines.Text()
		said = append(said, line)
		if strings.HasPrefix(line, "error") {
			t.Fatalf("helper: %s", line)
		}
		if line == "saving" {
			break
		}
	}
	if len(said) < 2 || said[0] != fmt.Sprintf("claimed %d", n) {
		t.Fatalf("helper said %q; want it to claim %d feeds, then save", said, n)
	}
	// Kill it once a save has committed, most likely in the middle of
	// the next one.
	for i := 0; ; i++ {
		var stored int
		if err := db.pool.QueryRow(t.Context(), "SELECT count(*) FROM items").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored > 0 {
			break
		}
		if i == 3000 {
			t.Fatal("the helper saved nothing in 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// The server notices the dead connections when it next reads or
	// writes them: until then a transaction of the dead process may hold
	// a feed's row lock, and claims pass over that feed (safe, only late).
	waitGone(t, crashApp)

	// Every save the dead process made is whole or absent.
	feeds, err := db.Subscriptions(t.Context(), me(t, db), true)
	if err != nil {
		t.Fatal(err)
	}
	saved := make(map[int64]bool)
	var counts []int
	for _, f := range feeds {
		counts = append(counts, f.Items)
		if f.Items%crashItems != 0 {
			t.Errorf("feed %s has %d items; a killed save left part of a fetch of %d", f.URL, f.Items, crashItems)
		}
		if f.Items > 0 {
			saved[f.ID] = true
		}
	}
	t.Logf("items per feed after the kill: %v", counts)

	// A committed save released its feed (due again: the fetch set no
	// NextDue); the others stay claimed by the dead process until the
	// lease ends.
	got, err := db.ClaimFeeds(t.Context(), store.ClaimRequest{Now: crashNow.Add(59 * time.Minute)})
	if err != nil || len(got) != len(saved) {
		t.Errorf("claim during the dead process's lease = %d feeds, %v; want the %d it saved", len(got), err, len(saved))
	}
	for _, f := range got {
		if !saved[f.ID] {
			t.Errorf("feed %s claimed during the dead process's lease", f.URL)
		}
	}
	got, err = db.ClaimFeeds(t.Context(), store.ClaimRequest{Now: crashNow.Add(time.Hour)})
	if err != nil || len(got) != n-len(saved) {
		t.Errorf("claim after its lease = %d feeds, %v; want the other %d", len(got), err, n-len(saved))
	}
}

// waitGone waits until the server has no connection of application app.
func waitGone(t *testing.T, app string) {
	t.Helper()
	_, conn := server(t)
	for range 3000 {
		var n int
		if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("connections of the killed process still open after 30s")
}
