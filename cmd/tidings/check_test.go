package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tidings/fetch/fetchtest"
)

// TestBackupCheckAndDamage: a backup is a database with every item; check
// says an intact file is intact; garbage written into the middle of the
// file is found by check (exit 1, "damaged"), and the damaged file is not
// written to by the fetch that follows in the same process.
func TestBackupCheckAndDamage(t *testing.T) {
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 40, Items: 50})
	h := newHarness(t, privateConfig)
	for _, u := range srv.URLs() {
		h.mustRun(exitOK, "add", "--no-fetch", u)
	}
	h.mustRun(exitOK, "fetch")
	if r := h.mustRun(exitOK, "check"); !strings.Contains(r.stdout, "intact") {
		t.Errorf("check of an intact file: %q", r.stdout)
	}

	copyPath := filepath.Join(h.dir, "copy.db")
	h.mustRun(exitOK, "backup", copyPath)
	r := h.mustRun(exitFailure, "backup", copyPath)
	if !strings.Contains(r.stderr, "exists") {
		t.Errorf("backup over an existing file: %q", r.stderr)
	}
	want := h.mustRun(exitOK, "items", "--limit", "0").stdout
	orig := h.dbPath
	h.dbPath = copyPath
	if err := os.WriteFile(h.configPath, []byte("database = \"copy.db\"\n"+privateConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := h.mustRun(exitOK, "items", "--limit", "0").stdout; got != want || strings.Count(got, "\n") < 2000 {
		t.Errorf("the backup lists %d lines, the original %d", strings.Count(got, "\n"), strings.Count(want, "\n"))
	}
	h.mustRun(exitOK, "check")

	// Garbage over 8 pages in the middle of the original.
	f, err := os.OpenFile(orig, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	garbage := []byte(strings.Repeat("\xde\xad\xbe\xef", 8*4096/4))
	if _, err := f.WriteAt(garbage, st.Size()/2/4096*4096); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.configPath, []byte("database = \"tidings.db\"\n"+privateConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	h.dbPath = orig
	r = h.run("check")
	if r.code != exitFailure || !strings.Contains(r.stderr, "damaged") || !strings.Contains(r.stderr, "tidings backup") {
		t.Errorf("check of a damaged file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
