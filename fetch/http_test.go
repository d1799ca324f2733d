package fetch

import (
	"net/http"
	"testing"
	"time"
)

var httpTestNow = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		name, value, date string
		want              time.Time
		ok                bool
	}{
		{"seconds", "120", "", httpTestNow.Add(2 * time.Minute), true},
		{"zero", "0", "", httpTestNow, true},
		{"spaces", "  30 ", "", httpTestNow.Add(30 * time.Second), true},
		{"http date", "Sat, 28 Nov 2026 10:05:00 GMT", "", httpTestNow.Add(5 * time.Minute), true},
		{"rfc850 date", "Saturday, 28-Nov-26 10:05:00 GMT", "", httpTestNow.Add(5 * time.Minute), true},
		// The server's clock is 1h behind ours: its date means 5 minutes.
		{"date against server Date", "Sat, 28 Nov 2026 09:05:00 GMT", "Sat, 28 Nov 2026 09:00:00 GMT", httpTestNow.Add(5 * time.Minute), true},
		{"date in the past", "Sat, 28 Nov 2026 09:00:00 GMT", "", httpTestNow, true},
		{"capped seconds", "99999999", "", httpTestNow.Add(maxRetryAfter), true},
		{"overflowing seconds", "999999999999999999999999", "", httpTestNow.Add(maxRetryAfter), true},
		{"capped date", "Fri, 01 Jan 2100 00:00:00 GMT", "", httpTestNow.Add(maxRetryAfter), true},
		{"empty", "", "", time.Time{}, false},
		{"negative", "-5", "", time.Time{}, false},
		{"fraction", "1.5", "", time.Time{}, false},
		{"garbage", "soon", "", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.value, tt.date, httpTestNow)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("parseRetryAfter(%q, %q) = %v, %v; want %v, %v", tt.value, tt.date, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestHeaderHint(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   cacheHint
	}{
		{"none", http.Header{}, cacheHint{}},
		{"max-age", http.Header{"Cache-Control": {"public, max-age=3600"}}, cacheHint{Delay: time.Hour}},
		{"max-age quoted", http.Header{"Cache-Control": {`max-age="600"`}}, cacheHint{Delay: 10 * time.Minute}},
		{"max-age case", http.Header{"Cache-Control": {"Max-Age=60"}}, cacheHint{Delay: time.Minute}},
		{"max-age less Age", http.Header{"Cache-Control": {"max-age=3600"}, "Age": {"600"}}, cacheHint{Delay: 50 * time.Minute}},
		{"Age beyond max-age", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"600"}}, cacheHint{}},
		{"max-age over two headers", http.Header{"Cache-Control": {"public", "max-age=120"}}, cacheHint{Delay: 2 * time.Minute}},
		{"first max-age wins", http.Header{"Cache-Control": {"max-age=60, max-age=7200"}}, cacheHint{Delay: time.Minute}},
		{"huge max-age", http.Header{"Cache-Control": {"max-age=99999999999999999999"}}, cacheHint{Delay: maxHeaderDelay}},
		{"bad max-age", http.Header{"Cache-Control": {"max-age=soon"}}, cacheHint{}},
		{"no-cache", http.Header{"Cache-Control": {"no-cache, max-age=3600"}}, cacheHint{NoCache: true}},
		{"no-store", http.Header{"Cache-Control": {"no-store"}, "Expires": {"Sat, 28 Nov 2026 11:00:00 GMT"}}, cacheHint{NoCache: true}},
		{"expires", http.Header{"Expires": {"Sat, 28 Nov 2026 11:00:00 GMT"}}, cacheHint{Delay: time.Hour}},
		{"expires against Date", http.Header{"Expires": {"Sat, 28 Nov 2026 11:00:00 GMT"}, "Date": {"Sat, 28 Nov 2026 10:30:00 GMT"}}, cacheHint{Delay: 30 * time.Minute}},
		{"max-age beats expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {"Sat, 28 Nov 2026 11:00:00 GMT"}}, cacheHint{Delay: time.Minute}},
		{"expires zero", http.Header{"Expires": {"0"}}, cacheHint{}},
		{"expires past", http.Header{"Expires": {"Sat, 28 Nov 2026 09:00:00 GMT"}}, cacheHint{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := headerHint(tt.header, httpTestNow); got != tt.want {
				t.Errorf("headerHint(%v) = %+v, want %+v", tt.header, got, tt.want)
			}
		})
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "Sat, 28 Nov 2026 10:05:00 GMT", "Mon Jan  2 15:04:05 2006", "99999999999999999999", ""} {
		f.Add(s, "Sat, 28 Nov 2026 10:00:00 GMT")
	}
	f.Fuzz(func(t *testing.T, value, date string) {
		got, ok := parseRetryAfter(value, date, httpTestNow)
		if !ok {
			if !got.IsZero() {
				t.Fatalf("invalid %q gave a time %v", value, got)
			}
			return
		}
		if got.Before(httpTestNow) || got.After(httpTestNow.Add(maxRetryAfter)) {
			t.Fatalf("parseRetryAfter(%q, %q) = %v, outside [now, now+%v]", value, date, got, maxRetryAfter)
		}
	})
}

func FuzzCacheControl(f *testing.F) {
	for _, s := range []string{"max-age=60", "no-cache", "public, max-age=\"3600\", must-revalidate", "max-age=", "max-age=99999999999999999999999", ",,,="} {
		f.Add(s, "Sat, 28 Nov 2026 11:00:00 GMT", "30")
	}
	f.Fuzz(func(t *testing.T, cc, expires, age string) {
		maxAge, noCache := parseCacheControl(cc)
		if maxAge < -1 || maxAge > maxHeaderDelay {
			t.Fatalf("parseCacheControl(%q) max-age %v out of range", cc, maxAge)
		}
		h := headerHint(http.Header{"Cache-Control": {cc}, "Expires": {expires}, "Age": {age}}, httpTestNow)
		if h.Delay < 0 || h.Delay > maxHeaderDelay {
			t.Fatalf("headerHint delay %v out of range", h.Delay)
		}
		if noCache && (h.Delay != 0 || !h.NoCache) {
			t.Fatalf("no-cache in %q gave %+v", cc, h)
		}
	})
}
