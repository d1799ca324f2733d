package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tidings/store"
)

// writeConfig writes a config file at name in the harness directory that
// uses the harness database and declares the feed URLs, and returns its
// path.
func (h *harness) writeConfig(name string, urls ...string) string {
	h.t.Helper()
	body := "database = " + `"` + h.dbPath + `"` + "\n"
	for _, u := range urls {
		body += "\n[[feed]]\nurl = \"" + u + "\"\n"
	}
	path := filepath.Join(h.dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// TestConfigSyncNeverWipesByAccident checks which config feeds a sync may
// remove: none without a config file, none of another file that exists,
// and those of a file that is gone.
func TestConfigSyncNeverWipesByAccident(t *testing.T) {
	h := newBareHarness(t)
	ctx := context.Background()
	const a, b = "https://a.example/feed", "https://b.example/feed"
	cfgA := h.writeConfig("a.toml", a)
	cfgB := h.writeConfig("b.toml", b)

	// Other commands say nothing about what they add.
	r := h.mustRun(exitOK, "--config", cfgA, "feeds")
	if r.stderr != "" {
		t.Errorf("feeds logged the sync:\n%s", r.stderr)
	}
	// Items that must survive the syncs below.
	st := h.openStore()
	fa, err := feedOf(t, st, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveFetch(ctx, fa.ID, store.FetchResult{Now: testNow, Items: []store.Item{{GUID: "1", Title: "kept", Published: testNow}}}); err != nil {
		t.Fatal(err)
	}

	// No config file at all (the database is the default one, which the
	// config files name too): nothing added, nothing removed.
	h.mustRun(exitOK, "feeds")
	if urls := h.feedURLs(); !sameSet(urls, []string{a}) {
		t.Fatalf("after a run without a config file: feeds %q, want [%s]", urls, a)
	}

	// Another file that exists: its feeds stay, with a warning naming it.
	r = h.mustRun(exitOK, "--config", cfgB, "feeds")
	if urls := h.feedURLs(); !sameSet(urls, []string{a, b}) {
		t.Errorf("after loading b.toml: feeds %q, want both", urls)
	}
	if strings.Count(r.stderr, "level=WARN") != 1 || !strings.Contains(r.stderr, cfgA) {
		t.Errorf("want one warning naming %s:\n%s", cfgA, r.stderr)
	}

	// a.toml renamed, declaring the same feed: the feed moves with its
	// items, nothing is removed.
	renamed := filepath.Join(h.dir, "renamed.toml")
	if err := os.Rename(cfgA, renamed); err != nil {
		t.Fatal(err)
	}
	r = h.mustRun(exitOK, "--config", renamed, "items")
	if !strings.Contains(r.stdout, "kept") || strings.Contains(r.stderr, "removed") {
		t.Errorf("after renaming the config: stdout\n%s\nstderr\n%s", r.stdout, r.stderr)
	}
	f, err := feedOf(t, h.openStore(), a)
	if err != nil || f.ConfigFile != renamed {
		t.Errorf("feed of the renamed file: %+v, %v; want it declared by %s", f, err, renamed)
	}

	// That file deleted: its feed goes at the next sync of another file,
	// and stderr names it and its items.
	if err := os.Remove(renamed); err != nil {
		t.Fatal(err)
	}
	r = h.mustRun(exitOK, "--config", cfgB, "feeds")
	if urls := h.feedURLs(); !sameSet(urls, []string{b}) {
		t.Errorf("after deleting the file of %s: feeds %q", a, urls)
	}
	want := "tidings: removed " + a + " and its 1 item (starred ones kept): no longer declared in " + cfgB + "\n"
	if r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
}
