package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tidings/config"
	"tidings/store"
)

func TestMarkCommands(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	ctx := context.Background()
	st := h.openStore()
	state := func(id int64) (read, starred bool) {
		it, err := st.Item(ctx, meID(t, st), id)
		if err != nil {
			t.Fatal(err)
		}
		return it.Read, it.Starred
	}
	tests := []struct {
		args    []string
		code    int
		out     string
		id      int64
		read    bool
		starred bool
	}{
		{[]string{"read", "2", "5", "2"}, exitOK, "Marked 2 items read.", 5, true, false},
		{[]string{"unread", "5"}, exitOK, "Marked 1 item unread.", 5, false, false},
		{[]string{"star", "5"}, exitOK, "Marked 1 item starred.", 5, false, true},
		{[]string{"unstar", "5"}, exitOK, "Marked 1 item unstarred.", 5, false, false},
		{[]string{"star", "3", "404", "405"}, exitFailure, "Marked 1 item starred.", 3, false, true},
	}
	for _, tt := range tests {
		r := h.run(tt.args...)
		if r.code != tt.code || !strings.Contains(r.stdout, tt.out) {
			t.Errorf("tidings %s: exit %d stdout %q stderr %q; want exit %d and %q", strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.code, tt.out)
		}
		if read, starred := state(tt.id); read != tt.read || starred != tt.starred {
			t.Errorf("after tidings %s: item %d read %v starred %v, want %v %v", strings.Join(tt.args, " "), tt.id, read, starred, tt.read, tt.starred)
		}
	}
	r := h.run("read", "404", "1", "405")
	if r.code != exitFailure || !strings.Contains(r.stderr, "no item with ID 404, 405") {
		t.Errorf("read of missing IDs: exit %d, %q", r.code, r.stderr)
	}
}

func TestReadAll(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	r := h.mustRun(exitOK, "read", "--all", "--tag", "go")
	if !strings.Contains(r.stdout, "Marked 1 item read.") {
		t.Errorf("read --all --tag go: %q", r.stdout)
	}
	r = h.mustRun(exitOK, "items", "--unread", "--json")
	if strings.Count(r.stdout, "\n") != 3 || strings.Contains(r.stdout, "go.example") {
		t.Errorf("unread after read --all --tag go:\n%s", r.stdout)
	}
	h.mustRun(exitOK, "read", "--all", "--feed", "https://news.example/rss")
	if r := h.mustRun(exitOK, "items", "--unread"); !strings.Contains(r.stdout, "No items match.") {
		t.Errorf("items left unread:\n%s", r.stdout)
	}
	if r := h.run("read", "--all", "--feed", "https://nope.example/"); r.code != exitFailure {
		t.Errorf("read --all of an unknown feed: exit %d", r.code)
	}
	if r := h.run("read", "--feed", "https://news.example/rss"); r.code != exitUsage {
		t.Errorf("read --feed without --all: exit %d", r.code)
	}
}

func TestAddEditRemove(t *testing.T) {
	h := newHarness(t, "")
	_ = context.Background()
	u := "https://blog.example/feed.xml"
	r := h.mustRun(exitOK, "add", "--no-fetch", u, "--tag", "blogs", "--tag", "friends", "--schedule", "@hourly", "--title", "Friend's blog")
	if !strings.Contains(r.stdout, `Added "Friend's blog" (`+u+`).`) {
		t.Errorf("add: %q", r.stdout)
	}
	if r := h.run("add", "--no-fetch", u); r.code != exitFailure || !strings.Contains(r.stderr, "already subscribed") {
		t.Errorf("second add: exit %d %q", r.code, r.stderr)
	}
	h.mustRun(exitOK, "edit", u, "--untag", "friends", "--tag", "daily", "--schedule", "", "--title", "")
	f, err := feedOf(t, h.openStore(), u)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(f.Tags, []string{"blogs", "daily"}) || f.Schedule != "" || f.UserTitle != "" {
		t.Errorf("after edit: tags %q schedule %q title %q", f.Tags, f.Schedule, f.UserTitle)
	}
	if r := h.run("edit", "https://nope.example/", "--tag", "x"); r.code != exitFailure || !strings.Contains(r.stderr, "not subscribed") {
		t.Errorf("edit unknown: exit %d %q", r.code, r.stderr)
	}
	h.mustRun(exitOK, "remove", u)
	if _, err := feedOf(t, h.openStore(), u); err == nil {
		t.Error("feed still there after remove")
	}
	if r := h.run("remove", u); r.code != exitFailure || !strings.Contains(r.stderr, "not subscribed") {
		t.Errorf("remove again: exit %d %q", r.code, r.stderr)
	}
}

// TestConfigFeeds checks that [[feed]] blocks are synced into the store on
// start, and that remove and edit refuse them with the file and line.
func TestConfigFeeds(t *testing.T) {
	h := newHarness(t, `
[[feed]]
url = "https://declared.example/atom.xml"
title = "Declared"
tags = ["config"]
`)
	u := "https://declared.example/atom.xml"
	r := h.run("remove", u)
	want := "declared in " + h.configPath + " at line 3"
	if r.code != exitFailure || !strings.Contains(r.stderr, want) {
		t.Errorf("remove of a config feed: exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
	if r := h.run("edit", u, "--tag", "x"); r.code != exitFailure || !strings.Contains(r.stderr, want) {
		t.Errorf("edit of a config feed: exit %d, %q", r.code, r.stderr)
	}
	r = h.mustRun(exitOK, "feeds", "--json")
	if !strings.Contains(r.stdout, `"origin":"config"`) || !strings.Contains(r.stdout, `"title":"Declared"`) {
		t.Errorf("feeds: %s", r.stdout)
	}
	// The block goes: the feed goes at the next start; a user feed stays.
	h.mustRun(exitOK, "add", "--no-fetch", "https://user.example/rss")
	if err := os.WriteFile(h.configPath, []byte("database = \"tidings.db\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = h.mustRun(exitOK, "feeds", "--json")
	if strings.Contains(r.stdout, "declared.example") || !strings.Contains(r.stdout, "user.example") {
		t.Errorf("after removing the block: %s", r.stdout)
	}
	// The program never writes the config file.
	if b, _ := os.ReadFile(h.configPath); string(b) != "database = \"tidings.db\"\n" {
		t.Errorf("config file changed: %q", b)
	}
}

func TestInit(t *testing.T) {
	h := newBareHarness(t)
	r := h.mustRun(exitOK, "init")
	path := config.DefaultPath()
	if !strings.Contains(r.stdout, "Wrote "+path) {
		t.Errorf("init: %q", r.stdout)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != config.Starter() {
		t.Fatalf("starter not written to %s: %v", path, err)
	}
	if _, err := config.Load(path); err != nil {
		t.Errorf("the starter does not load: %v", err)
	}
	if err := os.WriteFile(path, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = h.run("init")
	if r.code != exitFailure || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("second init: exit %d %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(path); string(b) != "# mine\n" {
		t.Error("init overwrote an existing file")
	}
	other := filepath.Join(h.dir, "deep", "er", "tidings.toml")
	r = h.mustRun(exitOK, "init", "--config", other)
	if !strings.Contains(r.stdout, "--config "+other) {
		t.Errorf("init elsewhere does not say how to use it: %q", r.stdout)
	}
	if _, err := os.Stat(other); err != nil {
		t.Error(err)
	}
}

func TestPrune(t *testing.T) {
	h := newHarness(t, "[retention]\nread_after = \"30d\"\n")
	h.seed()
	ctx := context.Background()
	st := h.openStore()
	// Item 3 (40 days old) is read and old: pruned. Item 1 (3 days) is read
	// but young. Item 4 is starred.
	if _, err := st.SetRead(ctx, meID(t, st), []int64{3, 4}, true); err != nil {
		t.Fatal(err)
	}
	r := h.mustRun(exitOK, "prune", "--dry-run")
	if !strings.Contains(r.stdout, "Would delete 1 read item published before 2026-10-29 12:00 UTC.") {
		t.Errorf("dry run: %q", r.stdout)
	}
	if _, err := st.Item(ctx, meID(t, st), 3); err != nil {
		t.Fatal("dry run deleted the item")
	}
	r = h.mustRun(exitOK, "prune")
	if !strings.Contains(r.stdout, "Deleted 1 read item") {
		t.Errorf("prune: %q", r.stdout)
	}
	var ids []int64
	items, _, _ := st.Items(ctx, meID(t, st), store.Query{})
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{1, 2, 4, 5}) {
		t.Errorf("items left: %v", ids)
	}

	off := newHarness(t, "[retention]\nread_after = \"never\"\n")
	if r := off.mustRun(exitOK, "prune"); r.stdout != "Retention is off (read_after = never); nothing to prune.\n" {
		t.Errorf("prune with retention off: %q", r.stdout)
	}
}

func TestRelTime(t *testing.T) {
	now := testNow
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "never"},
		{now.Add(-10 * time.Second), "just now"},
		{now.Add(-5 * time.Minute), "5m ago"},
		{now.Add(-3 * time.Hour), "3h ago"},
		{now.Add(-47 * time.Hour), "47h ago"},
		{now.Add(-72 * time.Hour), "3d ago"},
		{now.Add(27 * time.Minute), "in 27m"},
		{now.Add(-40 * 24 * time.Hour), "2026-10-19"},
	}
	for _, tt := range tests {
		if got := relTime(tt.t, now); got != tt.want {
			t.Errorf("relTime(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestRemoveKeepsStarred(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	h.mustRun(exitOK, "remove", "https://news.example/rss")
	r := h.mustRun(exitOK, "items", "--json")
	if strings.Count(r.stdout, "\n") != 3 || !strings.Contains(r.stdout, `"title":"Second story"`) {
		t.Errorf("after removing the news feed, want the 2 go items and the starred one:\n%s", r.stdout)
	}
	if r := h.mustRun(exitOK, "show", "4"); !strings.Contains(r.stdout, "Second story") {
		t.Errorf("starred item of a removed feed not readable:\n%s", r.stdout)
	}
}
