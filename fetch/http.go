package fetch

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps how long a Retry-After may hold a feed back: the
// server's word is obeyed, but a broken server must not stop a feed for good.
const maxRetryAfter = 7 * 24 * time.Hour

// maxHeaderDelay bounds the header hints before the planner caps them, so
// that huge values cannot overflow a time.Duration.
const maxHeaderDelay = 365 * 24 * time.Hour

// parseRetryAfter reads a Retry-After value (RFC 9110 10.2.3): a number of
// seconds, or an HTTP date. An HTTP date is read against the server's own
// Date header when there is one, so that a skewed server clock does not
// shift the wait. It returns the time to wait until (never before now, at
// most maxRetryAfter after it) and whether the value was valid.
func parseRetryAfter(value, date string, now time.Time) (time.Time, bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		return time.Time{}, false
	}
	var wait time.Duration
	if isDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(maxRetryAfter/time.Second) {
			// All digits but out of range: a very long wait.
			wait = maxRetryAfter
		} else {
			wait = time.Duration(secs) * time.Second
		}
	} else {
		t, err := http.ParseTime(v)
		if err != nil {
			return time.Time{}, false
		}
		base := now
		if d, err := http.ParseTime(strings.TrimSpace(date)); err == nil {
			base = d
		}
		wait = clampDuration(t.Sub(base), 0, maxRetryAfter)
	}
	return now.Add(min(wait, maxRetryAfter)), true
}

// cacheHint is what Cache-Control and Expires say about how long a response
// stays fresh.
type cacheHint struct {
	// Delay is how long the response stays fresh; zero if nothing said so.
	Delay time.Duration
	// NoCache is set by no-cache or no-store: the server wants no caching,
	// so no header delay applies.
	NoCache bool
}

// parseCacheControl reads the directives of a Cache-Control header that
// matter to a client polling a resource: max-age, no-cache and no-store.
// maxAge is -1 when there is no valid max-age.
func parseCacheControl(value string) (maxAge time.Duration, noCache bool) {
	maxAge = -1
	for d := range strings.SplitSeq(value, ",") {
		name, arg, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "no-cache", "no-store":
			noCache = true
		case "max-age":
			arg = strings.Trim(strings.TrimSpace(arg), `"`)
			if !isDigits(arg) {
				continue
			}
			secs, err := strconv.ParseInt(arg, 10, 64)
			if err != nil || secs > int64(maxHeaderDelay/time.Second) {
				secs = int64(maxHeaderDelay / time.Second)
			}
			// The first valid max-age wins (RFC 9111 4.2.1: a duplicate
			// makes the response stale; taking the first is the lenient
			// reading).
			if maxAge < 0 {
				maxAge = time.Duration(secs) * time.Second
			}
		}
	}
	return maxAge, noCache
}

// headerHint derives the freshness of a response from its headers:
// Cache-Control max-age (less Age) when present, else Expires minus Date
// (or minus now without a Date). no-cache and no-store mean no hint.
func headerHint(h http.Header, now time.Time) cacheHint {
	maxAge, noCache := parseCacheControl(strings.Join(h.Values("Cache-Control"), ","))
	if noCache {
		return cacheHint{NoCache: true}
	}
	if maxAge >= 0 {
		if age, err := strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64); err == nil && age > 0 {
			maxAge -= time.Duration(min(age, int64(maxHeaderDelay/time.Second))) * time.Second
		}
		return cacheHint{Delay: clampDuration(maxAge, 0, maxHeaderDelay)}
	}
	exp := strings.TrimSpace(h.Get("Expires"))
	if exp == "" {
		return cacheHint{}
	}
	// An invalid Expires (often "0" or "-1") means already expired.
	t, err := http.ParseTime(exp)
	if err != nil {
		return cacheHint{}
	}
	base := now
	if d, err := http.ParseTime(strings.TrimSpace(h.Get("Date"))); err == nil {
		base = d
	}
	return cacheHint{Delay: clampDuration(t.Sub(base), 0, maxHeaderDelay)}
}

func clampDuration(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
