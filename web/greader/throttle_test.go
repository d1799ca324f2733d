package greader

import (
	"strconv"
	"testing"
	"time"
)

func TestThrottleIsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleOptions{Failures: 2, Window: time.Minute, MaxKeys: 10}, func() time.Time { return now })
	th.fail("user:alice")
	th.fail("user:alice")
	if th.wait("user:alice") <= 0 {
		t.Fatal("alice not held back after 2 failures")
	}
	for i := range 100 {
		now = now.Add(time.Millisecond)
		th.fail("addr:10.0.0." + strconv.Itoa(i))
	}
	if len(th.m) > 10 {
		t.Fatalf("%d keys remembered, want 10 at most", len(th.m))
	}
	now = now.Add(2 * time.Minute)
	if th.wait("addr:10.0.0.99") != 0 {
		t.Fatal("still held back after the window")
	}
}
