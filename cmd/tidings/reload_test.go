package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"tidings/fetch/fetchtest"
)

// waitLogCount waits until n log lines contain s; it fails the test as
// waitLog does.
func (d *daemonProc) waitLogCount(s string, n int) {
	d.t.Helper()
	for d.countLog(s) < n {
		d.waitLogChange()
	}
}

// waitLogChange waits for the next log line, failing the test if the
// process exits first.
func (d *daemonProc) waitLogChange() {
	d.t.Helper()
	d.mu.Lock()
	logged := d.logged
	d.mu.Unlock()
	select {
	case <-logged:
	case <-d.exited:
		d.t.Fatalf("tidings run exited (%v)", d.err)
	case <-d.t.Context().Done():
	}
}

const restartWarning = `msg="setting changed; restart tidings run to apply it"`

// TestRunReloadWarnsOfRestartSettings: a reload that changes only what
// applies live (a feed's schedule) warns of nothing; one that changes
// settings read only at start warns once for each, naming it, names no
// setting that did not change, and leaves the running value in force
// (shutdown_grace: the stop still takes the old grace).
func TestRunReloadWarnsOfRestartSettings(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 2})
	dir := t.TempDir()
	settings := "[fetch]\nallow_private_networks = true"
	cfg := daemonConfig(t, dir, settings, "@every 1h", srv.URL(0))
	d := startDaemon(t, dir, cfg)
	eventually(t, "the first fetch", func() bool { return srv.FeedRequests(0) > 0 })

	daemonConfig(t, dir, settings, "@every 2h", srv.URL(0))
	d.signal(syscall.SIGHUP)
	d.waitLogCount("config reloaded", 1)
	if n := d.countLog(restartWarning); n != 0 {
		t.Errorf("a reload of a feed's schedule warned %d times of a restart:\n%s", n, d.logText())
	}

	daemonConfig(t, dir, "shutdown_grace = \"7s\"\n"+settings+"\ntimeout = \"9s\"", "@every 2h", srv.URL(0))
	d.signal(syscall.SIGHUP)
	d.waitLogCount("config reloaded", 2)
	for _, key := range []string{"shutdown_grace", "fetch"} {
		if n := d.countLog(restartWarning + " key=" + key + "\n"); n != 1 {
			t.Errorf("%d warnings naming %s; want 1:\n%s", n, key, d.logText())
		}
	}
	if n := d.countLog(restartWarning); n != 2 {
		t.Errorf("%d restart warnings; want 2, for shutdown_grace and fetch:\n%s", n, d.logText())
	}

	d.signal(syscall.SIGINT)
	if code := d.wait(); code != 0 {
		t.Fatalf("exit status %d after SIGINT, want 0", code)
	}
	if line := d.waitLog("stopping: no new fetches"); !strings.Contains(line, "grace=30s") {
		t.Errorf("the stop took %q; want the grace in force, 30s, not the reloaded 7s", line)
	}
}

// defaultScheduleConfig writes a config file in dir whose default schedule
// is def, with feeds that have no schedule of their own, and one feed on
// its own schedule own.
func defaultScheduleConfig(t *testing.T, dir, def string, defaulted []string, ownURL, own string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "database = %q\nlisten = \"127.0.0.1:0\"\nschedule = %q\n[fetch]\nallow_private_networks = true\n",
		filepath.Join(dir, "tidings.db"), def)
	for _, u := range defaulted {
		fmt.Fprintf(&b, "\n[[feed]]\nurl = %q\n", u)
	}
	fmt.Fprintf(&b, "\n[[feed]]\nurl = %q\nschedule = %q\n", ownURL, own)
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunReloadChangesDefaultSchedule: a reload that changes the default
// schedule changes when the feeds without their own are fetched, at once
// (not after their old plan), and leaves the feeds with their own alone.
// Time is told by a feed on its own @every 1s: what the others do is
// counted against its fetches, not against a clock.
func TestRunReloadChangesDefaultSchedule(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 4, Items: 2})
	defaulted := []string{srv.URL(0), srv.URL(1)}
	const hourly, ticker = 2, 3 // feed 2 is on its own @every 1h, feed 3 on @every 1s
	dir := t.TempDir()
	write := func(def string) {
		cfg := defaultScheduleConfig(t, dir, def, defaulted, srv.URL(ticker), "@every 1s")
		appendFeed(t, cfg, srv.URL(hourly), "@every 1h")
	}
	write("@every 1h")
	d := startDaemon(t, dir, filepath.Join(dir, "config.toml"))
	requests := func(i int) int64 { return srv.FeedRequests(i) }
	// ticks waits for n more fetches of the ticker feed.
	ticks := func(n int64) {
		t.Helper()
		from := requests(ticker)
		eventually(t, fmt.Sprintf("%d more fetches of the @every 1s feed", n), func() bool { return requests(ticker) >= from+n })
	}
	eventually(t, "the first fetches", func() bool {
		return requests(0) > 0 && requests(1) > 0 && requests(hourly) > 0 && requests(ticker) > 0
	})
	ticks(3)
	for i := range 3 {
		if n := requests(i); n != 1 {
			t.Fatalf("feed %d fetched %d times on an hourly schedule while the @every 1s feed was fetched 3 times; want once", i, n)
		}
	}

	write("@every 1s")
	d.signal(syscall.SIGHUP)
	d.waitLogCount("config reloaded", 1)
	if line := d.waitLog("config reloaded"); !strings.Contains(line, `default_schedule="@every 1s"`) {
		t.Errorf("the reload says %q; want the new default schedule", line)
	}
	eventually(t, "the feeds on the default fetched every second", func() bool {
		return requests(0) >= 4 && requests(1) >= 4
	})
	if n := requests(hourly); n != 1 {
		t.Errorf("the feed on its own hourly schedule fetched %d times after the default changed; want once", n)
	}

	// Back to hourly: each feed on the default is fetched at most once
	// more (in flight at the reload, or fetched at once to plan it anew),
	// then left alone while the ticker goes on.
	write("@every 1h")
	d.signal(syscall.SIGHUP)
	d.waitLogCount("config reloaded", 2)
	at0, at1 := requests(0), requests(1)
	ticks(4)
	if n0, n1 := requests(0), requests(1); n0 > at0+2 || n1 > at1+2 {
		t.Errorf("after the default went back to hourly, feeds on it fetched %d and %d more times while the @every 1s feed was fetched 4 times; want at most 2 each",
			n0-at0, n1-at1)
	}
	if n := requests(hourly); n != 1 {
		t.Errorf("the feed on its own hourly schedule fetched %d times; want once", n)
	}
	d.signal(syscall.SIGINT)
	if code := d.wait(); code != 0 {
		t.Fatalf("exit status %d after SIGINT, want 0", code)
	}
}
