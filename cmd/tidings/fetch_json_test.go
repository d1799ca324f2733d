package main

import (
	"encoding/json"
	"strings"
	"testing"

	"tidings/fetch/fetchtest"
)

// TestFetchJSON: `fetch --json` prints one object per feed fetched, with
// its outcome and counts, then one for the run; errors are data, not text
// to parse.
func TestFetchJSON(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: 4, Format: fetchtest.Mixed})
	h := newHarness(t, privateConfig)
	for _, u := range srv.URLs() {
		h.mustRun(exitOK, "add", "--no-fetch", u)
	}
	broken := srv.FaultURL(fetchtest.FaultServerError)
	h.mustRun(exitOK, "add", "--no-fetch", broken)

	r := h.mustRun(exitOK, "fetch", "--json")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 3 feeds and the run:\n%s", len(lines), r.stdout)
	}
	byURL := map[string]fetchOutcome{}
	for _, line := range lines[:3] {
		var o fetchOutcome
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		byURL[o.FeedURL] = o
	}
	for _, u := range srv.URLs() {
		if o := byURL[u]; o.Outcome != "ok" || o.New != 4 || o.Error != "" {
			t.Errorf("%s: %+v; want ok with 4 new", u, o)
		}
	}
	if o := byURL[broken]; o.Outcome != "error" || o.Error == "" {
		t.Errorf("%s: %+v; want an error with its message", broken, o)
	}
	var run fetchRun
	if err := json.Unmarshal([]byte(lines[3]), &run); err != nil {
		t.Fatal(err)
	}
	if run.Feeds != 3 || run.New != 8 || run.Errors != 1 || run.Stopped != "" {
		t.Errorf("run %+v; want 3 feeds, 8 new, 1 error", run)
	}

	r = h.mustRun(exitOK, "fetch", "--json")
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &run); err != nil || run.Feeds != 0 || len(run.Notes) != 1 {
		t.Errorf("nothing due: %q (%v); want one run object with a note", r.stdout, err)
	}
}
