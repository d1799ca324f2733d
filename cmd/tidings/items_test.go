package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestItemsGolden(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	tests := []struct {
		golden string
		args   []string
	}{
		{"items.txt", []string{"items"}},
		{"items-unread-go.txt", []string{"items", "--unread", "--tag", "go"}},
		{"items-starred.txt", []string{"items", "--starred"}},
		{"items-since.txt", []string{"items", "--since", "1d"}},
		{"items-feed-limit.txt", []string{"items", "--feed", "https://news.example/rss", "--limit", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			r := h.mustRun(exitOK, tt.args...)
			golden(t, tt.golden, r.stdout)
		})
	}
}

func TestFeedsGolden(t *testing.T) {
	h := newHarness(t, `
[[feed]]
url = "https://declared.example/atom.xml"
title = "Declared"
tags = ["config"]
schedule = "@hourly"
`)
	h.seed()
	r := h.mustRun(exitOK, "feeds")
	golden(t, "feeds.txt", r.stdout)
}

func TestItemsEmpty(t *testing.T) {
	h := newHarness(t, "")
	if r := h.mustRun(exitOK, "items"); !strings.Contains(r.stdout, "No items yet. Subscribe with 'tidings add URL'") {
		t.Errorf("items on an empty database: %q", r.stdout)
	}
	if r := h.mustRun(exitOK, "items", "--unread"); r.stdout != "No items match.\n" {
		t.Errorf("items --unread on an empty database: %q", r.stdout)
	}
	if r := h.mustRun(exitOK, "items", "--json"); r.stdout != "" {
		t.Errorf("items --json on an empty database: %q, want nothing", r.stdout)
	}
}

func TestItemsLimits(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	count := func(s string) int { return len(strings.Split(strings.TrimSpace(s), "\n")) }
	tests := []struct {
		args []string
		want int
		more bool // a hint on stderr that there are more
	}{
		{[]string{"items"}, 5, false},
		{[]string{"items", "--limit", "2"}, 2, true},
		{[]string{"items", "--limit", "0"}, 5, false},
		{[]string{"items", "--json"}, 5, false},
		{[]string{"items", "--json", "--limit", "3"}, 3, false},
		{[]string{"items", "--unread", "--json"}, 4, false},
		{[]string{"items", "--starred", "--json"}, 1, false},
	}
	for _, tt := range tests {
		r := h.mustRun(exitOK, tt.args...)
		if got := count(r.stdout); got != tt.want {
			t.Errorf("tidings %s: %d lines, want %d:\n%s", strings.Join(tt.args, " "), got, tt.want, r.stdout)
		}
		if got := strings.Contains(r.stderr, "--limit 0 for all"); got != tt.more {
			t.Errorf("tidings %s: hint about more items = %v, want %v", strings.Join(tt.args, " "), got, tt.more)
		}
	}
	r := h.run("items", "--feed", "https://nope.example/")
	if r.code != exitFailure || !strings.Contains(r.stderr, "not subscribed to https://nope.example/") {
		t.Errorf("items of an unknown feed: exit %d, %q", r.code, r.stderr)
	}
}

// TestItemsJSON checks the fields of items --json: null for what is
// absent, values for what is there, tags always an array.
func TestItemsJSON(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	r := h.mustRun(exitOK, "items", "--json")
	// HTML in content stays readable: no \u003c escapes.
	if !strings.Contains(r.stdout, `"content":"<p>Nothing new.</p>"`) || strings.Contains(r.stdout, `\u003c`) {
		t.Errorf("content is escaped for HTML:\n%s", r.stdout)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := []string{"id", "feed_url", "feed_title", "guid", "url", "title", "author", "published", "updated", "content", "read", "starred", "tags", "enclosures"}
	byID := map[float64]map[string]any{}
	var order []float64
	for _, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		if len(m) != len(want) {
			t.Errorf("%d fields, want %d: %s", len(m), len(want), line)
		}
		for _, k := range want {
			if _, ok := m[k]; !ok {
				t.Errorf("field %q missing: %s", k, line)
			}
		}
		if _, ok := m["tags"].([]any); !ok {
			t.Errorf("tags is not an array: %s", line)
		}
		id := m["id"].(float64)
		byID[id] = m
		order = append(order, id)
	}
	// Newest first.
	if got := order; len(got) != 5 || got[0] != 5 || got[4] != 3 {
		t.Errorf("order of IDs = %v, want newest first (5 ... 3)", got)
	}
	n3 := byID[5] // the breaking story: no author, no content, no update time
	for _, k := range []string{"author", "content", "updated"} {
		if n3[k] != nil {
			t.Errorf("item 5 %s = %v, want null", k, n3[k])
		}
	}
	if n3["published"] != "2026-11-28T11:30:00Z" {
		t.Errorf("published = %v, want RFC 3339 UTC 2026-11-28T11:30:00Z", n3["published"])
	}
	if n3["feed_title"] != "Morning news" || n3["feed_url"] != "https://news.example/rss" {
		t.Errorf("feed fields: %v %v", n3["feed_title"], n3["feed_url"])
	}
	old := byID[3] // no link
	if old["url"] != nil {
		t.Errorf("item 3 url = %v, want null", old["url"])
	}
	g1 := byID[1]
	if g1["author"] != "Gopher" || g1["read"] != true || g1["starred"] != false {
		t.Errorf("item 1: author %v read %v starred %v", g1["author"], g1["read"], g1["starred"])
	}
	if tags := g1["tags"].([]any); len(tags) != 2 || tags[0] != "go" {
		t.Errorf("item 1 tags = %v, want [go programming]", tags)
	}
	if byID[4]["starred"] != true {
		t.Error("item 4 is not starred")
	}
}

func TestFeedsJSON(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	h.mustRun(exitOK, "add", "--no-fetch", "https://fresh.example/feed")
	r := h.mustRun(exitOK, "feeds", "--json")
	feeds := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"url", "title", "site_url", "origin", "tags", "schedule", "last_fetch", "last_error", "next_due", "waiting", "items", "unread"} {
			if _, ok := m[k]; !ok {
				t.Errorf("field %q missing: %s", k, line)
			}
		}
		feeds[m["url"].(string)] = m
	}
	fresh := feeds["https://fresh.example/feed"]
	for _, k := range []string{"title", "site_url", "schedule", "last_fetch", "last_error"} {
		if fresh[k] != nil {
			t.Errorf("new feed %s = %v, want null", k, fresh[k])
		}
	}
	if tags, ok := fresh["tags"].([]any); !ok || len(tags) != 0 {
		t.Errorf("new feed tags = %v, want []", fresh["tags"])
	}
	// A new feed is due from when it was added, as the table says.
	if due, ok := fresh["next_due"].(string); !ok || due == "" || fresh["waiting"] != "due now" {
		t.Errorf("new feed next_due = %v, waiting = %v; want its creation time and \"due now\"", fresh["next_due"], fresh["waiting"])
	}
	g := feeds["https://go.example/blog/feed.atom"]
	if g["title"] != "The Go Blog" || g["site_url"] != "https://go.example/blog" || g["origin"] != "user" ||
		g["last_fetch"] != "2026-11-28T10:00:00Z" || g["next_due"] != "2026-11-28T12:25:00Z" ||
		g["items"] != float64(2) || g["unread"] != float64(1) || g["waiting"] != "in 25m (schedule)" {
		t.Errorf("go feed: %v", g)
	}
}

func TestSearch(t *testing.T) {
	h := newHarness(t, "")
	h.seed()
	r := h.mustRun(exitOK, "search", "gophers", "--json")
	if !strings.Contains(r.stdout, `"title":"Breaking: gophers everywhere"`) || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("search gophers:\n%s", r.stdout)
	}
	r = h.mustRun(exitOK, "search", "iterators")
	if !strings.Contains(r.stdout, "Range over functions") {
		t.Errorf("search iterators (content match):\n%s", r.stdout)
	}
	r = h.mustRun(exitOK, "search", "zebra")
	if !strings.Contains(r.stdout, "Nothing matches zebra.") {
		t.Errorf("search zebra:\n%s", r.stdout)
	}
	r = h.mustRun(exitOK, "search", "story", "--tag", "go")
	if !strings.Contains(r.stdout, "Nothing matches") {
		t.Errorf("search filtered by tag:\n%s", r.stdout)
	}
}
