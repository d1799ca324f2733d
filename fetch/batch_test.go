package fetch

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"tidings/store"
	"tidings/store/sqlite"
)

// batchStore is a real SQLite store in a temporary file that records the
// size of every save call it is given (1 for a SaveFetch). With wholeFails
// set, its SaveFetches fails as a whole before it reaches the database, as
// a transaction that cannot begin or commit does, and saves nothing;
// SaveFetch still saves.
type batchStore struct {
	*sqlite.DB
	mu         sync.Mutex
	batches    []int
	wholeFails bool
}

func (s *batchStore) SaveFetch(ctx context.Context, feedID int64, res store.FetchResult) (store.SaveResult, error) {
	s.mu.Lock()
	s.batches = append(s.batches, 1)
	s.mu.Unlock()
	return s.DB.SaveFetch(ctx, feedID, res)
}

func (s *batchStore) SaveFetches(ctx context.Context, batch []store.FeedFetch) ([]store.SaveResult, []error, error) {
	if s.wholeFails {
		return nil, nil, errors.New("database is locked")
	}
	s.mu.Lock()
	s.batches = append(s.batches, len(batch))
	s.mu.Unlock()
	return s.DB.SaveFetches(ctx, batch)
}

func (s *batchStore) sizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.batches)
}

// plainSaver hides SaveFetches: a Saver that cannot batch.
type plainSaver struct{ s *batchStore }

func (p plainSaver) SaveFetch(ctx context.Context, feedID int64, res store.FetchResult) (store.SaveResult, error) {
	return p.s.SaveFetch(ctx, feedID, res)
}

// batchFeeds opens a real store with the feeds https://i.test/feed for i
// in 1..n subscribed, except those in missing: their outcomes carry a
// feed ID that the store does not have, as a feed removed while it was
// fetched. It returns the store and the outcome of fetching feed i, with
// i items, at index i-1.
func batchFeeds(t testing.TB, n int, missing ...int) (*batchStore, []Outcome) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	outcomes := make([]Outcome, n)
	for i := 1; i <= n; i++ {
		o := outcome(i)
		if slices.Contains(missing, i) {
			o.Feed.ID = 1_000_000 + int64(i)
		} else {
			s, err := db.Subscribe(context.Background(), me(t, db), store.Subscription{Feed: store.Feed{URL: o.Feed.URL}})
			if err != nil {
				t.Fatal(err)
			}
			o.Feed.ID = s.ID
		}
		outcomes[i-1] = o
	}
	return &batchStore{DB: db}, outcomes
}

// storedItems returns how many items the store holds of feed i.
func storedItems(t testing.TB, s *batchStore, i int) int {
	t.Helper()
	sub, err := s.Subscription(context.Background(), me(t, s), fmt.Sprintf("https://%d.test/feed", i))
	if err != nil {
		t.Fatalf("feed %d: %v", i, err)
	}
	return sub.Items
}

// queued is a pool whose results channel holds outcomes and is closed, as
// the writer finds it when the fetches finished faster than it saved.
func queued(ctx context.Context, outcomes []Outcome) *pool {
	p := &pool{ctx: ctx, results: make(chan Outcome, len(outcomes))}
	for _, o := range outcomes {
		p.results <- o
	}
	close(p.results)
	return p
}

func TestWriteBatches(t *testing.T) {
	tests := []struct {
		name        string
		n           int
		missing     []int
		plain       bool
		wholeFails  bool
		wantBatches []int
	}{
		{name: "one", n: 1, wantBatches: []int{1}},
		{name: "queued", n: 20, wantBatches: []int{16, 4}},
		{name: "exactly a batch", n: 16, wantBatches: []int{16}},
		{name: "failures are per feed", n: 5, missing: []int{2, 4}, wantBatches: []int{5}},
		{name: "no BatchSaver", n: 3, plain: true, wantBatches: []int{1, 1, 1}},
		{name: "batch fails whole", n: 3, missing: []int{2}, wholeFails: true, wantBatches: []int{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, queue := batchFeeds(t, tt.n, tt.missing...)
			st.wholeFails = tt.wholeFails
			var s Saver = st
			if tt.plain {
				s = plainSaver{st}
			}
			var outcomes []Outcome
			err := queued(t.Context(), queue).write(s, func(o Outcome) { outcomes = append(outcomes, o) })

			if got := st.sizes(); !slices.Equal(got, tt.wantBatches) {
				t.Errorf("save calls of sizes %v; want %v", got, tt.wantBatches)
			}
			if len(outcomes) != tt.n {
				t.Fatalf("done called %d times; want once per outcome, %d", len(outcomes), tt.n)
			}
			for i, o := range outcomes {
				feed := i + 1
				if o.Feed.URL != queue[i].Feed.URL {
					t.Errorf("outcome %d is %s; want %s (queue order)", i, o.Feed.URL, queue[i].Feed.URL)
				}
				if slices.Contains(tt.missing, feed) {
					want := fmt.Sprintf("save feed %s: ", o.Feed.URL)
					if !errors.Is(o.SaveErr, store.ErrNotFound) || !strings.HasPrefix(o.SaveErr.Error(), want) {
						t.Errorf("feed %d SaveErr = %v; want its own not-found error", feed, o.SaveErr)
					}
					continue
				}
				if o.SaveErr != nil || o.Saved.New != feed {
					t.Errorf("feed %d: Saved %+v, SaveErr %v; want %d new, no error", feed, o.Saved, o.SaveErr, feed)
				}
				if n := storedItems(t, st, feed); n != feed {
					t.Errorf("feed %d: %d items stored; want %d", feed, n, feed)
				}
			}
			if wantErr := len(tt.missing) > 0; (err != nil) != wantErr {
				t.Errorf("write = %v; want an error %v", err, wantErr)
			} else if err != nil && (!strings.HasPrefix(err.Error(), fmt.Sprintf("%d fetched", len(tt.missing))) || !errors.Is(err, store.ErrNotFound)) {
				t.Errorf("write = %v; want it to count %d failed saves and wrap the first", err, len(tt.missing))
			}
		})
	}
}

// TestWriteCanceledSavesNothing: a run canceled before the writer gets to
// the queue saves none of it.
func TestWriteCanceledSavesNothing(t *testing.T) {
	st, queue := batchFeeds(t, 5)
	ctx, cancel := context.WithCancel(t.Context())
	p := queued(ctx, queue)
	cancel()
	var done int
	err := p.write(st, func(Outcome) { done++ })
	if !errors.Is(err, context.Canceled) || len(st.sizes()) != 0 || done != 0 {
		t.Errorf("canceled write = %v, save calls %v, done %d times; want context.Canceled, nothing", err, st.sizes(), done)
	}
	for i := 1; i <= 5; i++ {
		if n := storedItems(t, st, i); n != 0 {
			t.Errorf("feed %d: %d items stored by a canceled write", i, n)
		}
	}
}

// outcome is the result of fetching feed i, with i items.
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
		send        func(results chan<- Outcome, queue []Outcome, saved <-chan int, cancel func())
		wantBatches []int
		wantErr     error
	}{
		{
			name: "arrivals within the window share a batch", window: time.Hour,
			send: func(results chan<- Outcome, queue []Outcome, saved <-chan int, cancel func()) {
				for _, o := range queue[:5] {
					results <- o
				}
				close(results) // ends the window: the run is over
			},
			wantBatches: []int{5},
		},
		{
			name: "a full batch does not wait", window: time.Hour,
			send: func(results chan<- Outcome, queue []Outcome, saved <-chan int, cancel func()) {
				for _, o := range queue[:maxBatch+1] {
					results <- o
				}
				<-saved // the first batch is saved within the hour
				close(results)
			},
			wantBatches: []int{maxBatch, 1},
		},
		{
			name: "a result after the window has its own batch", window: time.Millisecond,
			send: func(results chan<- Outcome, queue []Outcome, saved <-chan int, cancel func()) {
				results <- queue[0]
				<-saved // saved alone: the window ended without more
				results <- queue[1]
				close(results)
			},
			wantBatches: []int{1, 1},
		},
		{
			name: "a cancel ends the window and saves nothing", window: time.Hour,
			send: func(results chan<- Outcome, queue []Outcome, saved <-chan int, cancel func()) {
				results <- queue[0]
				cancel()
			},
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, queue := batchFeeds(t, maxBatch+1)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			p := &pool{ctx: ctx, results: make(chan Outcome), window: tt.window}
			saved := make(chan int, 2*maxBatch)
			var outcomes int
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				tt.send(p.results, queue, saved, cancel)
			}()
			err := p.write(st, func(o Outcome) {
				outcomes++
				if o.SaveErr != nil {
					t.Errorf("feed %s: %v", o.Feed.URL, o.SaveErr)
				}
				saved <- outcomes
			})
			<-sent
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("write = %v; want %v", err, tt.wantErr)
			}
			if got := st.sizes(); !slices.Equal(got, tt.wantBatches) {
				t.Errorf("save calls of sizes %v; want %v", got, tt.wantBatches)
			}
			want := 0
			for _, n := range tt.wantBatches {
				want += n
			}
			total := 0
			for i := 1; i <= maxBatch+1; i++ {
				if n := storedItems(t, st, i); n > 0 {
					total++
				}
			}
			if total != want || outcomes != want {
				t.Errorf("%d feeds stored, %d reported; want %d", total, outcomes, want)
			}
		})
	}
}

// TestWriteBatchSQLite saves a queue of 20 results, one for a feed that
// does not exist, into a real SQLite store: that one fails alone, every
// other feed has its items.
func TestWriteBatchSQLite(t *testing.T) {
	const n = 20
	st, queue := batchFeeds(t, n, 7)
	saved := make(map[string]Outcome)
	err := queued(t.Context(), queue).write(st.DB, func(o Outcome) { saved[o.Feed.URL] = o })
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
		f, err := st.Subscription(t.Context(), me(t, st), url)
		if err != nil {
			t.Fatal(err)
		}
		if f.Unread != i {
			t.Errorf("%s has %d unread items stored; want %d", url, f.Unread, i)
		}
	}
}

// TestRunBatchWindow: the pool a Run writes with (newPool) waits
// batchWindow after a batch's first result for more: a result that comes
// within the window shares its commit, one that comes after has its own.
// The clock is synctest's: the gaps are exact, whatever the machine.
func TestRunBatchWindow(t *testing.T) {
	tests := []struct {
		name string
		gap  time.Duration
		want []int
	}{
		{name: "within the window", gap: batchWindow - time.Millisecond, want: []int{2}},
		{name: "after the window", gap: batchWindow + time.Millisecond, want: []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, queue := batchFeeds(t, 2)
			synctest.Test(t, func(t *testing.T) {
				p := newPool(t.Context(), New(Options{}))
				go func() {
					p.results <- queue[0]
					time.Sleep(tt.gap)
					p.results <- queue[1]
					close(p.results)
				}()
				var done int
				if err := p.write(st, func(o Outcome) {
					done++
					if o.SaveErr != nil {
						t.Errorf("feed %s: %v", o.Feed.URL, o.SaveErr)
					}
				}); err != nil {
					t.Fatal(err)
				}
				if got := st.sizes(); !slices.Equal(got, tt.want) || done != 2 {
					t.Errorf("results %v apart saved in calls of sizes %v (%d reported); want %v", tt.gap, got, done, tt.want)
				}
			})
			for i := 1; i <= 2; i++ {
				if n := storedItems(t, st, i); n != i {
					t.Errorf("feed %d: %d items stored; want %d", i, n, i)
				}
			}
		})
	}
}
