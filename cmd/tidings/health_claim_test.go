package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
	"tidings/store/sqlite"
)

// claimsFailing is a real SQLite store whose claims fail while failing is
// set, as a busy or broken database's do, and which counts them.
type claimsFailing struct {
	*sqlite.DB
	failing atomic.Bool
	claims  atomic.Int64
}

var errClaimRefused = errors.New("database is locked")

func (c *claimsFailing) ClaimFeeds(ctx context.Context, r store.ClaimRequest) ([]store.Feed, error) {
	c.claims.Add(1)
	if c.failing.Load() {
		return nil, errClaimRefused
	}
	return c.DB.ClaimFeeds(ctx, r)
}

// TestHealthAfterFailedClaim: while the daemon's claims of due feeds fail,
// /healthz's check fails saying so (503); once a claim works, it passes
// again.
func TestHealthAfterFailedClaim(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := &claimsFailing{DB: db}
	st.failing.Store(true)
	var buf syncBuffer
	d := &daemon{store: st, log: slog.New(slog.NewTextHandler(&buf, nil))}
	d.sched = fetch.NewScheduler(fetch.SchedulerOptions{Store: st, Fetcher: fetch.New(fetch.Options{}),
		Logger: d.log, Poll: time.Millisecond})
	ctx, stop := context.WithCancel(t.Context())
	runErr := make(chan error, 1)
	go func() { runErr <- d.sched.Run(ctx) }()
	waitClaims := func(n int64) {
		t.Helper()
		for from := st.claims.Load(); st.claims.Load() < from+n; {
			select {
			case err := <-runErr:
				t.Fatalf("the scheduler stopped: %v", err)
			case <-t.Context().Done():
				t.Fatal("no claims")
			case <-time.After(time.Millisecond):
			}
		}
	}
	waitClaims(3)
	fields, err := d.health(t.Context())
	if !errors.Is(err, errClaimRefused) || !strings.Contains(err.Error(), "last claim of due feeds failed") || fields["database"] != "ok" {
		t.Errorf("health while claims fail: %v, %v; want the claim's error", fields, err)
	}
	if n := strings.Count(buf.String(), `msg="claim due feeds failed`); n != 1 {
		t.Errorf("%d lines of failed claims; want 1 for the run of failures:\n%s", n, buf.String())
	}
	st.failing.Store(false)
	waitClaims(2)
	if _, err := d.health(t.Context()); err != nil {
		t.Errorf("health once claims work again: %v", err)
	}
	stop()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
}
