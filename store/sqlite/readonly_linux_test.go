package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"tidings/store"
)

// readOnlyDisk mounts a tmpfs for the test and returns its directory and
// a function that remounts it read-only. A read-only mount stops root too,
// which file permissions do not: CI runs as root. Mounting needs root
// (CAP_SYS_ADMIN): without it the test is skipped, except under CI=true.
func readOnlyDisk(t *testing.T) (dir string, freeze func()) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16m"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount a tmpfs (CI=true runs as root): %v", err)
		}
		t.Skipf("a read-only disk is a tmpfs remounted read-only, and mounting one needs root: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir, func() {
		t.Helper()
		if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Fatalf("remount %s read-only: %v", dir, err)
		}
	}
}

// TestOpenReadOnlyDisk: a tidings database on a disk that may only be
// read is refused by Open with which file and why (wrapping ErrReadOnly),
// and OpenReadOnly reads it; writes through it fail and change nothing.
func TestOpenReadOnlyDisk(t *testing.T) {
	dir, freeze := readOnlyDisk(t)
	path := filepath.Join(dir, "tidings.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Subscribe(t.Context(), uid(t, db), store.Subscription{Feed: store.Feed{URL: "https://ro.test/feed"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	freeze()
	before := readFile(t, path)

	_, err = Open(t.Context(), path)
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), path+": this file is read-only (on a read-only file system)") {
		t.Errorf("Open on a read-only disk: %v; want ErrReadOnly naming the file and why", err)
	}
	ro, err := OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	defer ro.Close()
	feeds, err := ro.FeedList(t.Context())
	if err != nil || len(feeds) != 1 || feeds[0].URL != "https://ro.test/feed" {
		t.Errorf("FeedList read-only: %v, %v; want the one feed", feeds, err)
	}
	u, err := ro.User(t.Context(), "me")
	if err != nil {
		t.Fatalf("User read-only: %v", err)
	}
	if _, err := ro.Subscribe(t.Context(), u.ID, store.Subscription{Feed: store.Feed{URL: "https://ro.test/other"}}); err == nil {
		t.Error("Subscribe through a read-only open worked")
	}
	if after := readFile(t, path); string(after) != string(before) {
		t.Error("the file changed under a read-only open")
	}
}

// TestOpenTruncatedIsDamaged: a tidings file cut short is called damaged
// (store.ErrCorrupt), not another program's file.
func TestOpenTruncatedIsDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tidings.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://a.test/feed", "https://b.test/feed"} {
		if _, err := db.Subscribe(t.Context(), uid(t, db), store.Subscription{Feed: store.Feed{URL: u}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	whole := readFile(t, path)
	for _, cut := range []int{len(whole) / 2, 4096 + 100, 200} {
		if err := os.WriteFile(path, whole[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(t.Context(), path)
		if errors.Is(err, store.ErrNotTidings) || !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("Open of the file cut to %d of %d bytes: %v; want store.ErrCorrupt, not ErrNotTidings", cut, len(whole), err)
		}
	}
}
