package fetch_test

import (
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
)

func TestDescribeWait(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		st   store.FeedState
		want string
	}{
		{"never fetched", store.FeedState{WaitReason: store.WaitNew}, "due now"},
		{"due", store.FeedState{NextDue: now.Add(-time.Minute), WaitReason: store.WaitSchedule}, "due now"},
		{"due this instant", store.FeedState{NextDue: now, WaitReason: store.WaitSchedule}, "due now"},
		{"schedule", store.FeedState{NextDue: now.Add(12 * time.Minute), WaitReason: store.WaitSchedule}, "in 12m (schedule)"},
		{"schedule rounds", store.FeedState{NextDue: now.Add(59*time.Minute + 50*time.Second), WaitReason: store.WaitSchedule}, "in 1h (schedule)"},
		{"seconds", store.FeedState{NextDue: now.Add(40 * time.Second), WaitReason: store.WaitSchedule}, "in 40s (schedule)"},
		{"hours", store.FeedState{NextDue: now.Add(3*time.Hour + 5*time.Minute), WaitReason: store.WaitServer}, "in 3h5m (server asked)"},
		{"days", store.FeedState{NextDue: now.Add(52 * time.Hour), WaitReason: store.WaitSchedule}, "in 2d4h (schedule)"},
		{"retry-after", store.FeedState{NextDue: now.Add(42 * time.Minute), NotBefore: now.Add(42 * time.Minute), WaitReason: store.WaitRetryAfter}, "retry-after until 10:42"},
		{"retry-after tomorrow", store.FeedState{NotBefore: now.Add(24 * time.Hour), WaitReason: store.WaitRetryAfter}, "retry-after until Nov 29 10:00"},
		{"backoff", store.FeedState{NextDue: now.Add(4 * time.Minute), WaitReason: store.WaitBackoff, ErrorCount: 3}, "backing off after 3 failures: in 4m"},
		{"schedule after a failure", store.FeedState{NextDue: now.Add(30 * time.Minute), WaitReason: store.WaitSchedule, ErrorCount: 1}, "in 30m (schedule, after 1 failure)"},
		{"backoff once", store.FeedState{NextDue: now.Add(time.Minute), WaitReason: store.WaitBackoff, ErrorCount: 1}, "backing off after 1 failure: in 1m"},
		{"gone", store.FeedState{Gone: true, WaitReason: store.WaitGone, NextDue: now.Add(time.Hour)}, "gone (410); refresh it to retry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fetch.DescribeWait(tt.st, now); got != tt.want {
				t.Errorf("DescribeWait = %q, want %q", got, tt.want)
			}
		})
	}
}
