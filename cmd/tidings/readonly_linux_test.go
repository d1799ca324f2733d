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

// TestReadOnlyDatabase: on a disk that may only be read (a tmpfs
// remounted read-only, which stops root too, unlike file permissions),
// the reading commands work and change nothing, and a writing command says
// which file and why it cannot write.
func TestReadOnlyDatabase(t *testing.T) {
	disk := mountTmpfs(t, "16m")
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: 2, Items: 3})
	h := newHarness(t, "")
	h.dbPath = filepath.Join(disk, "tidings.db")
	if err := os.WriteFile(h.configPath, []byte(fmt.Sprintf("database = %q\n%s", h.dbPath, privateConfig)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range srv.URLs() {
		h.mustRun(exitOK, "add", u)
	}
	if err := syscall.Mount("tmpfs", disk, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount %s read-only: %v", disk, err)
	}
	before, err := os.ReadFile(h.dbPath)
	if err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"items"}, {"feeds"}, {"search", "item"}, {"export"}, {"items", "--json"}} {
		r := h.mustRun(exitOK, args...)
		if !strings.Contains(r.stderr, h.dbPath+": this file is read-only (on a read-only file system); reading it, changing nothing") {
			t.Errorf("%v does not say it reads a read-only file:\n%s", args, r.stderr)
		}
		if strings.TrimSpace(r.stdout) == "" {
			t.Errorf("%v printed nothing", args)
		}
	}
	r := h.mustRun(exitOK, "items", "--json")
	if n := strings.Count(r.stdout, "\n"); n != 6 {
		t.Errorf("items --json: %d items, want 6:\n%s", n, r.stdout)
	}
	r = h.mustRun(exitOK, "show", "1")
	if !strings.Contains(r.stdout, "unread") {
		t.Errorf("show on a read-only database does not leave the item unread:\n%s", r.stdout)
	}

	r = h.mustRun(exitFailure, "star", "1")
	if !strings.Contains(r.stderr, h.dbPath+": this file is read-only (on a read-only file system)") ||
		!strings.Contains(r.stderr, "copy it somewhere writable") {
		t.Errorf("star on a read-only database does not say which file and why:\n%s", r.stderr)
	}
	if after, err := os.ReadFile(h.dbPath); err != nil || string(after) != string(before) {
		t.Errorf("the database changed under the reading commands (%v)", err)
	}
}
