package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tidings/fetch"
	"tidings/store"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		o    fetch.Outcome
		want string
	}{
		{"200", fetch.Outcome{Status: 200}, fetch.OutcomeOK},
		{"304", fetch.Outcome{Status: 304, NotModified: true}, fetch.OutcomeNotModified},
		{"200 unchanged", fetch.Outcome{Status: 200, Unchanged: true}, fetch.OutcomeUnchanged},
		{"500", fetch.Outcome{Status: 500, Err: errors.New("server answered 500")}, fetch.OutcomeError},
		{"network", fetch.Outcome{Err: fetch.ErrTimeout}, fetch.OutcomeError},
		{"410", fetch.Outcome{Status: 410, Err: fetch.ErrGone,
			Result: store.FetchResult{State: store.FeedState{Gone: true, WaitReason: store.WaitGone}}}, fetch.OutcomeGone},
		{"429", fetch.Outcome{Status: 429,
			Result: store.FetchResult{State: store.FeedState{WaitReason: store.WaitRetryAfter}}}, fetch.OutcomeRetryAfter},
		{"saved badly", fetch.Outcome{Status: 200, SaveErr: errors.New("disk full")}, fetch.OutcomeError},
		{"canceled", fetch.Outcome{Err: &fetch.Error{Err: fetch.ErrCanceled}}, ""},
	}
	for _, tt := range tests {
		if got := fetch.Classify(tt.o); got != tt.want {
			t.Errorf("%s: Classify = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestFeedGauges checks the gauges of feeds by state, counted by a real
// store at scrape time.
func TestFeedGauges(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	now := time.Now()
	states := []store.FeedState{
		{NextDue: now.Add(-time.Hour)},                               // due, overdue
		{NextDue: now.Add(-time.Second)},                             // due
		{NextDue: now.Add(time.Hour), ErrorCount: 1},                 // failing
		{NextDue: now.Add(-time.Hour), Gone: true},                   // gone
		{NextDue: now.Add(time.Hour), NotBefore: now.Add(time.Hour)}, // held
	}
	for i, st := range states {
		f := addFeed(t, db, fmt.Sprintf("https://example.org/%d.xml", i), "")
		if _, err := db.SaveFetch(ctx, f.ID, store.FetchResult{Now: now, State: st}); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	if _, err := fetch.NewMetrics(reg, db); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{
		"tidings_feeds": 5, "tidings_feeds_due": 2, "tidings_feeds_overdue": 1,
		"tidings_feeds_gone": 1, "tidings_feeds_failing": 1,
	} {
		if got := counterValue(t, reg, name, ""); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}
