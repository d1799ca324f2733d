package main

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"tidings/fetch/fetchtest"
)

// fillDisk writes a file in dir until its file system has no room left,
// and returns the file's path: removing it gives the room back.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			return path
		}
	}
}

// TestFetchDiskFullAtClaim: when the disk under the database is full
// before `tidings fetch` claims anything, the first claim fails: the run
// stops at once with exit 1 and an error that says the disk is full and
// what to do, requests no feed, stores nothing and leaves no claim held;
// once space is freed, a plain fetch gets every feed, each stored once.
func TestFetchDiskFullAtClaim(t *testing.T) {
	disk := mountTmpfs(t, "2m")
	const feeds, items = 12, 3
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: items})
	h := newHarness(t, "")
	h.dbPath = filepath.Join(disk, "tidings.db")
	if err := os.WriteFile(h.configPath, []byte(fmt.Sprintf("database = %q\n%s", h.dbPath, privateConfig)), 0o644); err != nil {
		t.Fatal(err)
	}
	st := h.openStore()
	importAll(t, st, srv)
	filler := fillDisk(t, disk)

	r := h.run("fetch")
	if r.code != exitFailure {
		t.Fatalf("fetch on a full disk: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitFailure, r.stdout, r.stderr)
	}
	for _, want := range []string{"claim feeds to fetch", "the database's disk is full: free some space on the disk of " + h.dbPath} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the error lacks %q:\n%s", want, r.stderr)
		}
	}
	if want := fmt.Sprintf("Stopped: %d feeds not fetched", feeds); !strings.Contains(r.stdout, want) {
		t.Errorf("the output lacks %q:\n%s", want, r.stdout)
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests with no room to claim; want none", n)
	}
	if n := checkWholeFeeds(t, st, items); n != 0 {
		t.Errorf("%d feeds stored on a full disk, want none", n)
	}
	db, err := sql.Open("sqlite", h.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := heldClaims(t, db); n != 0 {
		t.Errorf("%d feeds claimed after a claim that failed; want none", n)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	r = h.mustRun(exitOK, "fetch")
	if want := fmt.Sprintf("Fetched %d feeds: %d new items", feeds, feeds*items); !strings.Contains(r.stdout, want) {
		t.Errorf("fetch with room again lacks %q:\n%s", want, r.stdout)
	}
	if n := checkWholeFeeds(t, st, items); n != feeds {
		t.Errorf("%d feeds stored with room again, want %d", n, feeds)
	}
	for i := range feeds {
		if n := srv.FeedRequests(i); n != 1 {
			t.Errorf("feed %d requested %d times, want once", i, n)
		}
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
}
