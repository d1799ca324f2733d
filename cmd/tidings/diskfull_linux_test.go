package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"tidings/fetch/fetchtest"
	"tidings/store"
)

// mountTmpfs mounts a tmpfs of the given size (e.g. "1m") in a temporary
// directory for the test, a real disk that fills up. Mounting needs root
// (CAP_SYS_ADMIN): without it the test is skipped, except under CI=true,
// where .ci/run runs as root.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount a %s tmpfs (CI=true runs as root): %v", size, err)
		}
		t.Skipf("a full disk is a small tmpfs, and mounting one needs root: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestFetchDiskFull: when the disk of the database fills up during
// `tidings fetch`, the run stops early (exit 1) with a message that says
// what happened and what to do; each feed is saved whole or not at all,
// no feed stays claimed, and once space is freed a plain `tidings fetch`
// stores the rest, nothing twice.
func TestFetchDiskFull(t *testing.T) {
	disk := mountTmpfs(t, "1m")
	const feeds, items = 60, 20
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: items, Addrs: fetchtest.LoopbackAddrs(3)})
	h := newHarness(t, "")
	h.dbPath = filepath.Join(disk, "tidings.db")
	if err := os.WriteFile(h.configPath, []byte(fmt.Sprintf("database = %q\n%s", h.dbPath, privateConfig)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := h.openStore()
	var list []store.Subscription
	for _, u := range srv.URLs() {
		list = append(list, store.Subscription{Feed: store.Feed{URL: u}})
	}
	if _, err := st.ImportFeeds(ctx, meID(t, st), list); err != nil {
		t.Fatal(err)
	}

	r := h.run("fetch", "--all")
	if r.code != exitFailure || !strings.Contains(r.stderr, "the database's disk is full: free some space on the disk of "+h.dbPath) {
		t.Fatalf("fetch on a full disk: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	// Every feed is counted once: fetched (saved or not), or not fetched.
	fetched := regexp.MustCompile(`Fetched (\d+) feeds`).FindStringSubmatch(r.stdout)
	stopped := regexp.MustCompile(`Stopped: (\d+) feeds not fetched`).FindStringSubmatch(r.stdout)
	if fetched == nil || stopped == nil {
		t.Fatalf("fetch on a full disk does not say what it fetched and that it stopped:\n%s", r.stdout)
	}
	if atoi(fetched[1])+atoi(stopped[1]) != feeds {
		t.Errorf("fetched %s + not fetched %s feeds; want %d in all:\n%s", fetched[1], stopped[1], feeds, r.stdout)
	}
	// The advice comes once, in the error at the end, not on the line of
	// each feed whose save failed. Which write meets the full disk first,
	// a save or a claim, is up to the machine's timing; when it is a
	// claim, no feed's line need say "not saved", so only the error is
	// sure to say the disk is full, as checked above.
	if n := strings.Count(r.stdout, "free some space"); n != 0 {
		t.Errorf("per-feed lines: %d with the advice; want none:\n%s", n, r.stdout)
	}
	if n := strings.Count(r.stderr, "free some space"); n != 1 {
		t.Errorf("the error gives the advice %d times; want once:\n%s", n, r.stderr)
	}
	saved := checkWholeFeeds(t, st, items)
	if saved == feeds {
		t.Fatalf("all %d feeds fit on the small disk; the test needs a fuller one", feeds)
	}
	// The run released the feeds it did not save, so that the next fetch
	// gets them at once, unless the disk was too full for even that: then
	// it says when their claims end, and the next fetch after that time
	// gets them.
	db, err := sql.Open("sqlite", h.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var held int
	if err := db.QueryRow("SELECT count(*) FROM feeds WHERE claimed_until > 0").Scan(&held); err != nil {
		t.Fatal(err)
	}
	next := testNow
	t.Logf("%d of %d feeds saved; %d claims left for want of room", saved, feeds, held)
	if held > 0 {
		lease := claimLease(5 * time.Second) // privateConfig's timeout
		want := fmt.Sprintf("%d claimed feeds could not be released (the database could not be written); their claims end by %s",
			held, testNow.Add(lease).In(testNow.Location()).Format("15:04:05"))
		if !strings.Contains(r.stdout, want) {
			t.Errorf("%d feeds still claimed, and the output lacks %q:\n%s", held, want, r.stdout)
		}
		next = testNow.Add(lease + time.Second)
	}

	if err := syscall.Mount("tmpfs", disk, "tmpfs", syscall.MS_REMOUNT, "size=64m"); err != nil {
		t.Fatalf("grow the tmpfs: %v", err)
	}
	r = runAt(h, next, "fetch")
	if r.code != exitOK {
		t.Fatalf("fetch with room again: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if want := fmt.Sprintf("Fetched %d feeds: %d new items", feeds-saved, (feeds-saved)*items); !strings.Contains(r.stdout, want) {
		t.Errorf("fetch with room again lacks %q:\n%s", want, r.stdout)
	}
	if n := checkWholeFeeds(t, st, items); n != feeds {
		t.Errorf("%d feeds stored after the second fetch, want %d", n, feeds)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
}

// runAt runs tidings in-process with its clock at now.
func runAt(h *harness, now time.Time, args ...string) result {
	var stdout, stderr strings.Builder
	c := &cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: func() time.Time { return now }}
	code := c.main(context.Background(), args)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// TestRunDiskFull: when the disk of the database fills up under `tidings
// run`, the daemon says so once, stops fetching for a while instead of
// fetching feeds it cannot save (neither the feeds waiting for their host
// nor, once their claims end, the ones whose saves failed), reports it on
// /healthz (503), and still stops cleanly.
func TestRunDiskFull(t *testing.T) {
	disk := mountTmpfs(t, "1m")
	const feeds = 60
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: 20, Addrs: fetchtest.LoopbackAddrs(3)})
	// A timeout of 1s makes claims last 2s: the test outlasts them.
	cfg := daemonConfig(t, disk, "[fetch]\nallow_private_networks = true\ntimeout = \"1s\"", "@every 1h", srv.URLs()...)
	d := startDaemon(t, disk, cfg)
	d.waitLog("the database's disk is full: no fetches")
	eventually(t, "the fetches in flight done", func() bool {
		_, body := d.get("/healthz")
		return strings.Contains(body, `"in_flight":0`)
	})
	code, body := d.get("/healthz")
	if code != 503 || !strings.Contains(body, "fetching paused") || !strings.Contains(body, "fetching_paused_until") ||
		!strings.Contains(body, "the database's disk is full") {
		t.Errorf("GET /healthz while paused = %d %s; want 503 saying fetching is paused for the full disk", code, body)
	}
	// The feeds parked for their host's turn were not fetched once the
	// disk was full, and nothing is while the pause lasts (a minute), though
	// every claim has ended and every feed is due. (On a disk this full the
	// claims themselves may fail too; TestSchedulerPausesOnFullDisk shows
	// that the pause alone stops them.)
	before := srv.Stats().Requests
	if before >= feeds {
		t.Errorf("%d requests for %d feeds; want the feeds waiting for their host left alone once the disk was full", before, feeds)
	}
	time.Sleep(3 * time.Second)
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("%d requests during the pause; want none", n)
	}
	if n := d.countLog("the database's disk is full: no fetches"); n != 1 {
		t.Errorf("the pause logged %d times; want once", n)
	}
	d.signal(syscall.SIGINT)
	if code := d.wait(); code != 0 {
		t.Errorf("exit status %d after SIGINT, want 0", code)
	}
}
