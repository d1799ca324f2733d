package fetch_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPlannerNext(t *testing.T) {
	// A Friday, 10:07:30.5 UTC.
	const after = "2026-03-06T10:07:30.5Z"
	tests := []struct {
		spec string
		want string
	}{
		{"*/15 * * * *", "2026-03-06T10:15:00Z"},
		{"0 */2 * * *", "2026-03-06T12:00:00Z"},
		{"7 10 * * *", "2026-03-07T10:07:00Z"},
		{"0 9 * * MON-FRI", "2026-03-09T09:00:00Z"},
		{"0 0 1 * *", "2026-04-01T00:00:00Z"},
		{"0 0 29 2 *", "2028-02-29T00:00:00Z"},
		{"@hourly", "2026-03-06T11:00:00Z"},
		{"@daily", "2026-03-07T00:00:00Z"},
		{"@midnight", "2026-03-07T00:00:00Z"},
		{"@weekly", "2026-03-08T00:00:00Z"},
		{"@monthly", "2026-04-01T00:00:00Z"},
		{"@yearly", "2027-01-01T00:00:00Z"},
		{"@annually", "2027-01-01T00:00:00Z"},
		// @every counts from the whole second of after.
		{"@every 20m", "2026-03-06T10:27:30Z"},
		{"@every 1s", "2026-03-06T10:07:31Z"},
		{"@every 90s", "2026-03-06T10:09:00Z"},
		{"@every 1h30m", "2026-03-06T11:37:30Z"},
		// Paris is UTC+1 in March before the 29th.
		{"CRON_TZ=Europe/Paris 0 7 * * *", "2026-03-07T06:00:00Z"},
		{"TZ=America/New_York 30 6 * * 1-5", "2026-03-06T11:30:00Z"},
		{"CRON_TZ=UTC @daily", "2026-03-07T00:00:00Z"},
	}
	p := &fetch.Planner{Location: time.UTC}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := p.Next(tt.spec, mustTime(t, after))
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if want := mustTime(t, tt.want); !got.Equal(want) {
				t.Errorf("Next = %v, want %v", got.UTC(), want)
			}
		})
	}
}

func TestPlannerNextLocation(t *testing.T) {
	// A spec without CRON_TZ is read in the Planner's zone.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	p := &fetch.Planner{Location: paris}
	got, err := p.Next("0 7 * * *", mustTime(t, "2026-06-01T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if want := mustTime(t, "2026-06-02T05:00:00Z"); !got.Equal(want) {
		t.Errorf("Next = %v, want %v (07:00 in Paris, summer time)", got.UTC(), want)
	}
}

func TestPlannerNextErrors(t *testing.T) {
	tests := []struct {
		spec  string
		never bool
	}{
		{spec: ""},
		{spec: "every day"},
		{spec: "* * * *"},
		{spec: "* * * * * *"},
		{spec: "61 * * * *"},
		{spec: "*/0 * * * *"},
		{spec: "@every bogus"},
		{spec: "@fortnightly"},
		{spec: "CRON_TZ=Nowhere/Bogus 0 7 * * *"},
		// cron's parser panics on a zone with nothing after it.
		{spec: "TZ=UTC"},
		{spec: "CRON_TZ="},
		{spec: "0 0 30 2 *", never: true},
		{spec: "0 0 31 4,6,9,11 *", never: true},
	}
	p := &fetch.Planner{Location: time.UTC}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := p.Next(tt.spec, mustTime(t, "2026-03-06T10:00:00Z"))
			if err == nil {
				t.Fatalf("Next = %v, want an error", got)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.spec)) {
				t.Errorf("error %q does not name the spec", err)
			}
			if got := errors.Is(err, fetch.ErrScheduleNeverFires); got != tt.never {
				t.Errorf("errors.Is(err, ErrScheduleNeverFires) = %v, want %v (err: %v)", got, tt.never, err)
			}
			// The cached answer is the same error.
			if _, err2 := p.Next(tt.spec, mustTime(t, "2026-03-06T10:00:00Z")); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("second Next: %v, want %v", err2, err)
			}
		})
	}
}

// ticks returns the first n ticks of spec after start.
func ticks(t *testing.T, p *fetch.Planner, spec, start string, n int) []string {
	t.Helper()
	at := mustTime(t, start)
	var out []string
	for range n {
		next, err := p.Next(spec, at)
		if err != nil {
			t.Fatal(err)
		}
		if !next.After(at) {
			t.Fatalf("Next(%v) = %v, not after it", at, next)
		}
		out = append(out, next.UTC().Format(time.RFC3339))
		at = next
	}
	return out
}

func TestPlannerNextDST(t *testing.T) {
	// Paris: clocks go from 02:00 CET (UTC+1) to 03:00 CEST (UTC+2) on
	// 2026-03-29 at 01:00 UTC, and back from 03:00 CEST to 02:00 CET on
	// 2026-10-25 at 01:00 UTC.
	tests := []struct {
		name  string
		spec  string
		start string
		want  []string
	}{{
		name:  "daily 07:00 keeps local time across spring forward",
		spec:  "CRON_TZ=Europe/Paris 0 7 * * *",
		start: "2026-03-27T12:00:00Z",
		want:  []string{"2026-03-28T06:00:00Z", "2026-03-29T05:00:00Z", "2026-03-30T05:00:00Z"},
	}, {
		name:  "daily 07:00 keeps local time across fall back",
		spec:  "CRON_TZ=Europe/Paris 0 7 * * *",
		start: "2026-10-23T12:00:00Z",
		want:  []string{"2026-10-24T05:00:00Z", "2026-10-25T06:00:00Z", "2026-10-26T06:00:00Z"},
	}, {
		// 02:30 does not exist on the 29th: fire when the gap ends (03:00
		// CEST) rather than skip the day.
		name:  "time in the skipped hour fires at the end of the gap",
		spec:  "CRON_TZ=Europe/Paris 30 2 * * *",
		start: "2026-03-27T12:00:00Z",
		want:  []string{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
	}, {
		// 02:30 happens twice on the 25th: fire on the first only.
		name:  "time in the repeated hour fires once",
		spec:  "CRON_TZ=Europe/Paris 30 2 * * *",
		start: "2026-10-23T12:00:00Z",
		want:  []string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
	}, {
		name:  "hourly skips no real hour at spring forward",
		spec:  "CRON_TZ=Europe/Paris 0 * * * *",
		start: "2026-03-28T23:30:00Z",
		want:  []string{"2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"},
	}, {
		name:  "hourly fires every real hour at fall back",
		spec:  "CRON_TZ=Europe/Paris 0 * * * *",
		start: "2026-10-24T23:30:00Z",
		want:  []string{"2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"},
	}, {
		name:  "@every ignores the zone",
		spec:  "CRON_TZ=Europe/Paris @every 1h",
		start: "2026-03-29T00:30:00Z",
		want:  []string{"2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z", "2026-03-29T03:30:00Z"},
	}}
	p := &fetch.Planner{Location: time.UTC}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ticks(t, p, tt.spec, tt.start, len(tt.want))
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("ticks:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestPlannerApply(t *testing.T) {
	now := mustTime(t, "2026-03-06T10:00:00Z")
	at := func(d time.Duration) time.Time { return now.Add(d) }
	tests := []struct {
		name     string
		schedule string
		before   store.FeedState
		sig      fetch.Signals
		want     store.FeedState
	}{{
		name:     "success follows the schedule",
		schedule: "@every 1h",
		before:   store.FeedState{ErrorCount: 3, WaitReason: store.WaitBackoff},
		sig:      fetch.Signals{},
		want:     store.FeedState{NextDue: at(time.Hour), WaitReason: store.WaitSchedule},
	}, {
		name:   "empty schedule uses the planner default",
		sig:    fetch.Signals{},
		want:   store.FeedState{NextDue: at(2 * time.Hour), WaitReason: store.WaitSchedule},
		before: store.FeedState{},
	}, {
		name:     "server delay under the cap wins over a shorter schedule",
		schedule: "@every 10m",
		sig:      fetch.Signals{ServerDelay: time.Hour},
		want:     store.FeedState{NextDue: at(time.Hour), WaitReason: store.WaitServer},
	}, {
		name:     "server delay over the cap is capped",
		schedule: "@every 10m",
		sig:      fetch.Signals{ServerDelay: 48 * time.Hour},
		want:     store.FeedState{NextDue: at(3 * time.Hour), WaitReason: store.WaitServer},
	}, {
		name:     "server delay shorter than the schedule changes nothing",
		schedule: "@every 1h",
		sig:      fetch.Signals{ServerDelay: 5 * time.Minute},
		want:     store.FeedState{NextDue: at(time.Hour), WaitReason: store.WaitSchedule},
	}, {
		name:     "retry-after wins and is not an error",
		schedule: "@every 10m",
		before:   store.FeedState{ErrorCount: 2},
		sig:      fetch.Signals{RetryAfter: at(2 * time.Hour)},
		want: store.FeedState{NextDue: at(2 * time.Hour), NotBefore: at(2 * time.Hour),
			ErrorCount: 2, WaitReason: store.WaitRetryAfter},
	}, {
		name:     "short retry-after waits for the schedule",
		schedule: "@every 1h",
		sig:      fetch.Signals{RetryAfter: at(time.Minute)},
		want:     store.FeedState{NextDue: at(time.Hour), NotBefore: at(time.Minute), WaitReason: store.WaitRetryAfter},
	}, {
		name:     "retry-after in the past leaves no NotBefore",
		schedule: "@every 1h",
		sig:      fetch.Signals{RetryAfter: at(-time.Minute)},
		want:     store.FeedState{NextDue: at(time.Hour), WaitReason: store.WaitRetryAfter},
	}, {
		name:     "retry-after beyond a week is capped",
		schedule: "@every 1h",
		sig:      fetch.Signals{RetryAfter: at(400 * 24 * time.Hour)},
		want: store.FeedState{NextDue: at(fetch.MaxRetryAfter), NotBefore: at(fetch.MaxRetryAfter),
			WaitReason: store.WaitRetryAfter},
	}, {
		name:     "first failure backs off a minute",
		schedule: "@every 1s",
		sig:      fetch.Signals{Failed: true},
		want:     store.FeedState{NextDue: at(time.Minute), ErrorCount: 1, WaitReason: store.WaitBackoff},
	}, {
		name:     "fifth failure backs off 16 minutes",
		schedule: "@every 1s",
		before:   store.FeedState{ErrorCount: 4},
		sig:      fetch.Signals{Failed: true},
		want:     store.FeedState{NextDue: at(16 * time.Minute), ErrorCount: 5, WaitReason: store.WaitBackoff},
	}, {
		name:     "backoff never shortens the schedule, which then decides",
		schedule: "@every 1h",
		sig:      fetch.Signals{Failed: true},
		want:     store.FeedState{NextDue: at(time.Hour), ErrorCount: 1, WaitReason: store.WaitSchedule},
	}, {
		name:     "old NotBefore is cleared by a later answer",
		schedule: "@every 1h",
		before:   store.FeedState{NotBefore: at(-time.Hour)},
		sig:      fetch.Signals{},
		want:     store.FeedState{NextDue: at(time.Hour), WaitReason: store.WaitSchedule},
	}, {
		name:     "gone stops the feed",
		schedule: "@every 1h",
		before:   store.FeedState{ErrorCount: 1},
		sig:      fetch.Signals{Gone: true},
		want:     store.FeedState{NextDue: at(time.Hour), ErrorCount: 1, Gone: true, WaitReason: store.WaitGone},
	}, {
		name:     "success after gone (fetched by name) clears it",
		schedule: "@every 1h",
		before:   store.FeedState{Gone: true, WaitReason: store.WaitGone},
		sig:      fetch.Signals{},
		want:     store.FeedState{NextDue: at(time.Hour), WaitReason: store.WaitSchedule},
	}, {
		name:     "other fields are left alone",
		schedule: "@every 1h",
		before:   store.FeedState{ETag: `"x"`, LastError: "boom", RedirectCount: 2, Identity: store.IdentityLink},
		sig:      fetch.Signals{},
		want: store.FeedState{ETag: `"x"`, LastError: "boom", RedirectCount: 2, Identity: store.IdentityLink,
			NextDue: at(time.Hour), WaitReason: store.WaitSchedule},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Rand 0.5 is the middle of the jitter: no jitter at all.
			p := &fetch.Planner{Default: "@every 2h", MaxServerDelay: 3 * time.Hour, Location: time.UTC,
				Rand: func() float64 { return 0.5 }}
			st := tt.before
			tt.sig.Now = now
			p.Apply(&st, tt.schedule, tt.sig)
			if !st.NextDue.Equal(tt.want.NextDue) || !st.NotBefore.Equal(tt.want.NotBefore) {
				t.Errorf("NextDue, NotBefore = %v, %v; want %v, %v", st.NextDue, st.NotBefore, tt.want.NextDue, tt.want.NotBefore)
			}
			st.NextDue, st.NotBefore = tt.want.NextDue, tt.want.NotBefore
			if st != tt.want {
				t.Errorf("state = %+v\nwant    %+v", st, tt.want)
			}
		})
	}
}

func TestPlannerApplyZeroValue(t *testing.T) {
	// The zero Planner works: default schedule, default cap.
	var p fetch.Planner
	now := mustTime(t, "2026-03-06T10:00:00Z")
	var st store.FeedState
	p.Apply(&st, "", fetch.Signals{Now: now, ServerDelay: 100 * time.Hour})
	if want := now.Add(fetch.DefaultMaxServerDelay); !st.NextDue.Equal(want) {
		t.Errorf("NextDue = %v, want %v (default cap)", st.NextDue, want)
	}
	p.Apply(&st, "", fetch.Signals{Now: now})
	if want := now.Add(30 * time.Minute); !st.NextDue.Equal(want) {
		t.Errorf("NextDue = %v, want %v (%s)", st.NextDue, want, fetch.DefaultSchedule)
	}
}

func TestPlannerApplyInvalidScheduleFallsBack(t *testing.T) {
	// A spec that reached the store unvalidated must not strand the feed.
	now := mustTime(t, "2026-03-06T10:00:00Z")
	for _, spec := range []string{"nonsense", "0 0 30 2 *", "TZ=UTC"} {
		p := &fetch.Planner{Default: "@every 2h"}
		var st store.FeedState
		p.Apply(&st, spec, fetch.Signals{Now: now})
		if want := now.Add(2 * time.Hour); !st.NextDue.Equal(want) {
			t.Errorf("%q: NextDue = %v, want the default's %v", spec, st.NextDue, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n        int
		lo, mid  time.Duration
		hi       time.Duration
		isCapped bool
	}{
		{n: 0, lo: time.Minute, mid: time.Minute, hi: 72 * time.Second},
		{n: 1, lo: time.Minute, mid: time.Minute, hi: 72 * time.Second},
		{n: 2, lo: 96 * time.Second, mid: 2 * time.Minute, hi: 144 * time.Second},
		{n: 3, lo: 192 * time.Second, mid: 4 * time.Minute, hi: 288 * time.Second},
		{n: 11, lo: 1024 * 48 * time.Second, mid: 1024 * time.Minute, hi: 1024 * 72 * time.Second},
		{n: 12, isCapped: true},
		{n: 40, isCapped: true},
		{n: 1 << 30, isCapped: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			if tt.isCapped {
				tt.lo, tt.mid, tt.hi = fetch.MaxBackoff, fetch.MaxBackoff, fetch.MaxBackoff
			}
			for _, c := range []struct {
				r    float64
				want time.Duration
			}{{0, tt.lo}, {0.5, tt.mid}, {0.99999999, tt.hi}} {
				got := fetch.Backoff(tt.n, c.r)
				if diff := got - c.want; diff < -time.Millisecond || diff > time.Millisecond {
					t.Errorf("Backoff(%d, %v) = %v, want %v", tt.n, c.r, got, c.want)
				}
			}
		})
	}
}

// claimLoop simulates the store and scheduler: every step of the clock, a
// feed whose NextDue has passed is fetched once and planned with p. It
// returns the times of the fetches.
func claimLoop(p *fetch.Planner, st *store.FeedState, schedule string, from, to time.Time, step time.Duration,
	clock func(time.Time) time.Time, outcome func(n int) fetch.Signals) []time.Time {
	var fetches []time.Time
	for wall := from; wall.Before(to); wall = wall.Add(step) {
		now := clock(wall)
		if now.Before(st.NextDue) || now.Before(st.NotBefore) {
			continue
		}
		fetches = append(fetches, now)
		sig := outcome(len(fetches))
		sig.Now = now
		p.Apply(st, schedule, sig)
	}
	return fetches
}

func TestPlannerFailingForever(t *testing.T) {
	// A feed that fails forever, whatever the jitter, is fetched at most
	// once a day once its backoff is capped, and never stops being fetched.
	for _, r := range []float64{0, 0.5, 0.999} {
		p := &fetch.Planner{Location: time.UTC, Rand: func() float64 { return r }}
		st := store.FeedState{}
		start := mustTime(t, "2026-01-01T00:00:00Z")
		end := start.Add(60 * 24 * time.Hour)
		fetches := claimLoop(p, &st, "@every 1m", start, end, time.Minute,
			func(w time.Time) time.Time { return w },
			func(int) fetch.Signals { return fetch.Signals{Failed: true} })
		for i := 1; i < len(fetches); i++ {
			gap := fetches[i].Sub(fetches[i-1])
			if i >= 12 && gap < 24*time.Hour {
				t.Errorf("r=%v: fetch %d only %v after the previous one, want ≥ 24h once capped", r, i, gap)
			}
			if i > 1 && gap < fetches[i-1].Sub(fetches[i-2])-time.Minute && gap < 24*time.Hour {
				t.Errorf("r=%v: gap %d (%v) shrank from %v while still failing", r, i, gap, fetches[i-1].Sub(fetches[i-2]))
			}
		}
		// 11 growing waits reach the cap after about 34 hours; then one a day.
		if n := len(fetches); n < 55 || n > 72 {
			t.Errorf("r=%v: %d fetches in 60 days of failures, want between 55 and 72", r, n)
		}
		if !st.NextDue.Before(end.Add(25 * time.Hour)) {
			t.Errorf("r=%v: NextDue %v: the feed stopped being fetched", r, st.NextDue)
		}
	}
}

func TestPlannerResetOnSuccess(t *testing.T) {
	p := &fetch.Planner{Location: time.UTC, Rand: func() float64 { return 0.5 }}
	st := store.FeedState{}
	start := mustTime(t, "2026-01-01T00:00:00Z")
	// Ten failures, then the feed recovers.
	fetches := claimLoop(p, &st, "@every 10m", start, start.Add(30*24*time.Hour), time.Minute,
		func(w time.Time) time.Time { return w },
		func(n int) fetch.Signals { return fetch.Signals{Failed: n <= 10} })
	if st.ErrorCount != 0 || st.WaitReason != store.WaitSchedule {
		t.Errorf("after recovery: ErrorCount %d, WaitReason %q; want 0, schedule", st.ErrorCount, st.WaitReason)
	}
	// After the recovery, every fetch is 10 minutes after the one before.
	for i := 11; i < len(fetches); i++ {
		if gap := fetches[i].Sub(fetches[i-1]); gap != 10*time.Minute {
			t.Fatalf("fetch %d: %v after the previous, want 10m (reset after success)", i, gap)
		}
	}
	if len(fetches) < 1000 {
		t.Errorf("%d fetches, want the feed back on its schedule", len(fetches))
	}
}

func TestPlannerOverdueAfterRestart(t *testing.T) {
	// The daemon was down for ten days: the feed is fetched once at
	// restart, then hourly again, not once per missed tick.
	p := &fetch.Planner{Location: time.UTC}
	restart := mustTime(t, "2026-03-06T10:20:00Z")
	st := store.FeedState{NextDue: restart.Add(-10 * 24 * time.Hour), WaitReason: store.WaitSchedule}
	fetches := claimLoop(p, &st, "@hourly", restart, restart.Add(3*time.Hour), time.Second,
		func(w time.Time) time.Time { return w },
		func(int) fetch.Signals { return fetch.Signals{} })
	want := []time.Time{restart, mustTime(t, "2026-03-06T11:00:00Z"),
		mustTime(t, "2026-03-06T12:00:00Z"), mustTime(t, "2026-03-06T13:00:00Z")}
	if fmt.Sprint(fetches) != fmt.Sprint(want) {
		t.Errorf("fetches after restart:\n got %v\nwant %v", fetches, want)
	}
}

func TestPlannerClockJumps(t *testing.T) {
	p := &fetch.Planner{Location: time.UTC}
	start := mustTime(t, "2026-03-06T10:00:00Z")
	tests := []struct {
		name  string
		clock func(time.Time) time.Time
		// fetches expected in the 6 hours of wall time simulated.
		min, max int
	}{{
		name:  "steady",
		clock: func(w time.Time) time.Time { return w },
		min:   36, max: 37,
	}, {
		// The clock jumps a day ahead after two hours: one fetch at the
		// jump, then every 10 minutes again; no catch-up burst.
		name: "forward a day",
		clock: func(w time.Time) time.Time {
			if w.Sub(start) >= 2*time.Hour {
				return w.Add(24 * time.Hour)
			}
			return w
		},
		min: 36, max: 37,
	}, {
		// The clock jumps back 5 minutes: the planned NextDue is at most
		// 15 minutes ahead, the feed keeps being fetched.
		name: "back 5 minutes",
		clock: func(w time.Time) time.Time {
			if w.Sub(start) >= 2*time.Hour {
				return w.Add(-5 * time.Minute)
			}
			return w
		},
		min: 35, max: 37,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := store.FeedState{}
			fetches := claimLoop(p, &st, "*/10 * * * *", start, start.Add(6*time.Hour), time.Second, tt.clock,
				func(int) fetch.Signals { return fetch.Signals{} })
			if n := len(fetches); n < tt.min || n > tt.max {
				t.Errorf("%d fetches in 6h of a 10-minute schedule, want %d to %d", n, tt.min, tt.max)
			}
			for i := 1; i < len(fetches); i++ {
				if gap := fetches[i].Sub(fetches[i-1]); gap > 0 && gap < 5*time.Minute {
					t.Errorf("fetches %v and %v only %v apart: a burst", fetches[i-1], fetches[i], gap)
				}
			}
		})
	}

	// Apply from a now far before the last NextDue (the clock went back a
	// day) plans from that now: one interval ahead, not a day ahead.
	st := store.FeedState{NextDue: start.Add(time.Hour)}
	back := start.Add(-24 * time.Hour)
	p.Apply(&st, "@every 1h", fetch.Signals{Now: back})
	if want := back.Add(time.Hour); !st.NextDue.Equal(want) {
		t.Errorf("after a backward jump: NextDue = %v, want %v", st.NextDue, want)
	}
}

func TestPlannerSpread(t *testing.T) {
	// Feeds sharing a schedule get different, stable offsets within a tenth
	// of the interval (at most a minute), so they do not all start in the
	// same second.
	now := mustTime(t, "2026-03-06T10:00:00Z")
	tests := []struct {
		schedule string
		tick     time.Time
		window   time.Duration
	}{
		{"@every 10s", now.Add(10 * time.Second), time.Second},
		{"*/5 * * * *", now.Add(5 * time.Minute), 30 * time.Second},
		{"@hourly", now.Add(time.Hour), time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.schedule, func(t *testing.T) {
			p := &fetch.Planner{Location: time.UTC}
			seconds := map[time.Time]int{}
			for i := range 100 {
				key := fmt.Sprintf("https://example.com/feed/%d.xml", i)
				var a, b store.FeedState
				p.Apply(&a, tt.schedule, fetch.Signals{Now: now, Key: key})
				p.Apply(&b, tt.schedule, fetch.Signals{Now: now, Key: key})
				if !a.NextDue.Equal(b.NextDue) {
					t.Fatalf("%s: offset not stable: %v then %v", key, a.NextDue, b.NextDue)
				}
				off := a.NextDue.Sub(tt.tick)
				if off < 0 || off >= tt.window {
					t.Fatalf("%s: offset %v outside [0, %v)", key, off, tt.window)
				}
				seconds[a.NextDue.Truncate(tt.window/10)]++
			}
			// 100 feeds over 10 slots: no slot holds a third of them.
			for slot, n := range seconds {
				if n > 33 {
					t.Errorf("%d of 100 feeds due in the slot at %v", n, slot)
				}
			}
			var none store.FeedState
			p.Apply(&none, tt.schedule, fetch.Signals{Now: now})
			if !none.NextDue.Equal(tt.tick) {
				t.Errorf("no key: NextDue = %v, want the tick %v", none.NextDue, tt.tick)
			}
		})
	}
}

func TestPlannerConcurrent(t *testing.T) {
	// Workers share one Planner; run with -race.
	p := &fetch.Planner{}
	now := time.Now()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				var st store.FeedState
				p.Apply(&st, fmt.Sprintf("@every %dm", 1+(i*200+j)%50), fetch.Signals{Now: now, Failed: j%2 == 0})
				if !st.NextDue.After(now) {
					t.Errorf("NextDue %v not after now", st.NextDue)
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzPlannerNext(f *testing.F) {
	for _, s := range []string{"*/15 * * * *", "@hourly", "@every 1s", "CRON_TZ=Europe/Paris 30 2 * * *",
		"TZ=UTC", "0 0 30 2 *", "@every -5s", "CRON_TZ= ", "1-2/0 * * * *", "* * * * ?", "TZ=Local @daily"} {
		f.Add(s, int64(1772791200))
	}
	f.Fuzz(func(t *testing.T, spec string, unix int64) {
		// Keep after within years cron can step through.
		after := time.Unix(unix%(1<<33), 0)
		p := &fetch.Planner{Location: time.UTC}
		next, err := p.Next(spec, after)
		if err != nil {
			return
		}
		if !next.After(after) {
			t.Fatalf("Next(%q, %v) = %v, not after", spec, after, next)
		}
		var st store.FeedState
		p.Apply(&st, spec, fetch.Signals{Now: after, Key: spec})
		if st.NextDue.Before(next) {
			t.Fatalf("Apply: NextDue %v before the tick %v", st.NextDue, next)
		}
	})
}

func BenchmarkPlannerApply(b *testing.B) {
	p := &fetch.Planner{}
	now := time.Now()
	for b.Loop() {
		var st store.FeedState
		p.Apply(&st, "CRON_TZ=Europe/Paris */15 * * * *", fetch.Signals{Now: now, Key: "https://example.com/feed.xml"})
	}
}

// TestApplyEveryCountsFromTheFetch checks that @every plans a full interval
// after the fetch: cron's @every counts from the next whole second, so a
// fetch late in a second was planned a fraction of the interval later.
func TestApplyEveryCountsFromTheFetch(t *testing.T) {
	var p fetch.Planner
	for _, tt := range []struct {
		spec     string
		interval time.Duration
	}{
		{"@every 1s", time.Second},
		{"@every 5s", 5 * time.Second},
		{"@every 30m", 30 * time.Minute},
	} {
		for _, frac := range []time.Duration{0, 167 * time.Millisecond, 833 * time.Millisecond, 999 * time.Millisecond} {
			now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC).Add(frac)
			var st store.FeedState
			p.Apply(&st, tt.spec, fetch.Signals{Now: now, Key: "https://example.org/feed"})
			gap := st.NextDue.Sub(now)
			// The spread adds at most a tenth of the interval.
			if gap < tt.interval || gap > tt.interval+tt.interval/10 {
				t.Errorf("%s, fetch at %s: next due %v later, want between %v and %v",
					tt.spec, now.Format("15:04:05.000"), gap, tt.interval, tt.interval+tt.interval/10)
			}
		}
	}
}

// TestNextFetchOfSeveralSchedules: a feed with subscribers asking for
// different schedules is fetched as often as the most frequent asks.
func TestNextFetchOfSeveralSchedules(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	p := &fetch.Planner{Default: "@every 2h", Location: time.UTC}
	tests := []struct {
		name      string
		schedules []string
		min, max  time.Duration // the wait after now, spread included
	}{
		{"none is the default", nil, 2 * time.Hour, 2*time.Hour + 12*time.Minute},
		{"one", []string{"@every 90m"}, 90 * time.Minute, 99 * time.Minute},
		{"the most frequent wins", []string{"@every 2160h", "@every 1m"}, time.Minute, time.Minute + 6*time.Second},
		{"the default among others", []string{"", "@every 24h"}, 2 * time.Hour, 2*time.Hour + 12*time.Minute},
		{"cron and every", []string{"0 11 * * *", "@every 3h"}, time.Hour, time.Hour + 6*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := p.NextFetch(tt.schedules, "https://example.org/feed", now)
			if wait := next.Sub(now); wait < tt.min || wait > tt.max {
				t.Errorf("NextFetch(%q) in %v; want between %v and %v", tt.schedules, wait, tt.min, tt.max)
			}
			var st store.FeedState
			p.ApplyAll(&st, tt.schedules, fetch.Signals{Now: now, Key: "https://example.org/feed"})
			if !st.NextDue.Equal(next) || st.WaitReason != store.WaitSchedule {
				t.Errorf("ApplyAll: next due %v (%s); want %v (schedule)", st.NextDue, st.WaitReason, next)
			}
		})
	}
}

func TestPlannerEveryKeepsItsInterval(t *testing.T) {
	// A feed fetched as soon as it is due is fetched once per interval
	// exactly, after its offset was added once; before the fix the offset
	// was added every period (a median of 63 s for @every 1m).
	for _, spec := range []string{"@every 1m", "@every 30m", "@every 1s", "@every 24h"} {
		for _, key := range []string{"https://a.example/feed", "https://b.example/rss", "x"} {
			p := &fetch.Planner{Location: time.UTC}
			st := store.FeedState{}
			now := mustTime(t, "2026-03-06T10:07:30.25Z")
			var gaps []time.Duration
			for range 50 {
				p.Apply(&st, spec, fetch.Signals{Now: now, Key: key})
				gaps = append(gaps, st.NextDue.Sub(now))
				now = st.NextDue
			}
			every, err := time.ParseDuration(strings.TrimPrefix(spec, "@every "))
			if err != nil {
				t.Fatal(err)
			}
			window := min(every/10, time.Minute)
			if gaps[0] < every || gaps[0] >= every+window {
				t.Errorf("%s %s: first wait %v, want in [%v, %v)", spec, key, gaps[0], every, every+window)
			}
			for i, g := range gaps[1:] {
				if g != every {
					t.Errorf("%s %s: wait %d is %v, want %v", spec, key, i+1, g, every)
					break
				}
			}
		}
	}
}
