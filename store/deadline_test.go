package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestQueryDeadline: the zero value bounds queries by DefaultQueryTimeout;
// a query ended by the timeout gives ErrQueryTimeout naming it, one the
// caller ended keeps the caller's error, and zero or less means no limit.
func TestQueryDeadline(t *testing.T) {
	var d QueryDeadline
	if got := d.QueryTimeout(); got != DefaultQueryTimeout {
		t.Errorf("zero value: timeout %v, want %v", got, DefaultQueryTimeout)
	}
	ctx, cancel := d.WithQueryTimeout(t.Context())
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > DefaultQueryTimeout {
		t.Errorf("zero value: deadline %v (set %v), want within %v", dl, ok, DefaultQueryTimeout)
	}
	cancel()

	d.SetQueryTimeout(time.Nanosecond)
	ctx, cancel = d.WithQueryTimeout(t.Context())
	<-ctx.Done()
	err := d.QueryTimeoutError(ctx, ctx.Err())
	cancel()
	if !errors.Is(err, ErrQueryTimeout) || !strings.Contains(err.Error(), "after 1ns") {
		t.Errorf("past the timeout: %v; want ErrQueryTimeout after 1ns", err)
	}
	if err := d.QueryTimeoutError(ctx, nil); err != nil {
		t.Errorf("no error past the timeout: %v, want nil", err)
	}

	d.SetQueryTimeout(time.Hour)
	gone, stop := context.WithCancel(t.Context())
	stop()
	ctx, cancel = d.WithQueryTimeout(gone)
	err = d.QueryTimeoutError(ctx, ctx.Err())
	cancel()
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrQueryTimeout) {
		t.Errorf("ended by the caller: %v; want context.Canceled, not ErrQueryTimeout", err)
	}

	for _, off := range []time.Duration{0, -time.Second} {
		d.SetQueryTimeout(off)
		if got := d.QueryTimeout(); got != 0 {
			t.Errorf("SetQueryTimeout(%v): timeout %v, want 0 (no limit)", off, got)
		}
		ctx, cancel = d.WithQueryTimeout(t.Context())
		if _, ok := ctx.Deadline(); ok {
			t.Errorf("SetQueryTimeout(%v): the query has a deadline", off)
		}
		cancel()
	}
}
