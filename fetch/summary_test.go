package fetch

import (
	"testing"
	"time"
)

func TestRoundSummary(t *testing.T) {
	// The first round is summed up at once, then at most every period,
	// and take flushes what is left; nothing is lost between summaries.
	var m roundSummary
	t0 := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	round := func(at time.Duration, feeds, errs int) Round {
		return Round{Started: t0.Add(at - time.Second), Finished: t0.Add(at), Feeds: feeds, New: 2 * feeds, Errors: errs}
	}
	tests := []struct {
		r        Round
		wantLog  bool
		wantSums roundTally
	}{
		{round(0, 1, 0), true, roundTally{Round: Round{Feeds: 1, New: 2}, rounds: 1}},
		{round(time.Minute, 2, 1), false, roundTally{}},
		{round(9*time.Minute, 3, 0), false, roundTally{}},
		{round(10*time.Minute, 4, 0), true, roundTally{Round: Round{Feeds: 9, New: 18, Errors: 1}, rounds: 3}},
		{round(11*time.Minute, 5, 0), false, roundTally{}},
	}
	for i, tt := range tests {
		sum, ok := m.add(tt.r, 10*time.Minute)
		if ok != tt.wantLog {
			t.Fatalf("round %d: logged %v, want %v", i, ok, tt.wantLog)
		}
		if !ok {
			continue
		}
		got := sum
		got.Started, got.Finished = time.Time{}, time.Time{}
		if got != tt.wantSums {
			t.Errorf("round %d: summary %+v, want %+v", i, got, tt.wantSums)
		}
	}
	sum, ok := m.take(t0.Add(12 * time.Minute))
	if !ok || sum.rounds != 1 || sum.Feeds != 5 {
		t.Errorf("take = %+v, %v; want the last round", sum, ok)
	}
	if _, ok := m.take(t0.Add(13 * time.Minute)); ok {
		t.Error("take with nothing summed since: want false")
	}
}
