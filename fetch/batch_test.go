package fetch

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tidings/store"
	"tidings/store/sqlite"
)

// batchRecorder is a BatchSaver that records the size of every save call
// and fails the feeds in fail, each on its own.
type batchRecorder struct {
	batches []int // sizes of SaveFetches calls; 1 for a SaveFetch
	saved   []int64
	fail    map[int64]bool
	// broken fails every SaveFetches as a whole (SaveFetch still works).
	broken bool
}

func (r *batchRecorder) SaveFetch(ctx context.Context, feedID int64, res store.FetchResult) (store.SaveResult, error) {
	r.batches = append(r.batches, 1)
	if r.fail[feedID] {
		return store.SaveResult{}, fmt.Errorf("feed %d: %w", feedID, store.ErrNotFound)
	}
	r.saved = append(r.saved, feedID)
	return store.SaveResult{New: len(res.Items)}, nil
}

func (r *batchRecorder) SaveFetches(ctx context.Context, batch []store.FeedFetch) ([]store.SaveResult, []error, error) {
	if r.broken {
		return nil, nil, errors.New("database is locked")
	}
	r.batches = append(r.batches, len(batch))
	results := make([]store.SaveResult, len(batch))
	errs := make([]error, len(batch))
	for i, f := range batch {
		if r.fail[f.FeedID] {
			errs[i] = fmt.Errorf("feed %d: %w", f.FeedID, store.ErrNotFound)
			continue
		}
		r.saved = append(r.saved, f.FeedID)
		results[i] = store.SaveResult{New: len(f.Result.Items)}
	}
	return results, errs, nil
}

// plainSaver hides SaveFetches: a Saver that cannot batch.
type plainSaver struct{ r *batchRecorder }

func (p plainSaver) SaveFetch(ctx context.Context, feedID int64, res store.FetchResult) (store.SaveResult, error) {
	return p.r.SaveFetch(ctx, feedID, res)
}

// queued is a pool whose results channel holds n outcomes (feeds 1..n, feed
// i with i items) and is closed, as the writer finds it when the fetches
// finished faster than it saved.
func queued(ctx context.Context, n int) *pool {
	p := &pool{ctx: ctx, results: make(chan Outcome, n)}
	for i := 1; i <= n; i++ {
		p.results <- outcome(i)
	}
	close(p.results)
	return p
}

func TestWriteBatches(t *testing.T) {
	tests := []struct {
		name        string
		n           int
		fail        []int64
		plain       bool
		broken      bool
		wantBatches []int
	}{
		{name: "one", n: 1, wantBatches: []int{1}},
		{name: "queued", n: 20, wantBatches: []int{16, 4}},
		{name: "exactly a batch", n: 16, wantBatches: []int{16}},
		{name: "failures are per feed", n: 5, fail: []int64{2, 4}, wantBatches: []int{5}},
		{name: "no BatchSaver", n: 3, plain: true, wantBatches: []int{1, 1, 1}},
		{name: "batch fails whole", n: 3, fail: []int64{2}, broken: true, wantBatches: []int{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &batchRecorder{fail: make(map[int64]bool), broken: tt.broken}
			for _, id := range tt.fail {
				rec.fail[id] = true
			}
			var s Saver = rec
			if tt.plain {
				s = plainSaver{rec}
			}
			var outcomes []Outcome
			err := queued(t.Context(), tt.n).write(s, func(o Outcome) { outcomes = append(outcomes, o) })

			if !slices.Equal(rec.batches, tt.wantBatches) {
				t.Errorf("save calls of sizes %v; want %v", rec.batches, tt.wantBatches)
			}
			if len(outcomes) != tt.n {
				t.Fatalf("done called %d times; want once per outcome, %d", len(outcomes), tt.n)
			}
			for i, o := range outcomes {
				if want := int64(i + 1); o.Feed.ID != want {
					t.Errorf("outcome %d is feed %d; want %d (queue order)", i, o.Feed.ID, want)
				}
				if rec.fail[o.Feed.ID] {
					want := fmt.Sprintf("save feed %s: feed %d: ", o.Feed.URL, o.Feed.ID)
					if !errors.Is(o.SaveErr, store.ErrNotFound) || !strings.HasPrefix(o.SaveErr.Error(), want) {
						t.Errorf("feed %d SaveErr = %v; want its own not-found error", o.Feed.ID, o.SaveErr)
					}
					continue
				}
				if o.SaveErr != nil || o.Saved.New != int(o.Feed.ID) {
					t.Errorf("feed %d: Saved %+v, SaveErr %v; want %d new, no error", o.Feed.ID, o.Saved, o.SaveErr, o.Feed.ID)
				}
			}
			if len(rec.saved) != tt.n-len(tt.fail) {
				t.Errorf("%d feeds saved; want %d", len(rec.saved), tt.n-len(tt.fail))
			}
			if wantErr := len(tt.fail) > 0; (err != nil) != wantErr {
				t.Errorf("write = %v; want an error %v", err, wantErr)
			} else if err != nil && !strings.HasPrefix(err.Error(), fmt.Sprintf("%d fetched", len(tt.fail))) {
				t.Errorf("write = %v; want it to count %d failed saves", err, len(tt.fail))
			}
		})
	}
}

// TestWriteCanceledSavesNothing: a run canceled before the writer gets to
// the queue saves none of it.
func TestWriteCanceledSavesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	p := queued(ctx, 5)
	cancel()
	rec := &batchRecorder{}
	var done int
	err := p.write(rec, func(Outcome) { done++ })
	if !errors.Is(err, context.Canceled) || len(rec.saved) != 0 || done != 0 {
		t.Errorf("canceled write = %v, saved %v, done %d times; want context.Canceled, nothing", err, rec.saved, done)
	}
}

// outcome is the result of fetching feed i, with i items, as queued makes.
func outcome(i int) Outcome {
	items := make([]store.Item, i)
	for j := range items {
		items[j] = store.Item{GUID: fmt.Sprintf("%d-%d", i, j), Title: "item", Content: "body"}
	}
	return Outcome{
		Feed:   store.Feed{ID: int64(i), URL: fmt.Sprintf("https://%d.test/feed", i)},
		Result: store.FetchResult{Now: time.Now(), Items: items},
	}
}

// TestWriteWindow: results that arrive while a batch waits out its window
// share its commit; a full batch, the end of the run and a cancel do not
// wait for the window; a result after the window has its own batch. The
// fetches (a goroutine sending on results) are paced by what the writer
// has saved, never by sleeping, so the outcome does not depend on timing.
func TestWriteWindow(t *testing.T) {
	tests := []struct {
		name   string
		window time.Duration
		// send sends the outcomes to results and closes it (or not); saved
		// receives the number of outcomes saved after each save call.
		send        func(results chan<- Outcome, saved <-chan int, cancel func())
		wantBatches []int
		wantErr     error
	}{
		{
			name: "arrivals within the window share a batch", window: time.Hour,
			send: func(results chan<- Outcome, saved <-chan int, cancel func()) {
				for i := 1; i <= 5; i++ {
					results <- outcome(i)
				}
				close(results) // ends the window: the run is over
			},
			wantBatches: []int{5},
		},
		{
			name: "a full batch does not wait", window: time.Hour,
			send: func(results chan<- Outcome, saved <-chan int, cancel func()) {
				for i := 1; i <= maxBatch+1; i++ {
					results <- outcome(i)
				}
				<-saved // the first batch is saved within the hour
				close(results)
			},
			wantBatches: []int{maxBatch, 1},
		},
		{
			name: "a result after the window has its own batch", window: time.Millisecond,
			send: func(results chan<- Outcome, saved <-chan int, cancel func()) {
				results <- outcome(1)
				<-saved // saved alone: the window ended without more
				results <- outcome(2)
				close(results)
			},
			wantBatches: []int{1, 1},
		},
		{
			name: "a cancel ends the window and saves nothing", window: time.Hour,
			send: func(results chan<- Outcome, saved <-chan int, cancel func()) {
				results <- outcome(1)
				cancel()
			},
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			p := &pool{ctx: ctx, results: make(chan Outcome), window: tt.window}
			saved := make(chan int, 2*maxBatch)
			rec := &batchRecorder{}
			var outcomes int
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				tt.send(p.results, saved, cancel)
			}()
			err := p.write(rec, func(Outcome) {
				outcomes++
				saved <- outcomes
			})
			<-sent
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("write = %v; want %v", err, tt.wantErr)
			}
			if !slices.Equal(rec.batches, tt.wantBatches) {
				t.Errorf("save calls of sizes %v; want %v", rec.batches, tt.wantBatches)
			}
		})
	}
}

// TestWriteBatchSQLite saves a queue of 20 results, one for a feed that
// does not exist, into a real SQLite store: that one fails alone, every
// other feed has its items.
func TestWriteBatchSQLite(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	const n = 20
	p := queued(ctx, n)
	// The queue's feed IDs are 1..n; the store's are whatever AddFeed
	// gives, so map them, leaving feed 7 unknown.
	ids := make(map[int64]int64)
	for i := int64(1); i <= n; i++ {
		if i == 7 {
			ids[i] = 1_000_000
			continue
		}
		f, err := db.Subscribe(ctx, me(t, db), store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://%d.test/feed", i)}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = f.ID
	}
	mapped := make(chan Outcome, n)
	for o := range p.results {
		o.Feed.ID = ids[o.Feed.ID]
		mapped <- o
	}
	close(mapped)
	p.results = mapped

	saved := make(map[string]Outcome)
	err = p.write(db, func(o Outcome) { saved[o.Feed.URL] = o })
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("write = %v; want one failed save, not found", err)
	}
	for i := 1; i <= n; i++ {
		url := fmt.Sprintf("https://%d.test/feed", i)
		o, ok := saved[url]
		if !ok {
			t.Fatalf("no outcome for %s", url)
		}
		if i == 7 {
			if !errors.Is(o.SaveErr, store.ErrNotFound) {
				t.Errorf("unknown feed SaveErr = %v; want not found", o.SaveErr)
			}
			continue
		}
		if o.SaveErr != nil || o.Saved.New != i {
			t.Errorf("%s: Saved %+v, SaveErr %v; want %d new", url, o.Saved, o.SaveErr, i)
		}
		f, err := db.Subscription(ctx, me(t, db), url)
		if err != nil {
			t.Fatal(err)
		}
		if f.Unread != i {
			t.Errorf("%s has %d unread items stored; want %d", url, f.Unread, i)
		}
	}
}

// TestRunBatchWindow: Run's writer waits batchWindow to fill a batch.
func TestRunBatchWindow(t *testing.T) {
	if p := newPool(t.Context(), New(Options{})); p.window != batchWindow || batchWindow <= 0 {
		t.Errorf("Run's pool waits %v to fill a batch; want batchWindow, %v", p.window, batchWindow)
	}
}
