package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tidings/fetch/fetchtest"
)

// TestFetchMovedFeedByOldURL: a feed moved by a permanent redirect is
// still found by the URL it was added with, and `tidings fetch OLD-URL`
// says where it moved and fetches it there.
func TestFetchMovedFeedByOldURL(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Items: 2})
	target := srv.URL(0)
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	}))
	t.Cleanup(old.Close)
	oldURL := old.URL + "/feed.xml"

	h := newHarness(t, privateConfig)
	h.mustRun(exitOK, "add", "--no-fetch", oldURL)
	// The feed moves once the same permanent redirect was seen on three
	// fetches in a row.
	for range 3 {
		h.mustRun(exitOK, "fetch", oldURL)
	}
	r := h.mustRun(exitOK, "feeds")
	if !strings.Contains(r.stdout, target) || !strings.Contains(r.stdout, "moved here from "+oldURL) {
		t.Fatalf("the feed did not move to %s:\n%s", target, r.stdout)
	}

	r = h.mustRun(exitOK, "fetch", oldURL)
	if want := oldURL + " moved to " + target; !strings.Contains(r.stdout, want) {
		t.Errorf("fetch by the old URL does not say %q:\n%s", want, r.stdout)
	}
	if !strings.Contains(r.stdout, target+": not modified") {
		t.Errorf("fetch by the old URL did not fetch the new one:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "not subscribed") || strings.Contains(r.stderr, "not subscribed") {
		t.Errorf("fetch by the old URL says not subscribed:\n%s\n%s", r.stdout, r.stderr)
	}
	// Other commands find it by the old URL too.
	h.mustRun(exitOK, "items", "--feed", oldURL)
}
