package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// QueryDeadline bounds a user's listings, counts and searches by the
// store's query timeout. Backends embed it: its zero value bounds them by
// DefaultQueryTimeout until SetQueryTimeout changes it, and it is safe for
// concurrent use.
type QueryDeadline struct {
	// timeout is the timeout set: 0 until set (DefaultQueryTimeout),
	// -1 for no limit.
	timeout atomic.Int64
}

// SetQueryTimeout sets how long a listing, count or search may run; zero
// or less means no limit.
func (d *QueryDeadline) SetQueryTimeout(t time.Duration) {
	if t <= 0 {
		t = -1
	}
	d.timeout.Store(int64(t))
}

// QueryTimeout returns the query timeout in force; zero means no limit.
func (d *QueryDeadline) QueryTimeout() time.Duration {
	switch t := d.timeout.Load(); t {
	case 0:
		return DefaultQueryTimeout
	case -1:
		return 0
	default:
		return time.Duration(t)
	}
}

// errQueryDeadline is the cause of a query's context ending at the query
// timeout, told apart from the caller's own deadline.
var errQueryDeadline = errors.New("query timeout")

// WithQueryTimeout returns ctx bounded by the query timeout, for one
// query; QueryTimeoutError then says what its end means. The caller calls
// cancel when the query is done.
func (d *QueryDeadline) WithQueryTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	t := d.QueryTimeout()
	if t <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, t, errQueryDeadline)
}

// QueryTimeoutError returns err, or, when the query timeout (not the
// caller) ended ctx, a context from WithQueryTimeout, an error wrapping
// ErrQueryTimeout that says what to do.
func (d *QueryDeadline) QueryTimeoutError(ctx context.Context, err error) error {
	if err == nil || !errors.Is(context.Cause(ctx), errQueryDeadline) {
		return err
	}
	return fmt.Errorf("%w after %v; narrow it down: fewer or longer words, one feed or one tag", ErrQueryTimeout,
		d.QueryTimeout())
}
