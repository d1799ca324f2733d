package web

import (
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Login rate limit: each account and each address may fail freeFailures
// times; from then on each failure makes it wait twice as long as the
// one before (1s, 2s, 4s ...) up to maxWait. A key quiet for forgetAfter
// starts over. At most maxEntries keys are kept: a full table first
// forgets the keys that would start over anyway, then arbitrary ones.
const (
	freeFailures = 5
	maxWait      = 15 * time.Minute
	forgetAfter  = time.Hour
	maxEntries   = 10000
)

// limiter counts failed logins per key, in memory.
type limiter struct {
	now func() time.Time
	max int

	mu      sync.Mutex
	entries map[string]*strikes
}

// strikes are one key's failures.
type strikes struct {
	n     int
	last  time.Time
	until time.Time
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, max: maxEntries, entries: map[string]*strikes{}}
}

// accountKey and addressKey are the keys of a login's two limits. An IPv6
// address counts by its /64, which one machine usually has whole.
func accountKey(name string) string { return "user\x00" + strings.ToLower(name) }

func addressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err == nil && a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return "addr\x00" + p.String()
	}
	return "addr\x00" + addr
}

// stale reports whether e would start over at now.
func stale(e *strikes, now time.Time) bool {
	return now.Sub(e.last) >= forgetAfter && !now.Before(e.until)
}

// wait returns how long the longest-waiting of keys must still wait; 0
// means a login may be tried now. Unlike try, it counts nothing.
func (l *limiter) wait(keys ...string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var w time.Duration
	for _, k := range keys {
		e, ok := l.entries[k]
		if !ok {
			continue
		}
		if stale(e, now) {
			delete(l.entries, k)
			continue
		}
		w = max(w, e.until.Sub(now))
	}
	return w
}

// try is asked before a login is checked: it returns how long the
// longest-waiting of keys must still wait, or, when none must, counts
// the attempt against each of them as a failure at once, so that
// attempts sent side by side cannot all pass before the first one fails.
// A login that succeeds then calls succeed.
func (l *limiter) try(keys ...string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var w time.Duration
	for _, k := range keys {
		if e, ok := l.entries[k]; ok {
			if stale(e, now) {
				delete(l.entries, k)
				continue
			}
			w = max(w, e.until.Sub(now))
		}
	}
	if w > 0 {
		return w
	}
	for _, k := range keys {
		e, ok := l.entries[k]
		if !ok {
			l.makeRoom()
			e = &strikes{}
			l.entries[k] = e
		}
		e.n++
		e.last = now
		e.until = until(e)
	}
	return 0
}

// until is when e's wait ends: none before freeFailures failures, then
// 1s doubling with each one, up to maxWait.
func until(e *strikes) time.Time {
	if e.n < freeFailures {
		return time.Time{}
	}
	d := maxWait
	if shift := e.n - freeFailures; shift < 20 {
		d = min(time.Second<<shift, maxWait)
	}
	return e.last.Add(d)
}

// succeed takes back what try counted for a login that succeeded: the
// account starts over, and the address's attempt is not a failure.
func (l *limiter) succeed(account, address string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, account)
	if e, ok := l.entries[address]; ok {
		if e.n--; e.n <= 0 {
			delete(l.entries, address)
		} else {
			e.until = until(e)
		}
	}
}

// makeRoom makes room for one more key. Called with mu held.
func (l *limiter) makeRoom() {
	if len(l.entries) < l.max {
		return
	}
	now := l.now()
	for k, e := range l.entries {
		if stale(e, now) {
			delete(l.entries, k)
		}
	}
	for k := range l.entries {
		if len(l.entries) < l.max {
			break
		}
		delete(l.entries, k)
	}
}

// size is the number of keys kept, for tests.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}
