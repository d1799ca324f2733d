package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tidings/store"
)

// DrainRequest is one Drain: the feeds to fetch once, and what to tell the
// caller about each.
type DrainRequest struct {
	// Feeds are the feeds to fetch, in order, as listed beforehand (not
	// claimed: Drain claims them by their stored URL a batch at a time).
	Feeds []store.Feed
	// Named fetches gone feeds too, and feeds not due: the user named them.
	Named bool
	// DueOnly leaves out a feed that is not due any more when claimed:
	// another process fetched it since it was listed.
	DueOnly bool
	// Done, when set, is called once for each feed fetched (not for those
	// canceled), after its save, on the Fetcher's writer goroutine.
	Done func(Outcome)
	// Skipped, when set, is called for each feed not fetched, on Drain's
	// goroutine: claimed false when the claim did not return it (another
	// process holds it, or a Retry-After came since it was listed), true
	// when it was claimed and let go (gone, or no longer due).
	Skipped func(f store.Feed, claimed bool)
}

// DrainResult is what a Drain did besides its per-feed reports.
type DrainResult struct {
	// Claimed counts the feeds claimed and handed to the fetcher.
	Claimed int
	// NotFetched counts the feeds of the request not fetched: claimed and
	// not saved (the run stopped first), and never claimed.
	NotFetched int
	// Unreleased counts the claims Drain could not release at its end (the
	// store refused the write); they end with their lease.
	Unreleased int
	// Stopped is what stopped the Drain before its end other than its
	// context: a save or claim that found the disk full (store.ErrDiskFull).
	Stopped error
}

// Drain fetches req's feeds once, as the Scheduler's Run keeps feeds
// fresh, with the same claims, bounds and bookkeeping: it claims the feeds
// a batch at a time as room frees up (at most Capacity feeds at the fetcher,
// twice the per-host concurrency of one host), so that no claim outlives its
// lease waiting in a queue and another process on the same store takes the
// rest; it hands them to the Fetcher, reports each through req, and at its
// end releases the claims of the feeds it did not save, for the next run to
// take at once. It stops early when ctx ends (fetches in flight are
// canceled, nothing half-saved) and when the disk under the store is full
// (every later save would fail the same way). Its error is a claim that
// failed for another reason, or saves that failed; the per-feed errors are
// in the outcomes.
//
// A Scheduler runs one Drain or one Run at a time.
func (s *Scheduler) Drain(ctx context.Context, req DrainRequest) (DrainResult, error) {
	run, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var (
		res    DrainResult
		failMu sync.Mutex
		// failed are the feeds reported and still claimed: their save
		// failed. They are released with those never saved.
		failed []int64
	)
	done := func(o Outcome) {
		s.done(o)
		if Classify(o) == "" {
			return
		}
		if o.SaveErr != nil {
			failMu.Lock()
			failed = append(failed, o.Feed.ID)
			failMu.Unlock()
			if errors.Is(o.SaveErr, store.ErrDiskFull) {
				stop(o.SaveErr)
			}
		}
		if req.Done != nil {
			req.Done(o)
		}
	}
	in := make(chan store.Feed)
	runErr := make(chan error, 1)
	go func() { runErr <- s.opt.Fetcher.Run(run, in, s.opt.Store, done) }()

	q := &drainQueue{ready: req.Feeds}
	var claimErr error
loop:
	for run.Err() == nil && !q.empty() {
		batch := s.pick(q)
		if len(batch) == 0 {
			select {
			case <-run.Done():
			case <-s.wake:
			}
			continue
		}
		urls := make([]string, len(batch))
		for i, f := range batch {
			urls[i] = f.URL
		}
		now := s.opt.Now()
		claimed, err := s.opt.Store.ClaimFeeds(run, store.ClaimRequest{Now: now, Lease: s.opt.Lease, URLs: urls})
		s.unreserve(batch)
		if err != nil {
			// Not claimed: the batch counts as not fetched.
			q.ready = append(batch, q.ready...)
			switch {
			case errors.Is(err, store.ErrDiskFull):
				stop(fmt.Errorf("claim feeds to fetch: %w", err))
			case run.Err() == nil:
				// A full disk says what to do in its own error; any other
				// refusal (a lock held too long, a server gone, missing
				// permissions) needs it said here.
				claimErr = fmt.Errorf("claim feeds to fetch: %w; the feeds not claimed yet were not fetched "+
					"and are left as they were: once the database takes writes again, fetch again to get them", err)
			}
			break
		}
		got := make(map[int64]bool, len(claimed))
		for _, f := range claimed {
			got[f.ID] = true
		}
		for _, f := range batch {
			if !got[f.ID] && req.Skipped != nil {
				req.Skipped(f, false)
			}
		}
		skip := func(f store.Feed) bool {
			let := !req.Named && (f.State.Gone || (req.DueOnly && f.State.NextDue.After(now)))
			if let && req.Skipped != nil {
				req.Skipped(f, true)
			}
			return let
		}
		// The feeds were picked with room for their hosts: none is parked.
		send, release, _ := s.admit(claimed, now, false, skip)
		if len(release) > 0 {
			s.releaseClaims(ctx, release)
		}
		for _, f := range send {
			res.Claimed++
			select {
			case in <- s.scheduled(f):
			case <-run.Done():
				break loop
			}
		}
	}
	close(in)
	err := <-runErr
	if errors.Is(err, context.Canceled) && run.Err() != nil {
		err = nil
	}

	s.mu.Lock()
	release := make([]int64, 0, len(s.inFlight))
	for id := range s.inFlight {
		release = append(release, id)
	}
	unsaved := len(release)
	clear(s.inFlight)
	clear(s.hosts)
	clear(s.fetchedEarly)
	s.sent, s.parked = 0, nil
	s.mu.Unlock()
	failMu.Lock()
	release = append(release, failed...)
	failMu.Unlock()
	if len(release) > 0 && s.releaseClaims(ctx, release) != nil {
		res.Unreleased = len(release)
	}
	res.NotFetched = unsaved + q.len()
	if cause := context.Cause(run); errors.Is(cause, store.ErrDiskFull) {
		res.Stopped = cause
	}
	if claimErr != nil {
		return res, claimErr
	}
	if err != nil {
		return res, fmt.Errorf("fetch: %w", err)
	}
	return res, nil
}

// releaseClaims releases the claims of feeds that will not be saved, and
// logs a failure: those claims end with their lease. It does not stop
// with ctx, which may be over already (the run was interrupted).
func (s *Scheduler) releaseClaims(ctx context.Context, ids []int64) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.opt.Store.Release(rctx, ids)
	if err != nil {
		s.log.Warn("releasing claims failed; they end with their lease",
			slog.Int("feeds", len(ids)), slog.String("error", err.Error()))
	}
	return err
}

// drainQueue is the feeds of a Drain not yet claimed: ready in order, and
// waiting for room on their host (they go first when it has some).
type drainQueue struct {
	ready, waiting []store.Feed
}

func (q *drainQueue) empty() bool { return len(q.ready) == 0 && len(q.waiting) == 0 }
func (q *drainQueue) len() int    { return len(q.ready) + len(q.waiting) }

// pick takes the next feeds to claim, reserving their room at the fetcher
// (in sent and hosts) until the claim answers: up to the free capacity,
// with room for their host. It takes none when less than a quarter of the
// capacity is free, so that claims (write transactions) come in batches.
func (s *Scheduler) pick(q *drainQueue) []store.Feed {
	s.mu.Lock()
	defer s.mu.Unlock()
	free := s.opt.Capacity - s.sent
	if free < max(1, s.opt.Capacity/4) && s.sent > 0 {
		return nil
	}
	var batch []store.Feed
	take := func(f store.Feed) bool {
		h := hostOf(f.Target())
		if len(batch) >= free || s.hosts[h] >= s.hostCap() {
			return false
		}
		s.hosts[h]++
		s.sent++
		batch = append(batch, f)
		return true
	}
	kept := q.waiting[:0]
	for _, f := range q.waiting {
		if !take(f) {
			kept = append(kept, f)
		}
	}
	clear(q.waiting[len(kept):])
	q.waiting = kept
	for len(batch) < free && len(q.ready) > 0 {
		f := q.ready[0]
		q.ready[0], q.ready = store.Feed{}, q.ready[1:]
		if !take(f) {
			q.waiting = append(q.waiting, f)
		}
	}
	return batch
}

// unreserve gives back the room pick reserved for a batch: admit takes it
// again for the feeds claimed.
func (s *Scheduler) unreserve(batch []store.Feed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range batch {
		s.freeRoomLocked(hostOf(f.Target()))
	}
}
