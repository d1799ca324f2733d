package fetch

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	// Embedded zone data, so CRON_TZ=Europe/Paris works on machines without
	// /usr/share/zoneinfo (containers, Windows).
	_ "time/tzdata"

	"github.com/robfig/cron/v3"

	"tidings/store"
)

// Scheduling defaults and limits (DESIGN.md, Scheduling).
const (
	// DefaultSchedule is the schedule of feeds when neither the feed nor the
	// Planner names one.
	DefaultSchedule = "@every 30m"
	// DefaultMaxServerDelay caps server hints when Planner.MaxServerDelay is
	// zero.
	DefaultMaxServerDelay = 4 * time.Hour
	// MinBackoff is the wait after the first consecutive failure; each
	// further failure doubles it.
	MinBackoff = time.Minute
	// MaxBackoff caps the wait after consecutive failures: a feed that fails
	// forever costs at most one request a day.
	MaxBackoff = 24 * time.Hour
	// MaxRetryAfter caps a Retry-After: a server that asks for more (or sends
	// a nonsense date) is asked again after a week, so no feed stops for good.
	MaxRetryAfter = 7 * 24 * time.Hour
	// maxSpread caps the per-feed offset added to schedule ticks.
	maxSpread = time.Minute
	// backoffJitter is the relative jitter of a backoff (±20%).
	backoffJitter = 0.2
	// maxCachedSpecs bounds the parsed-spec cache; specs come from the user,
	// so there are few, but nothing outside should grow memory without end.
	maxCachedSpecs = 4096
)

// ErrScheduleNeverFires means a schedule parses but names no time that ever
// comes (such as 30 February).
var ErrScheduleNeverFires = errors.New("schedule never fires")

// Signals is what one fetch tells the planner about a feed's next fetch.
type Signals struct {
	// Now is when the fetch happened.
	Now time.Time
	// Key identifies the feed (its URL); it gives the feed a small stable
	// offset from its schedule's ticks so feeds sharing a schedule do not
	// all hit their servers in the same second. Empty means no offset.
	Key string
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
// said and its run of failures. The zero Planner is ready to use; a Planner
// is safe for concurrent use and must not be copied after first use.
type Planner struct {
	// Default is the schedule of feeds without their own; empty means
	// DefaultSchedule.
	Default string
	// MaxServerDelay caps how long server hints may delay a feed; zero means
	// DefaultMaxServerDelay.
	MaxServerDelay time.Duration
	// Location is the time zone of schedules without CRON_TZ=; nil means
	// time.Local.
	Location *time.Location
	// Rand returns a number in [0, 1) for backoff jitter; nil means
	// math/rand/v2. Tests inject a fixed one.
	Rand func() float64

	mu    sync.Mutex
	specs map[string]parsedSpec
}

type parsedSpec struct {
	sched cron.Schedule
	err   error
}

// specParser accepts what DESIGN.md promises: 5 fields, descriptors
// (@hourly, @daily...), @every DURATION and a CRON_TZ= or TZ= prefix.
var specParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Next returns the first tick of spec strictly after after. It returns an
// error wrapping ErrScheduleNeverFires for a spec that names no reachable
// time, and a parse error (naming the spec) for one cron rejects.
func (p *Planner) Next(spec string, after time.Time) (time.Time, error) {
	sched, err := p.parse(spec)
	if err != nil {
		return time.Time{}, err
	}
	n := p.next(sched, after)
	if n.IsZero() {
		return time.Time{}, fmt.Errorf("schedule %q: %w; pick a date that exists, such as 0 0 28 2 *", spec, ErrScheduleNeverFires)
	}
	return n, nil
}

// parse parses spec once and caches the result, under recover since some
// malformed specs (such as "TZ=UTC" alone) panic cron's parser.
func (p *Planner) parse(spec string) (cron.Schedule, error) {
	p.mu.Lock()
	ps, ok := p.specs[spec]
	p.mu.Unlock()
	if ok {
		return ps.sched, ps.err
	}
	ps.sched, ps.err = parseSpec(spec)
	p.mu.Lock()
	if p.specs == nil || len(p.specs) >= maxCachedSpecs {
		p.specs = make(map[string]parsedSpec)
	}
	p.specs[spec] = ps
	p.mu.Unlock()
	return ps.sched, ps.err
}

func parseSpec(spec string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("schedule %q: malformed (%v); use 5 cron fields (minute hour day month weekday), a descriptor such as @hourly, or @every 30m, optionally after CRON_TZ=Zone and a space", spec, r)
		}
	}()
	sched, err = specParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w; use 5 cron fields (minute hour day month weekday), a descriptor such as @hourly, or @every 30m", spec, err)
	}
	return sched, nil
}

func (p *Planner) location() *time.Location {
	if p.Location != nil {
		return p.Location
	}
	return time.Local
}

// next is sched.Next with the DST rules of the classic cron daemons, which
// robfig/cron lacks: a time named explicitly (hour not "*") that falls in the
// hour skipped by a spring-forward fires at the end of the gap instead of not
// at all that day, and one that falls in the hour repeated by a fall-back
// fires once, not twice. Wildcard-hour specs keep real-time spacing.
func (p *Planner) next(sched cron.Schedule, after time.Time) time.Time {
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return sched.Next(after)
	}
	loc := spec.Location
	if loc == time.Local {
		// cron reads a zone-less spec in the zone of the time it is given.
		loc = p.location()
	}
	after = after.In(loc)
	n := spec.Next(after)
	if n.IsZero() || spec.Hour&(1<<63) != 0 {
		return n
	}
	// Spring forward between after and n: did the spec name a wall time in
	// the skipped gap? Read it with the old offset to find out.
	if _, end := after.ZoneBounds(); !end.IsZero() && end.Before(n) {
		_, before := after.Zone()
		_, later := end.Zone()
		if gap := time.Duration(later-before) * time.Second; gap > 0 {
			fixed := *spec
			fixed.Location = time.FixedZone("before-dst", before)
			if m := fixed.Next(after); !m.IsZero() && !m.Before(end) && m.Before(end.Add(gap)) && m.Before(n) {
				return end
			}
		}
	}
	// Fall back: skip ticks whose wall time already came once, in the hour
	// before the clocks went back.
	for range 64 {
		start, _ := n.ZoneBounds()
		if start.IsZero() {
			return n
		}
		_, now := n.Zone()
		_, prev := start.Add(-time.Nanosecond).Zone()
		repeat := time.Duration(prev-now) * time.Second
		if repeat <= 0 || n.Sub(start) >= repeat {
			return n
		}
		n = spec.Next(n)
		if n.IsZero() {
			return n
		}
	}
	return n
}

// interval estimates the time between two ticks of sched around t.
func (p *Planner) interval(sched cron.Schedule, t time.Time) time.Duration {
	if c, ok := sched.(cron.ConstantDelaySchedule); ok {
		return c.Delay
	}
	t1 := p.next(sched, t)
	if t1.IsZero() {
		return 0
	}
	t2 := p.next(sched, t1)
	if t2.IsZero() {
		return 0
	}
	return t2.Sub(t1)
}

// spread is key's stable offset within min(interval/10, maxSpread), in
// whole milliseconds.
func spread(key string, interval time.Duration) time.Duration {
	window := min(interval/10, maxSpread)
	if key == "" || window < time.Millisecond {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return time.Duration(h.Sum64()%uint64(window/time.Millisecond)) * time.Millisecond
}

// everyNext is the next fetch of an @every schedule after a fetch at now:
// the interval later, moved on towards the feed's phase (its spread offset
// within the interval, counted from the Unix epoch) when that is less than
// the spread window away. The offset is thus added once, when the feed is
// ahead of its phase, not every period: a feed fetched on time keeps the
// interval exactly (a median of 63 s for @every 1m was the offset added
// each period), and no two fetches come closer than the interval.
func everyNext(now time.Time, every time.Duration, key string) time.Time {
	next := now.Add(every)
	window := min(every/10, maxSpread)
	off := spread(key, every)
	if off == 0 || window <= 0 {
		return next
	}
	// How far the phase lies after next, in [0, every).
	ahead := (off - time.Duration(next.UnixNano()%int64(every)) + every) % every
	if ahead < window {
		next = next.Add(ahead)
	}
	return next
}

// scheduled returns the feed's next schedule tick after now, plus its spread
// offset; for @every, see everyNext. A spec that does not parse or never fires (possible only when it
// reached the store without validation) falls back to the default, then to
// DefaultSchedule, so a feed is never left without a next time.
func (p *Planner) scheduled(schedule, key string, now time.Time) time.Time {
	for _, spec := range []string{schedule, p.Default, DefaultSchedule} {
		if spec == "" {
			continue
		}
		sched, err := p.parse(spec)
		if err != nil {
			continue
		}
		// cron's @every counts from the whole second after now: a fetch
		// late in one second would be planned a fraction of the interval
		// later (at .833 with @every 1s, 167ms later). Count the full
		// interval from the fetch itself, so no two fetches come closer
		// than the interval.
		if c, ok := sched.(cron.ConstantDelaySchedule); ok {
			return everyNext(now, c.Delay, key)
		}
		n := p.next(sched, now)
		if n.IsZero() {
			continue
		}
		return n.Add(spread(key, p.interval(sched, now)))
	}
	// Unreachable: DefaultSchedule always parses and fires.
	return now.Add(30 * time.Minute)
}

// Backoff returns the wait after the n-th consecutive failure (n >= 1):
// MinBackoff doubled per failure, with ±20% jitter from r (a number in
// [0, 1)), capped at MaxBackoff. Once the doubling reaches the cap the wait
// is exactly MaxBackoff: never shorter, so a feed failing forever costs at
// most one request a day.
func Backoff(n int, r float64) time.Duration {
	if n < 1 {
		n = 1
	}
	// 2^11 minutes is past a day already; stop doubling before overflow.
	base := MaxBackoff
	if n <= 11 {
		base = min(MinBackoff<<(n-1), MaxBackoff)
	}
	if base >= MaxBackoff {
		return MaxBackoff
	}
	d := time.Duration(float64(base) * (1 - backoffJitter + 2*backoffJitter*r))
	return min(max(d, MinBackoff), MaxBackoff)
}

func (p *Planner) rand() float64 {
	if p.Rand != nil {
		return p.Rand()
	}
	return rand.Float64()
}

// Apply updates st (NextDue, NotBefore, WaitReason, ErrorCount, Gone) after a
// fetch of a feed with the given schedule ("" means p.Default), and leaves
// every other field alone. Every outcome is planned from s.Now and the
// schedule's next tick after it, never from the feed's previous NextDue, so
// a feed overdue by many ticks (after a restart or a clock jump) is fetched
// once and then follows its schedule again.
//
//   - 410 Gone: Gone is set and WaitReason is gone; ErrorCount is unchanged.
//   - Retry-After: NotBefore is the time asked for (capped at MaxRetryAfter
//     from now) and NextDue is the later of it and the next tick; WaitReason
//     retry-after; not an error, so ErrorCount is unchanged.
//   - Failure: ErrorCount grows and NextDue is the later of the next tick
//     and now + Backoff(ErrorCount); WaitReason backoff when the backoff
//     wins, schedule when the tick does.
//   - Success (200 or 304): ErrorCount resets and NextDue is the later of
//     the next tick and now + ServerDelay capped at MaxServerDelay;
//     WaitReason server when the hint wins, schedule otherwise.
func (p *Planner) Apply(st *store.FeedState, schedule string, s Signals) {
	p.apply(st, p.scheduled(schedule, s.Key, s.Now), s)
}

// ApplyAll is Apply for a feed with several subscribers' schedules ("" is
// the default): it is fetched as often as the most frequent of them asks,
// at the earliest next tick of any.
func (p *Planner) ApplyAll(st *store.FeedState, schedules []string, s Signals) {
	p.apply(st, p.NextFetch(schedules, s.Key, s.Now), s)
}

// NextFetch returns the earliest next scheduled fetch after now of a feed
// with these schedules ("" is the default; none means the default), with
// the feed's spread (key is its URL): what the feed waits for when
// nothing else, such as a server's hint or a backoff, says otherwise.
func (p *Planner) NextFetch(schedules []string, key string, now time.Time) time.Time {
	if len(schedules) == 0 {
		return p.scheduled("", key, now)
	}
	var next time.Time
	for _, spec := range schedules {
		if n := p.scheduled(spec, key, now); next.IsZero() || n.Before(next) {
			next = n
		}
	}
	return next
}

func (p *Planner) apply(st *store.FeedState, next time.Time, s Signals) {
	now := s.Now
	st.Gone = s.Gone
	st.NotBefore = time.Time{}
	switch {
	case s.Gone:
		st.NextDue = next
		st.WaitReason = store.WaitGone
	case !s.RetryAfter.IsZero():
		ra := s.RetryAfter
		if limit := now.Add(MaxRetryAfter); ra.After(limit) {
			ra = limit
		}
		if ra.After(now) {
			st.NotBefore = ra
		}
		st.NextDue = later(next, ra)
		st.WaitReason = store.WaitRetryAfter
	case s.Failed:
		st.ErrorCount++
		// The label says what decided: the backoff, or the schedule's
		// tick when that comes later (an hourly feed after one failure).
		st.NextDue, st.WaitReason = next, store.WaitSchedule
		if backoff := now.Add(Backoff(st.ErrorCount, p.rand())); backoff.After(next) {
			st.NextDue, st.WaitReason = backoff, store.WaitBackoff
		}
	default:
		st.ErrorCount = 0
		maxDelay := p.MaxServerDelay
		if maxDelay <= 0 {
			maxDelay = DefaultMaxServerDelay
		}
		st.NextDue = next
		st.WaitReason = store.WaitSchedule
		if hinted := now.Add(min(s.ServerDelay, maxDelay)); hinted.After(next) {
			st.NextDue = hinted
			st.WaitReason = store.WaitServer
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
