package fetch

import (
	"fmt"
	"time"

	"tidings/store"
)

// DescribeWait says in a few words when a feed is fetched next and why, for
// `tidings feeds`: "due now", "in 12m (schedule)", "in 2h (server asked)",
// "retry-after until 10:42", "backing off after 3 failures: in 4m",
// "in 30m (schedule, after 1 failure)",
// "gone (410); refresh it to retry". Times are shown in now's
// location.
func DescribeWait(st store.FeedState, now time.Time) string {
	if st.Gone {
		return "gone (410); refresh it to retry"
	}
	if st.NotBefore.After(now) {
		return "retry-after until " + clock(st.NotBefore, now)
	}
	if st.NextDue.IsZero() || !st.NextDue.After(now) {
		return "due now"
	}
	in := "in " + shortDuration(st.NextDue.Sub(now))
	switch st.WaitReason {
	case store.WaitBackoff:
		return fmt.Sprintf("backing off after %d %s: %s", st.ErrorCount, plural(st.ErrorCount, "failure"), in)
	case store.WaitRetryAfter:
		return "retry-after until " + clock(st.NextDue, now)
	case store.WaitServer:
		return in + " (server asked)"
	case store.WaitSchedule:
		if st.ErrorCount > 0 {
			// The schedule's tick came after the backoff: say the
			// feed is failing all the same.
			return fmt.Sprintf("%s (schedule, after %d %s)", in, st.ErrorCount, plural(st.ErrorCount, "failure"))
		}
		return in + " (schedule)"
	case store.WaitNew:
		return in + " (new)"
	}
	return in
}

// clock shows t as a time of day, with the date when it is not today.
func clock(t, now time.Time) string {
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	if t.Year() == now.Year() {
		return t.Format("Jan 2 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// shortDuration rounds d to what a person needs: "45s", "12m", "3h5m",
// "2d4h".
func shortDuration(d time.Duration) string {
	if d < time.Minute-time.Second/2 {
		return fmt.Sprintf("%ds", max(1, int(d.Round(time.Second)/time.Second)))
	}
	d = d.Round(time.Minute)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	d = d.Round(time.Hour)
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
