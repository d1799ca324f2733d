package reader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"tidings/fetch"
	"tidings/store"
)

// Refreshed is what Refresh did with one feed.
type Refreshed struct {
	store.Subscription
	// Fetched is false when the feed could not be claimed: another
	// process is fetching it, or its server asked to wait (Retry-After).
	Fetched bool
	// Outcome is the fetch, with Saved and SaveErr filled, when Fetched.
	Outcome fetch.Outcome
}

// refreshConcurrency is how many feeds one Refresh fetches at once.
const refreshConcurrency = 8

// Refresh fetches the user's feeds that the URLs name now, whether due or
// not (a feed gone for good too), and saves what they bring; never before
// a server's Retry-After, and never a feed another process is fetching.
// The feeds are claimed, so a daemon on the same database does not fetch
// them at the same time; up to refreshConcurrency are fetched at once.
func (r *Reader) Refresh(ctx context.Context, userID int64, urls []string) ([]Refreshed, error) {
	if r.fetcher == nil {
		return nil, errors.New("refresh: no fetcher")
	}
	var out []Refreshed
	var ids []int64
	for _, u := range urls {
		sub, err := r.Lookup(ctx, userID, u)
		if err != nil {
			return nil, err
		}
		if slices.Contains(ids, sub.ID) {
			continue
		}
		ids = append(ids, sub.ID)
		out = append(out, Refreshed{Subscription: sub})
	}
	if len(ids) == 0 {
		return nil, nil
	}
	claimed, err := r.st.ClaimFeeds(ctx, store.ClaimRequest{Now: r.now(), Lease: r.lease, IDs: ids})
	if err != nil {
		return nil, fmt.Errorf("claim feeds to fetch: %w", err)
	}
	byID := make(map[int64]store.Feed, len(claimed))
	for _, f := range claimed {
		byID[f.ID] = f
	}
	// Fetch them a few at a time: a list of many feeds is done in about
	// the time of its slowest few, not the sum of all.
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, refreshConcurrency)
	)
	type job struct {
		i int
		f store.Feed
	}
	var jobs []job
	for i := range out {
		if f, ok := byID[out[i].ID]; ok {
			jobs = append(jobs, job{i, f})
		}
	}
	for _, j := range jobs {
		i, f := j.i, j.f
		sem <- struct{}{}
		if ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			o := r.fetcher.Fetch(ctx, f)
			if errors.Is(o.Err, fetch.ErrCanceled) {
				return // ctx ended: the claim is released below
			}
			o.Saved, o.SaveErr = r.st.SaveFetch(ctx, f.ID, o.Result)
			mu.Lock()
			delete(byID, f.ID)
			out[i].Fetched, out[i].Outcome = true, o
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(byID) > 0 {
		// Stopped early: the claims not saved end now, not with the lease.
		left := make([]int64, 0, len(byID))
		for id := range byID {
			left = append(left, id)
		}
		if err := r.st.Release(context.WithoutCancel(ctx), left); err != nil {
			r.log.Warn("release feeds not fetched", slog.Int("feeds", len(left)), slog.String("error", err.Error()))
		}
	}
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("refresh: %w", err)
	}
	return out, nil
}
