package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
	"tidings/store/sqlite"
)

// TestHealthAfterFailedCheck: the daemon's quick_check job finds a damaged
// file, and /healthz's check then fails with what to do.
func TestHealthAfterFailedCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tidings.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		f, err := db.Subscribe(context.Background(), meID(t, db), store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://h%d.test/feed", i)}})
		if err != nil {
			t.Fatal(err)
		}
		its := make([]store.Item, 100)
		for j := range its {
			its[j] = store.Item{GUID: fmt.Sprint(j), Title: strings.Repeat("title ", 20), Content: strings.Repeat("<p>text</p>", 50)}
		}
		if _, err := db.SaveFetch(context.Background(), f.ID, store.FetchResult{Now: time.Now(), Items: its}); err != nil {
			t.Fatal(err)
		}
	}
	var buf syncBuffer
	d := &daemon{store: db, log: slog.New(slog.NewTextHandler(&buf, nil))}
	d.sched = fetch.NewScheduler(fetch.SchedulerOptions{Store: db, Fetcher: fetch.New(fetch.Options{})})
	d.check(context.Background())
	if _, err := d.health(context.Background()); err != nil {
		t.Fatalf("health of an intact database: %v", err)
	}
	// Closed, the file holds every page (the WAL is checkpointed); damage
	// it and open it again.
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	if _, err := f.WriteAt([]byte(strings.Repeat("\xde\xad\xbe\xef", 8*4096/4)), st.Size()/2/4096*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()
	db, err = sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d = &daemon{store: db, log: d.log, sched: fetch.NewScheduler(fetch.SchedulerOptions{Store: db, Fetcher: fetch.New(fetch.Options{})})}
	d.check(context.Background())
	fields, err := d.health(context.Background())
	if !errors.Is(err, store.ErrCorrupt) || fields["database"] != "damaged" {
		t.Errorf("health after a failed check: %v, %v; want store.ErrCorrupt and database damaged", fields, err)
	}
	if !strings.Contains(buf.String(), "the database is damaged") {
		t.Errorf("no log line of the damage:\n%s", buf.String())
	}
}
