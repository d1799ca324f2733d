package main

import (
	"strings"
	"testing"

	"tidings/fetch/fetchtest"
)

// TestTagsLowercased checks that tags have one form, lowercase, whatever
// the command, and that --untag of a tag the feed lacks is a usage error.
func TestTagsLowercased(t *testing.T) {
	h := newHarness(t, `
[[feed]]
url = "https://declared.example/atom.xml"
tags = ["Config", "NEWS"]
`)

	u := "https://blog.example/feed.xml"
	h.mustRun(exitOK, "add", "--no-fetch", u, "--tag", "Go", "--tag", "go", "--tag", "Friends")
	f, err := feedOf(t, h.openStore(), u)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(f.Tags, []string{"go", "friends"}) {
		t.Errorf("after add: tags %q, want [go friends]", f.Tags)
	}
	h.mustRun(exitOK, "edit", u, "--tag", "Daily", "--untag", "FRIENDS")
	if f, _ = feedOf(t, h.openStore(), u); !sameSet(f.Tags, []string{"go", "daily"}) {
		t.Errorf("after edit: tags %q, want [go daily]", f.Tags)
	}
	r := h.mustRun(exitUsage, "edit", u, "--untag", "nope")
	if !strings.Contains(r.stderr, `feed has no tag "nope"`) {
		t.Errorf("untag of a missing tag: %q", r.stderr)
	}
	d, err := feedOf(t, h.openStore(), "https://declared.example/atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(d.Tags, []string{"config", "news"}) {
		t.Errorf("config feed tags %q, want [config news]", d.Tags)
	}
	r = h.mustRun(exitUsage, "add", "--no-fetch", "https://x.example/", "--tag", "two words")
	if !strings.Contains(r.stderr, "letters, digits, '-', '_', '.' or '/'") {
		t.Errorf("bad tag message does not list the allowed characters: %q", r.stderr)
	}
	// Filters match whatever the case given.
	if r := h.mustRun(exitOK, "items", "--tag", "GO"); strings.Contains(r.stderr, "unknown") {
		t.Errorf("items --tag GO: %q", r.stderr)
	}
}

// TestURLsCanonical checks that a feed URL has one form: scheme and host
// lowercase, default port dropped; every command finds the feed by any
// spelling of it.
func TestURLsCanonical(t *testing.T) {
	h := newHarness(t, "")

	h.mustRun(exitOK, "add", "--no-fetch", "http://host.example/feed")
	r := h.mustRun(exitFailure, "add", "--no-fetch", "HTTP://Host.Example:80/feed")
	if !strings.Contains(r.stderr, "already subscribed to http://host.example/feed") {
		t.Errorf("second add in another spelling: %q", r.stderr)
	}
	h.mustRun(exitOK, "add", "--no-fetch", "HTTPS://Other.Example:443/Path?Q=1")
	const other = "https://other.example/Path?Q=1"
	if _, err := feedOf(t, h.openStore(), other); err != nil {
		t.Fatalf("feed not stored under its canonical URL %s: %v", other, err)
	}
	h.mustRun(exitOK, "edit", "https://OTHER.example/Path?Q=1", "--tag", "x")
	if f, _ := feedOf(t, h.openStore(), other); !sameSet(f.Tags, []string{"x"}) {
		t.Errorf("edit by another spelling: tags %q", f.Tags)
	}
	h.mustRun(exitOK, "items", "--feed", "https://Other.Example/Path?Q=1")
	r = h.mustRun(exitOK, "remove", "HTTPS://other.example:443/Path?Q=1")
	if !strings.Contains(r.stdout, "Removed "+other) {
		t.Errorf("remove: %q", r.stdout)
	}
	if _, err := feedOf(t, h.openStore(), other); err == nil {
		t.Error("feed still there after remove by another spelling")
	}
	// The path's case matters: that is another feed.
	h.mustRun(exitFailure, "remove", "http://host.example/FEED")
}

// TestFetchNamedAndErrorsOnce checks that fetch finds a feed named in any
// spelling, and prints a feed's error once (no log line repeating it).
func TestFetchNamedAndErrorsOnce(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 1, Items: 2})
	h := newHarness(t, privateConfig)
	broken := srv.FaultURL(fetchtest.FaultServerError)
	h.mustRun(exitOK, "add", "--no-fetch", srv.URL(0))
	h.mustRun(exitOK, "add", "--no-fetch", broken)
	r := h.mustRun(exitOK, "fetch", strings.Replace(srv.URL(0), "http://", "HTTP://", 1))
	if !strings.Contains(r.stdout, srv.URL(0)+": 2 new") {
		t.Errorf("fetch by another spelling:\n%s", r.stdout)
	}
	r = h.mustRun(exitOK, "fetch", broken)
	if n := strings.Count(r.stdout+r.stderr, "500"); n != 1 {
		t.Errorf("the error is printed %d times, want once:\nstdout:\n%s\nstderr:\n%s", n, r.stdout, r.stderr)
	}
}

// TestSchedules checks that a bad schedule is quoted once, and that @every
// takes days.
func TestSchedules(t *testing.T) {
	h := newHarness(t, "")
	u := "https://blog.example/feed.xml"
	h.mustRun(exitOK, "add", "--no-fetch", u, "--schedule", "@every 90d")
	f, err := feedOf(t, h.openStore(), u)
	if err != nil {
		t.Fatal(err)
	}
	if f.Schedule != "@every 2160h0m0s" {
		t.Errorf("schedule %q, want @every 2160h0m0s", f.Schedule)
	}
	for _, cmd := range []string{"add", "edit"} {
		args := []string{cmd, u, "--schedule", "bad"}
		if cmd == "add" {
			args = append(args, "--no-fetch")
		}
		r := h.mustRun(exitUsage, args...)
		if !strings.Contains(r.stderr, `schedule "bad": `) || strings.Count(r.stderr, `"bad"`) != 1 {
			t.Errorf("%s --schedule bad: %q; want the spec quoted once", cmd, r.stderr)
		}
	}
}
