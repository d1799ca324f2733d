package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"tidings/store"
)

// SchedulerStore is what a Scheduler needs from the store; store.Store
// satisfies it.
type SchedulerStore interface {
	Saver
	ClaimFeeds(ctx context.Context, r store.ClaimRequest) ([]store.Feed, error)
	Release(ctx context.Context, feedIDs []int64) error
	NextDue(ctx context.Context) (time.Time, error)
}

// Scheduler defaults.
const (
	// DefaultPoll is the longest a Scheduler sleeps between two claims.
	DefaultPoll = time.Second
	// DefaultGrace is how long in-flight fetches may finish at shutdown.
	DefaultGrace = 30 * time.Second
	// DefaultFullDiskPause is how long a Scheduler claims nothing after a
	// save found the database's disk full.
	DefaultFullDiskPause = time.Minute
	// DefaultSummaryEvery is how often, at most, a Scheduler logs at info
	// what its rounds fetched: one line per round at info was a line a
	// second for a daemon with a few feeds on @every 1m.
	DefaultSummaryEvery = 10 * time.Minute
	// LeaseMargin caps what is added to the fetch timeout to make the claim
	// lease (the timeout itself when shorter): long enough for a fetch and
	// its save, short enough that the feeds of a crashed process are
	// fetched again within a minute with the default 30s timeout.
	LeaseMargin = 30 * time.Second
	// minSleep keeps the loop from spinning when a due time is a hair away.
	minSleep = 5 * time.Millisecond
	// bigClockJump is how far the wall clock must jump back before the
	// scheduler refetches the feeds whose due times the jump pushed away.
	bigClockJump = 5 * time.Minute
)

// SchedulerOptions configure a Scheduler. Store and Fetcher are required;
// zero values of the others mean their defaults.
type SchedulerOptions struct {
	Store   SchedulerStore
	Fetcher *Fetcher
	// Capacity bounds the feeds claimed and not yet saved (default four
	// times the Fetcher's concurrency: enough to keep every worker busy
	// while a few hosts are slow, few enough that a claim never outlives
	// its lease in a queue).
	Capacity int
	// Lease is how long a claim holds (default the fetch timeout plus the
	// smaller of itself and LeaseMargin).
	Lease time.Duration
	// Poll is the longest the scheduler sleeps between two claims (default
	// DefaultPoll); it sleeps less when a feed is due sooner.
	Poll time.Duration
	// Grace bounds how long Run lets in-flight fetches finish after its
	// context ends (default DefaultGrace); those still running then are
	// abandoned and their claims released.
	Grace time.Duration
	// FullDiskPause is how long the scheduler claims no feeds after a save
	// failed with store.ErrDiskFull (default DefaultFullDiskPause): every
	// feed fetched then would be fetched for nothing, its save failing the
	// same way, and fetched again when its claim ends.
	FullDiskPause time.Duration
	// DefaultSchedule is the schedule of feeds without their own; empty
	// means the Fetcher's. SetDefaultSchedule changes it while running.
	DefaultSchedule string
	// Logger receives one line per fetch round at debug level, and a
	// summary of the rounds at info at most every SummaryEvery (default:
	// discarded).
	Logger *slog.Logger
	// SummaryEvery is how often, at most, the info summary of the rounds
	// finished since the last one is logged (default DefaultSummaryEvery).
	SummaryEvery time.Duration
	// Metrics, when not nil, records every fetch.
	Metrics *Metrics
	// Now is the clock (default time.Now); it must give the Fetcher's time.
	Now func() time.Time
}

// Round is what one fetch round did: the due feeds claimed together, from
// claim to the last save.
type Round struct {
	Started  time.Time
	Finished time.Time
	Feeds    int
	New      int
	Updated  int
	// NotModified counts the feeds with nothing new to parse: 304 answers,
	// and 200 answers with the body of the last one parsed, which
	// Unchanged counts alone. Errors counts failed fetches and saves.
	NotModified int
	Unchanged   int
	Errors      int
}

// SchedulerStatus is a snapshot of a running Scheduler, for health checks.
type SchedulerStatus struct {
	// Running is true between the start and the end of Run.
	Running bool
	// LastClaim is when the store last answered a claim; LastClaimErr is
	// the error of the last claim, nil when it succeeded.
	LastClaim    time.Time
	LastClaimErr error
	// LastRound is the last round that finished; zero before the first.
	LastRound Round
	// InFlight counts feeds claimed and not yet saved, Parked those of
	// them waiting for their host to be less busy.
	InFlight int
	Parked   int
	// PausedUntil is when the scheduler claims and fetches feeds again
	// after a save found the database's disk full (FullDiskPause after the
	// last such save); zero if that never happened. Paused says whether
	// that time is still to come.
	PausedUntil time.Time
	Paused      bool
	// DiskFullErr is the error of the last save that found the disk full,
	// until a save succeeds after the pause.
	DiskFullErr error
}

// Scheduler keeps feeds fresh: it claims due feeds from the store with a
// lease, hands them to the Fetcher's Run, and logs each round. The due
// times live in the store (set by the Planner on every save), so several
// schedulers, in one process or many, share the work, and a restart neither
// loses nor doubles a fetch.
type Scheduler struct {
	opt  SchedulerOptions
	log  *slog.Logger
	wake chan struct{}
	// kick wakes the loop for FetchNow.
	kick chan struct{}

	mu              sync.Mutex
	fetchNow        []string
	defaultSchedule string
	// inFlight holds every feed claimed and not yet saved or released:
	// sent to the fetcher, or parked.
	inFlight map[int64]*round
	// sent counts the feeds handed to the fetcher and not yet saved; hosts
	// counts them per host.
	sent  int
	hosts map[string]int
	// fetchedEarly are the feeds in flight whose room (in sent and hosts)
	// Fetched gave back when their fetch ended, before their save.
	fetchedEarly map[int64]bool
	// parked are claimed feeds of hosts that already have hostCap feeds at
	// the fetcher: they wait here, not in the fetcher's queue, so that the
	// capacity stays free for other hosts.
	parked []parkedFeed
	// planned is the earliest NextDue saved since the current sleep began
	// (zero if none): a feed saved while the scheduler sleeps may be due
	// again before the sleep ends, and Store.NextDue could not see it then.
	planned time.Time
	status  SchedulerStatus

	// summary sums the rounds finished since the last info summary.
	summary roundSummary

	// claimFails counts the claims failed in a row and claimLogged is
	// when the last of them was logged (Run's goroutine only).
	claimFails  int
	claimLogged time.Time
	// saveFails counts the saves failed in a row and saveLogged is when
	// the last of them was logged (under mu: saves end on the fetcher's
	// writer goroutine).
	saveFails  int
	saveLogged time.Time
	// damageSaid is set once the damage of the database was logged.
	damageSaid atomic.Bool
}

// pausedLocked reports whether claims and fetches are paused for a full
// disk. s.mu must be held.
func (s *Scheduler) pausedLocked() bool { return s.opt.Now().Before(s.status.PausedUntil) }

// paused is pausedLocked for callers without s.mu.
func (s *Scheduler) paused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pausedLocked()
}

// claimLogEvery is how often a claim that keeps failing is logged again.
const claimLogEvery = time.Minute

// parkedFeed is a claimed feed waiting for its host to have room; at is
// when it was claimed, on the scheduler's clock.
type parkedFeed struct {
	feed store.Feed
	host string
	at   time.Time
}

// round counts one claim batch until its last feed is saved.
type round struct {
	Round
	pending int
}

// NewScheduler returns a Scheduler with o's settings, defaults filled in.
// It panics without a Store or a Fetcher: that is a programming error.
func NewScheduler(o SchedulerOptions) *Scheduler {
	if o.Store == nil || o.Fetcher == nil {
		panic("fetch: NewScheduler needs a Store and a Fetcher")
	}
	if o.Capacity <= 0 {
		o.Capacity = 4 * o.Fetcher.opt.Concurrency
	}
	if o.Lease <= 0 {
		o.Lease = o.Fetcher.opt.Timeout + min(o.Fetcher.opt.Timeout, LeaseMargin)
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.FullDiskPause <= 0 {
		o.FullDiskPause = DefaultFullDiskPause
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SummaryEvery <= 0 {
		o.SummaryEvery = DefaultSummaryEvery
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Scheduler{
		opt:             o,
		log:             o.Logger,
		wake:            make(chan struct{}, 1),
		kick:            make(chan struct{}, 1),
		defaultSchedule: o.DefaultSchedule,
		inFlight:        make(map[int64]*round),
		hosts:           make(map[string]int),
		fetchedEarly:    make(map[int64]bool),
	}
}

// hostCap bounds the feeds of one host handed to the fetcher at once:
// twice what it fetches from one host at once, so the next is queued
// when one ends, and no more, so that one slow host holding many due feeds
// does not fill the capacity and delay every other host.
func (s *Scheduler) hostCap() int { return 2 * s.opt.Fetcher.opt.PerHost }

// parkCap bounds the parked feeds.
func (s *Scheduler) parkCap() int { return 4 * s.opt.Capacity }

// SetDefaultSchedule changes the schedule of feeds without their own, from
// their next fetch on. spec must be valid (see Planner.Next).
func (s *Scheduler) SetDefaultSchedule(spec string) {
	s.mu.Lock()
	s.defaultSchedule = spec
	s.mu.Unlock()
}

// FetchNow asks the running scheduler to fetch these feeds (by URL) at
// once, due or not, so that they are planned again: after a reload changed
// their schedule, say. Gone feeds and feeds held back by a Retry-After are
// left alone.
func (s *Scheduler) FetchNow(urls []string) {
	if len(urls) == 0 {
		return
	}
	s.mu.Lock()
	s.fetchNow = append(s.fetchNow, urls...)
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Status returns a snapshot of the scheduler's state.
func (s *Scheduler) Status() SchedulerStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.InFlight = len(s.inFlight)
	st.Parked = len(s.parked)
	st.Paused = s.pausedLocked()
	return st
}

// Run schedules until ctx ends, then stops claiming, lets the fetches in
// flight finish and be saved within the grace period, abandons the rest
// (releasing their claims so another process can take them at once) and
// returns nil. It returns an error only when the fetcher stops while the
// scheduler still runs.
func (s *Scheduler) Run(ctx context.Context) error {
	// The fetches outlive ctx by the grace period: they get their own
	// context, canceled only when the grace period is over.
	fetchCtx, cancelFetch := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelFetch()
	in := make(chan store.Feed)
	runErr := make(chan error, 1)
	go func() { runErr <- s.opt.Fetcher.Run(fetchCtx, in, s.opt.Store, s.done) }()

	s.mu.Lock()
	s.status.Running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.status.Running = false
		s.mu.Unlock()
	}()

	var err error
	lastWall, lastMono := s.opt.Now().Round(0), time.Now()
	// replan is set when the clock was set back, until every feed was
	// claimed once (not while paused for a full disk).
	replan := false
loop:
	for ctx.Err() == nil {
		// The monotonic clock tells how much time really passed; when the
		// wall clock moved much less, it was set back, and every due time
		// planned before is that much too far away: plan each feed again
		// from the new time by fetching it once (as after a restart).
		// A jump forward needs nothing: due feeds are fetched once each.
		wall, mono := s.opt.Now().Round(0), time.Now()
		if jump := mono.Sub(lastMono) - wall.Sub(lastWall); jump > bigClockJump {
			s.log.Warn("the clock was set back; fetching every feed once to plan it from the new time",
				slog.Duration("jump", jump))
			replan = true
		}
		lastWall, lastMono = wall, mono
		// While paused for a full disk nothing is claimed, and what is
		// asked for waits: the feeds named, and the replan.
		var urls []string
		s.mu.Lock()
		paused := s.pausedLocked()
		if !paused {
			urls = s.fetchNow
			s.fetchNow = nil
		}
		s.mu.Unlock()
		// A claim may wait behind a save that finds the disk full: a pause
		// that began meanwhile may have kept its feeds from being claimed,
		// or from being saved, so what was asked for is asked again after.
		if replan && !paused {
			_, err = s.claimAndSend(ctx, in, store.ClaimRequest{All: true}, runErr)
			replan = s.paused()
		}
		for len(urls) > 0 && err == nil {
			n := min(len(urls), 500)
			_, err = s.claimAndSend(ctx, in, store.ClaimRequest{URLs: urls[:n]}, runErr)
			if s.paused() {
				break
			}
			urls = urls[n:]
		}
		if len(urls) > 0 {
			s.mu.Lock()
			s.fetchNow = slices.Concat(urls, s.fetchNow)
			s.mu.Unlock()
		}
		if err == nil {
			err = s.unpark(ctx, in, runErr)
		}
		more := false
		claimed := s.opt.Now()
		if err == nil {
			more, err = s.claimAndSend(ctx, in, store.ClaimRequest{}, runErr)
		}
		if err != nil {
			break loop
		}
		if !s.sleep(ctx, more, claimed) {
			break loop
		}
	}
	close(in)
	if err != nil {
		// The fetcher stopped on its own: nothing more will be saved.
		s.releaseAll()
		return err
	}
	return s.shutdown(runErr, cancelFetch)
}

// claimFailed logs a failed claim: the first of a run of failures, then
// again at most every claimLogEvery with how many failed, so that a
// database down or a disk full for hours does not write a line a poll.
func (s *Scheduler) claimFailed(err error) {
	s.claimFails++
	if s.saidDamaged(err) {
		return
	}
	if now := time.Now(); s.claimFails == 1 || now.Sub(s.claimLogged) >= claimLogEvery {
		s.claimLogged = now
		s.log.Error("claim due feeds failed; retrying", slog.String("error", err.Error()),
			slog.Int("failed_claims", s.claimFails))
	}
}

// errFetcherStopped means Fetcher.Run returned while the scheduler was
// still feeding it.
var errFetcherStopped = errors.New("fetcher stopped")

// claimAndSend claims due feeds up to the free capacity and sends them to
// the fetcher, parking those of hosts that have enough at the fetcher
// already. It reports whether it should claim again at once: the capacity
// bounded the claim and the claim made progress. A failed claim is logged
// and retried on the next poll: a busy or briefly unreachable database must
// not stop the daemon.
func (s *Scheduler) claimAndSend(ctx context.Context, in chan<- store.Feed, req store.ClaimRequest, runErr <-chan error) (more bool, err error) {
	s.mu.Lock()
	free := s.opt.Capacity - s.sent
	s.mu.Unlock()
	// Claims of due feeds are bounded by the free capacity; the rare
	// claims of every feed (clock set back) or of named feeds are not.
	bounded := !req.All && len(req.URLs) == 0
	if free <= 0 && bounded {
		return true, nil
	}
	now := s.opt.Now()
	if s.paused() {
		return false, nil
	}
	req.Now, req.Lease = now, s.opt.Lease
	if bounded {
		req.Limit = free
	}
	feeds, err := s.opt.Store.ClaimFeeds(ctx, req)
	s.mu.Lock()
	s.status.LastClaimErr = err
	if err == nil {
		s.status.LastClaim = now
	}
	s.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			s.claimFailed(err)
		}
		return false, nil
	}
	if s.claimFails > 0 {
		s.log.Info("claiming due feeds works again", slog.Int("failed_claims", s.claimFails))
		s.claimFails = 0
	}
	// A claim by URL returns gone feeds too: only a user's request
	// fetches those.
	send, release, parked := s.admit(feeds, now, bounded, func(f store.Feed) bool { return f.State.Gone })
	if len(release) > 0 {
		if err := s.opt.Store.Release(ctx, release); err != nil {
			s.log.Warn("releasing claims failed; they end with their lease", slog.String("error", err.Error()))
		}
	}
	if err := s.send(in, send, runErr); err != nil {
		return false, err
	}
	return bounded && len(feeds) >= req.Limit && len(send)+parked > 0, nil
}

// admit takes claimed feeds in hand as one round: it sorts them into
// those to send to the fetcher now, those parked until their host has room
// (only when bounded: feeds claimed all at once or by name go to the
// fetcher whatever their host, since each must be fetched once and parking
// could release them unfetched), and those to release: skip's, and those
// the park has no room for. Feeds of ours claimed again (their lease ran
// out while they waited) are on their way already and left out. Run's
// claims and Drain's share it.
func (s *Scheduler) admit(feeds []store.Feed, now time.Time, bounded bool, skip func(store.Feed) bool) (send []store.Feed, release []int64, parked int) {
	r := &round{Round: Round{Started: now}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range feeds {
		if _, ok := s.inFlight[f.ID]; ok {
			continue
		}
		if skip(f) {
			release = append(release, f.ID)
			continue
		}
		host := hostOf(f.Target())
		switch {
		case !bounded || s.hosts[host] < s.hostCap():
			s.hosts[host]++
			s.sent++
			send = append(send, f)
		case len(s.parked) < s.parkCap():
			s.parked = append(s.parked, parkedFeed{feed: f, host: host, at: now})
			parked++
		default:
			// Too much waits already: leave it due for a later claim.
			release = append(release, f.ID)
			continue
		}
		s.inFlight[f.ID] = r
		r.pending++
	}
	r.Feeds = r.pending
	s.opt.Metrics.setInFlight(len(s.inFlight))
	return send, release, parked
}

// send hands feeds to the fetcher, with the current default schedule for
// those without their own.
func (s *Scheduler) send(in chan<- store.Feed, feeds []store.Feed, runErr <-chan error) error {
	for _, f := range feeds {
		select {
		case in <- s.scheduled(f):
		case err := <-runErr:
			if err == nil {
				err = errFetcherStopped
			}
			return fmt.Errorf("scheduler: %w", err)
		}
	}
	return nil
}

// scheduled returns f with the current default schedule for its
// subscribers without their own.
func (s *Scheduler) scheduled(f store.Feed) store.Feed {
	s.mu.Lock()
	def := s.defaultSchedule
	s.mu.Unlock()
	if def != "" && (len(f.Schedules) == 0 || slices.Contains(f.Schedules, "")) {
		f.Schedules = withDefault(f.Schedules, def)
	}
	return f
}

// withDefault returns schedules with def for "" (the default), and def
// alone for none.
func withDefault(schedules []string, def string) []string {
	out := []string{def}
	for _, s := range schedules {
		if s != "" && s != def {
			out = append(out, s)
		}
	}
	return out
}

// unpark sends the parked feeds whose host has room again, and releases
// those parked for half their lease: their claim must not run out in our
// hands while another process could fetch them.
func (s *Scheduler) unpark(ctx context.Context, in chan<- store.Feed, runErr <-chan error) error {
	var (
		send     []store.Feed
		release  []int64
		finished []Round
	)
	s.mu.Lock()
	// While paused for a full disk, parked feeds stay parked: fetched,
	// they could not be saved. Their claims end as those of any feed
	// parked too long.
	paused := s.pausedLocked()
	// The scheduler's clock, the one the claims' leases were taken on.
	now := s.opt.Now()
	kept := s.parked[:0]
	for _, p := range s.parked {
		switch {
		case now.Sub(p.at) > s.opt.Lease/2:
			release = append(release, p.feed.ID)
			if r := s.dropLocked(p.feed.ID); r != nil {
				finished = append(finished, *r)
			}
		case !paused && s.hosts[p.host] < s.hostCap() && s.sent < s.opt.Capacity:
			s.hosts[p.host]++
			s.sent++
			send = append(send, p.feed)
		default:
			kept = append(kept, p)
		}
	}
	clear(s.parked[len(kept):])
	s.parked = kept
	s.opt.Metrics.setInFlight(len(s.inFlight))
	s.mu.Unlock()
	for _, r := range finished {
		s.logRound(r)
	}
	if len(release) > 0 {
		if err := s.opt.Store.Release(ctx, release); err != nil {
			s.log.Warn("releasing claims failed; they end with their lease", slog.String("error", err.Error()))
		}
	}
	return s.send(in, send, runErr)
}

// canUnparkLocked reports whether a parked feed's host has room.
func (s *Scheduler) canUnparkLocked() bool {
	if s.sent >= s.opt.Capacity || s.pausedLocked() {
		return false
	}
	for _, p := range s.parked {
		if s.hosts[p.host] < s.hostCap() {
			return true
		}
	}
	return false
}

// dropLocked forgets a claimed feed that will not be saved, and returns
// its round if that was the round's last feed.
func (s *Scheduler) dropLocked(id int64) *Round {
	r := s.inFlight[id]
	delete(s.inFlight, id)
	if r == nil {
		return nil
	}
	r.pending--
	r.Feeds--
	if r.pending > 0 || r.Feeds == 0 {
		return nil
	}
	r.Finished = s.opt.Now()
	s.status.LastRound = r.Round
	return &r.Round
}

// sleep waits until the next feed is due, at most Poll; or, when more
// feeds are due than the capacity let it claim, until a batch of capacity
// is free; or until a parked feed's host has room. claimed is when the
// last claim of due feeds started. It returns false when ctx ends.
func (s *Scheduler) sleep(ctx context.Context, more bool, claimed time.Time) bool {
	// Claim again when a batch of capacity is free, not after every single
	// fetch: each claim is a write transaction competing with the saves.
	batch := max(1, s.opt.Capacity/8)
	ready := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return (more && s.opt.Capacity-s.sent >= batch) || s.canUnparkLocked()
	}
	if ready() {
		return true
	}
	d := s.opt.Poll
	s.mu.Lock()
	waiting := more || len(s.parked) > 0
	// Feeds in flight are leased, so Store.NextDue leaves them out: their
	// next due time is learnt from their save.
	watch := !more && len(s.inFlight) > 0
	s.planned = time.Time{}
	s.mu.Unlock()
	if !more {
		if next, err := s.opt.Store.NextDue(ctx); err == nil && !next.IsZero() {
			d = s.untilDue(next, claimed)
		}
	}
	deadline := time.Now().Add(d)
	t := time.NewTimer(d)
	defer t.Stop()
	wake := s.wake
	if !waiting && !watch {
		// Nothing waits for a fetch to end.
		wake = nil
	}
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-s.kick:
			return true
		case <-wake:
			if ready() {
				return true
			}
			if !watch {
				continue
			}
			s.mu.Lock()
			planned := s.planned
			s.mu.Unlock()
			if planned.IsZero() {
				continue
			}
			if d := min(max(planned.Sub(s.opt.Now()), minSleep), s.opt.Poll); time.Now().Add(d).Before(deadline) {
				deadline = time.Now().Add(d)
				t.Reset(d)
			}
		}
	}
}

// untilDue is how long to sleep when next is the earliest due time of the
// feeds not leased (Store.NextDue) and the last claim started at claimed:
// until next, between minSleep and Poll. A due time after the claim's start
// is a feed that became due since: claim it at once. One at or before it
// was due when the claim ran and still was not taken (a Retry-After holds
// it, or the claim released it for lack of room): claiming again at once
// would spin, so wait for the poll.
func (s *Scheduler) untilDue(next, claimed time.Time) time.Duration {
	if !next.After(claimed) {
		return s.opt.Poll
	}
	return min(max(next.Sub(s.opt.Now()), minSleep), s.opt.Poll)
}

// Fetched gives back the room a feed in flight takes in the capacity and
// its host's share as soon as its fetch ended, rather than at its save:
// the results waiting for the writer are bounded by the Fetcher itself, so
// the next claim need not wait for the writer's batch. Give it as the
// Fetcher's Options.Fetched; without it, room comes back at the save.
func (s *Scheduler) Fetched(f store.Feed) {
	s.mu.Lock()
	if _, ok := s.inFlight[f.ID]; ok && !s.fetchedEarly[f.ID] {
		s.fetchedEarly[f.ID] = true
		s.freeRoomLocked(hostOf(f.Target()))
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// freeRoomLocked gives back the room of one feed of host at the fetcher.
func (s *Scheduler) freeRoomLocked(host string) {
	s.sent--
	if s.hosts[host]--; s.hosts[host] <= 0 {
		delete(s.hosts, host)
	}
}

// done is called by the fetcher after each save.
func (s *Scheduler) done(o Outcome) {
	s.opt.Metrics.Observe(o)
	outcome := Classify(o)
	host := hostOf(o.Feed.Target())
	s.mu.Lock()
	r, ok := s.inFlight[o.Feed.ID]
	delete(s.inFlight, o.Feed.ID)
	if ok && !s.fetchedEarly[o.Feed.ID] {
		s.freeRoomLocked(host)
	}
	delete(s.fetchedEarly, o.Feed.ID)
	s.opt.Metrics.setInFlight(len(s.inFlight))
	var finished *Round
	if r != nil {
		r.pending--
		switch outcome {
		case OutcomeError:
			r.Errors++
		case OutcomeNotModified:
			r.NotModified++
		case OutcomeUnchanged:
			r.NotModified++
			r.Unchanged++
		}
		if o.SaveErr == nil {
			r.New += o.Saved.New
			r.Updated += o.Saved.Updated
		}
		if r.pending == 0 {
			r.Finished = s.opt.Now()
			s.status.LastRound = r.Round
			finished = &r.Round
		}
	}
	if next := o.Result.State.NextDue; o.SaveErr == nil && !o.Result.State.Gone && !next.IsZero() &&
		(s.planned.IsZero() || next.Before(s.planned)) {
		s.planned = next
	}
	pause, full := false, errors.Is(o.SaveErr, store.ErrDiskFull)
	switch {
	case full:
		pause = !s.pausedLocked()
		s.status.PausedUntil, s.status.DiskFullErr = s.opt.Now().Add(s.opt.FullDiskPause), o.SaveErr
	case o.SaveErr == nil && outcome != "" && !s.pausedLocked():
		// Saves that end while paused (fetches already under way; a
		// failure's state is small) prove little.
		s.status.DiskFullErr = nil
	}
	s.mu.Unlock()
	if pause {
		s.log.Error("the database's disk is full: no fetches until a while after the last save that failed, then trying again",
			slog.Duration("pause", s.opt.FullDiskPause), slog.String("error", o.SaveErr.Error()))
	}
	s.logSave(o, full)
	if finished != nil {
		s.logRound(*finished)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// logSave logs a failed save: the first of a run of failures at error,
// then again at most every claimLogEvery with how many failed, and each
// at debug, so that a database gone away for a while, which fails the save
// of every feed in flight, is one line and not one per feed; a full disk
// was said once already (its pause), a damaged database once for the
// whole run. The first save that works after failures says so. It runs on the fetcher's writer goroutine.
func (s *Scheduler) logSave(o Outcome, full bool) {
	// A damaged database is said once for the whole run.
	damaged := o.SaveErr != nil && s.saidDamaged(o.SaveErr)
	s.mu.Lock()
	var (
		fails  int
		logged bool
	)
	switch {
	case o.SaveErr == nil && Classify(o) != "":
		fails, s.saveFails = s.saveFails, 0
	case o.SaveErr != nil:
		s.saveFails++
		fails = s.saveFails
		if now := time.Now(); !full && !damaged && (fails == 1 || now.Sub(s.saveLogged) >= claimLogEvery) {
			s.saveLogged, logged = now, true
		}
	}
	s.mu.Unlock()
	switch {
	case o.SaveErr == nil:
		if fails > 0 {
			s.log.Info("saving fetched feeds works again", slog.Int("failed_saves", fails))
		}
	case logged:
		s.log.Error("saving a fetched feed failed; it will be fetched again when its claim ends",
			slog.String("feed_url", o.Feed.URL), slog.String("error", o.SaveErr.Error()), slog.Int("failed_saves", fails))
	default:
		s.log.Debug("saving a fetched feed failed; it will be fetched again when its claim ends",
			slog.String("feed_url", o.Feed.URL), slog.String("error", o.SaveErr.Error()))
	}
}

// saidDamaged reports whether err says the database is damaged
// (store.ErrCorrupt, or the store's Damaged says so, when it has one), and
// logs that the first time only: the damage lasts
// as long as the process, and every later claim and save fails with it.
func (s *Scheduler) saidDamaged(err error) bool {
	if !errors.Is(err, store.ErrCorrupt) {
		// The store may know better than the error it gave.
		dr, ok := s.opt.Store.(interface{ Damaged() error })
		if !ok || dr.Damaged() == nil {
			return false
		}
		err = dr.Damaged()
	}
	if !s.damageSaid.Swap(true) {
		s.log.Error("the database is damaged: nothing more is written to it and no feed is fetched; "+
			"the error says what to do, then restart tidings", slog.String("error", err.Error()))
	}
	return true
}

// logRound writes the debug line of a finished round, and the info
// summary when the last one is SummaryEvery old.
func (s *Scheduler) logRound(r Round) {
	s.opt.Metrics.roundDone()
	s.log.Debug("fetch round",
		slog.Int("feeds", r.Feeds), slog.Int("new_items", r.New),
		slog.Int("updated_items", r.Updated), slog.Int("not_modified", r.NotModified), slog.Int("unchanged", r.Unchanged),
		slog.Int("errors", r.Errors), slog.Duration("took", r.Finished.Sub(r.Started)))
	if sum, ok := s.summary.add(r, s.opt.SummaryEvery); ok {
		s.logSummary(sum)
	}
}

// logSummary writes the info line of the rounds of a summary.
func (s *Scheduler) logSummary(sum roundTally) {
	s.log.Info("fetched",
		slog.Int("rounds", sum.rounds), slog.Int("feeds", sum.Feeds), slog.Int("new_items", sum.New),
		slog.Int("updated_items", sum.Updated), slog.Int("not_modified", sum.NotModified),
		slog.Int("unchanged", sum.Unchanged), slog.Int("errors", sum.Errors),
		slog.Duration("since", sum.Finished.Sub(sum.Started)))
}

// roundTally sums rounds: Started is the first one's start, Finished the
// last one's end.
type roundTally struct {
	Round
	rounds int
}

// roundSummary sums finished rounds for the periodic info line. Its
// methods are safe for concurrent use: rounds finish on the fetcher's
// writer goroutine and on the scheduler's.
type roundSummary struct {
	mu  sync.Mutex
	sum roundTally
	// logged is when the last summary was taken (zero: never).
	logged time.Time
}

// add counts r, and returns the tally and true, starting a new one, when
// the last was taken at least every ago. The first round of a run is
// logged at once, so that a daemon says early that it fetches.
func (m *roundSummary) add(r Round, every time.Duration) (roundTally, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &m.sum
	if t.rounds == 0 {
		t.Started = r.Started
	}
	t.rounds++
	t.Feeds += r.Feeds
	t.New += r.New
	t.Updated += r.Updated
	t.NotModified += r.NotModified
	t.Unchanged += r.Unchanged
	t.Errors += r.Errors
	t.Finished = r.Finished
	if !m.logged.IsZero() && r.Finished.Sub(m.logged) < every {
		return roundTally{}, false
	}
	return m.takeLocked(r.Finished), true
}

// take returns what was summed since the last summary, if anything, and
// starts a new one.
func (m *roundSummary) take(now time.Time) (roundTally, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sum.rounds == 0 {
		return roundTally{}, false
	}
	return m.takeLocked(now), true
}

func (m *roundSummary) takeLocked(now time.Time) roundTally {
	sum := m.sum
	m.sum, m.logged = roundTally{}, now
	return sum
}

// shutdown waits for the fetches in flight within the grace period, then
// cancels the rest and releases their claims.
func (s *Scheduler) shutdown(runErr <-chan error, cancelFetch context.CancelFunc) error {
	n := s.Status().InFlight
	if n > 0 {
		s.log.Info("stopping: letting fetches in flight finish",
			slog.Int("feeds", n), slog.Duration("grace", s.opt.Grace))
	}
	t := time.NewTimer(s.opt.Grace)
	defer t.Stop()
	var err error
	select {
	case err = <-runErr:
	case <-t.C:
		s.log.Warn("grace period over: abandoning the fetches still in flight",
			slog.Int("feeds", s.Status().InFlight))
		cancelFetch()
		err = <-runErr
	}
	s.releaseAll()
	if sum, ok := s.summary.take(s.opt.Now()); ok {
		s.logSummary(sum)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		// Failed saves were logged one by one; the feeds are fetched
		// again when their claims end.
		s.log.Warn("some fetches could not be saved", slog.String("error", err.Error()))
	}
	return nil
}

// releaseAll ends the claims of feeds that were claimed and never saved,
// so another process may fetch them without waiting for the lease.
func (s *Scheduler) releaseAll() {
	s.mu.Lock()
	ids := make([]int64, 0, len(s.inFlight))
	for id := range s.inFlight {
		ids = append(ids, id)
	}
	clear(s.inFlight)
	clear(s.hosts)
	clear(s.fetchedEarly)
	s.sent, s.parked = 0, nil
	s.opt.Metrics.setInFlight(0)
	s.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.opt.Store.Release(ctx, ids); err != nil {
		s.log.Warn("releasing unfinished claims failed; they end with their lease",
			slog.Int("feeds", len(ids)), slog.String("error", err.Error()))
	}
}
