package fetch

import (
	"time"

	"tidings/store"
)

// Signals is what one fetch tells the planner about a feed's next fetch.
type Signals struct {
	// Now is when the fetch happened.
	Now time.Time
	// Failed is true when the fetch failed in a way that counts as an error
	// (network error, 4xx/5xx other than 410 and Retry-After answers, a body
	// that is not a feed).
	Failed bool
	// Gone is true on 410 Gone.
	Gone bool
	// RetryAfter is the time a 429/503 Retry-After asked to wait until; zero
	// if none.
	RetryAfter time.Time
	// ServerDelay is the longest of Cache-Control max-age, Expires - now, the
	// feed's ttl and sy:updatePeriod; zero if none. The planner caps it.
	ServerDelay time.Duration
}

// Planner decides when a feed is next due, from its schedule, what the server
// said and its run of failures.
type Planner struct {
	// Default is the schedule of feeds without their own.
	Default string
	// MaxServerDelay caps how long server hints may delay a feed.
	MaxServerDelay time.Duration
}

// Apply updates st (NextDue, NotBefore, WaitReason, ErrorCount, Gone) after a
// fetch of a feed with the given schedule ("" means p.Default).
//
// TEMPORARY minimal implementation; the scheduler work replaces it.
func (p *Planner) Apply(st *store.FeedState, schedule string, s Signals) {
	st.Gone = s.Gone
	st.NotBefore = s.RetryAfter
	if s.Failed {
		st.ErrorCount++
	} else if s.RetryAfter.IsZero() {
		st.ErrorCount = 0
	}
	st.NextDue = s.Now.Add(30 * time.Minute)
	st.WaitReason = store.WaitSchedule
	if s.Gone {
		st.WaitReason = store.WaitGone
	}
}
