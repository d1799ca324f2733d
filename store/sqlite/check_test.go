package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tidings/store"
)

// TestCheckStopsWrites: quick_check finds garbage written into the middle
// of the file, and from then on no write reaches it.
func TestCheckStopsWrites(t *testing.T) {
	db := openTemp(t)
	ids := make([]int64, 0, 20)
	for i := range 20 {
		f, err := db.Subscribe(t.Context(), uid(t, db), store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://damage%d.test/feed", i)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
		if _, err := db.SaveFetch(t.Context(), f.ID, store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 100)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Check(t.Context()); err != nil {
		t.Fatalf("Check of an intact file: %v", err)
	}
	// Checkpoint so that the pages are in the main file, then damage it.
	if _, err := db.write.ExecContext(t.Context(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(db.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", 8*4096/4)), st.Size()/2/4096*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()
	err = db.Check(t.Context())
	if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), db.Path()) {
		t.Fatalf("Check of a damaged file: %v; want store.ErrCorrupt naming the file", err)
	}
	_, err = db.SaveFetch(t.Context(), ids[0], store.FetchResult{Now: time.Now(), Items: benchItems("after", 5)})
	if !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("SaveFetch after a failed check: %v; want store.ErrCorrupt", err)
	}
	if _, err := db.Subscribe(t.Context(), uid(t, db), store.Subscription{Feed: store.Feed{URL: "https://after.test/feed"}}); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("AddFeed after a failed check: %v; want store.ErrCorrupt", err)
	}
}

func TestPermissionError(t *testing.T) {
	denied := &os.PathError{Op: "open", Path: "/x/tidings.db", Err: fs.ErrPermission}
	rofs := &os.PathError{Op: "open", Path: "/x/tidings.db", Err: syscall.EROFS}
	tests := []struct {
		isDir bool
		err   error
		want  []string
	}{
		{false, denied, []string{"/x/tidings.db: this file is read-only (no write permission for you)", "reading it works", "chmod u+w /x/tidings.db"}},
		{true, denied, []string{"/x: this directory is not writable (no write permission for you)", "-wal and -shm", "chmod u+w /x"}},
		{false, rofs, []string{"/x/tidings.db: this file is read-only (on a read-only file system)"}},
		{true, rofs, []string{"/x: this directory is not writable (on a read-only file system)"}},
		{false, errors.New("other"), []string{"/x/tidings.db: other"}},
	}
	for _, tt := range tests {
		path := "/x/tidings.db"
		if tt.isDir {
			path = "/x"
		}
		err := permissionError(path, tt.isDir, tt.err)
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("permissionError(%s): %q lacks %q", path, err, w)
			}
		}
		if readOnlyCause(tt.err) != errors.Is(err, ErrReadOnly) {
			t.Errorf("permissionError(%s, %v): errors.Is(ErrReadOnly) = %v", path, tt.err, !readOnlyCause(tt.err))
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("permissionError(%s) does not wrap %v", path, tt.err)
		}
	}
	// As a user who may not write (not root), Open says which permission.
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o755)
		_, err := Open(t.Context(), filepath.Join(dir, "tidings.db"))
		if err == nil || !strings.Contains(err.Error(), "directory is not writable") {
			t.Errorf("Open in a read-only directory: %v", err)
		}
	}
}
