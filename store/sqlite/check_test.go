package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strings"
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
		f, err := db.AddFeed(t.Context(), store.Feed{URL: fmt.Sprintf("https://damage%d.test/feed", i)})
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
	if _, err := db.AddFeed(t.Context(), store.Feed{URL: "https://after.test/feed"}); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("AddFeed after a failed check: %v; want store.ErrCorrupt", err)
	}
}
