package web

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzSafeNext checks that whatever next a login is given, it sends the
// browser to a path of this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/feeds?tag=go", "//evil.test", "https://evil.test", "/\\evil.test", "/%2F%2Fevil.test",
		"/.//evil.test", "\t//evil.test", "/login?next=//evil.test", "/a/../..//evil.test", "///evil.test", "/ /evil.test"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://tidings.test/items/1")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q; want next itself or /", next, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t\r\n") {
			t.Fatalf("safeNext(%q) = %q: not a same-site path", next, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("safeNext(%q) = %q, which does not parse: %v", next, got, err)
		}
		if r := base.ResolveReference(u); r.Host != "tidings.test" || r.Scheme != "https" {
			t.Fatalf("safeNext(%q) = %q, which leads to %s", next, got, r)
		}
		// http.Redirect's Location, as a browser resolves it.
		rec := &headerRecorder{h: http.Header{}}
		http.Redirect(rec, &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/login"}}, got, http.StatusSeeOther)
		loc, err := url.Parse(rec.h.Get("Location"))
		if err != nil {
			t.Fatalf("Location %q does not parse: %v", rec.h.Get("Location"), err)
		}
		if r := base.ResolveReference(loc); r.Host != "tidings.test" {
			t.Fatalf("safeNext(%q): Location %q leads to %s", next, rec.h.Get("Location"), r)
		}
	})
}

type headerRecorder struct{ h http.Header }

func (r *headerRecorder) Header() http.Header         { return r.h }
func (r *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerRecorder) WriteHeader(int)             {}

func TestLimiterBounded(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	l := newLimiter(func() time.Time { return now })
	l.max = 100
	for i := range 1000 {
		l.try(fmt.Sprintf("addr\x00192.0.2.%d", i))
		if n := l.size(); n > l.max {
			t.Fatalf("after %d keys the limiter holds %d; want at most %d", i+1, n, l.max)
		}
	}
	// Stale keys go first.
	now = now.Add(forgetAfter)
	for range freeFailures {
		l.try("user\x00alice")
	}
	if w := l.wait("user\x00alice"); w != time.Second {
		t.Errorf("alice's wait after %d failures = %v; want 1s", freeFailures, w)
	}
	if n := l.size(); n != 1 {
		t.Errorf("after the others went stale, %d keys; want only alice's", n)
	}
}

func TestLimiterWait(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	l := newLimiter(func() time.Time { return now })
	// Five attempts pass; the fifth failure makes the next one wait 1s,
	// and each one after waits twice as long.
	for i := range freeFailures {
		if got := l.try("k"); got != 0 {
			t.Fatalf("attempt %d refused, wait %v", i+1, got)
		}
	}
	for _, w := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if got := l.try("k"); got != w {
			t.Fatalf("attempt at once = %v; want refused for %v", got, w)
		}
		now = now.Add(w)
		if got := l.try("k"); got != 0 {
			t.Fatalf("attempt after the wait of %v refused: %v", w, got)
		}
	}
	for range 40 {
		now = now.Add(maxWait)
		l.try("k")
	}
	if got := l.wait("k"); got != maxWait {
		t.Errorf("after many failures, wait %v; want the cap %v", got, maxWait)
	}
	if got := l.try("k"); got != maxWait {
		t.Errorf("an attempt while waiting = %v; want refused for %v", got, maxWait)
	}
	now = now.Add(maxWait + forgetAfter)
	if got := l.wait("k"); got != 0 {
		t.Errorf("after an hour's quiet, wait %v; want 0", got)
	}

	// A success takes back the address's attempt and clears the account.
	l.try("acct", "addr")
	l.try("acct", "addr")
	l.succeed("acct", "addr")
	if l.entries["acct"] != nil || l.entries["addr"] == nil || l.entries["addr"].n != 1 {
		t.Errorf("after two attempts and a success: account %+v, address %+v; want none, one failure",
			l.entries["acct"], l.entries["addr"])
	}
	if addressKey("2001:db8::1") != addressKey("2001:db8::ffff") || addressKey("2001:db8::1") == addressKey("2001:db8:0:1::1") {
		t.Error("IPv6 addresses do not count by their /64")
	}
}

func TestClientAddr(t *testing.T) {
	s := &Server{}
	s.proxies = mustPrefixes("10.0.0.0/8")
	for _, tt := range []struct{ remote, xff, want string }{
		{"192.0.2.1:1234", "", "192.0.2.1"},
		{"192.0.2.1:1234", "198.51.100.7", "192.0.2.1"}, // not a proxy: its header is ignored
		{"10.0.0.2:1234", "198.51.100.7", "198.51.100.7"},
		{"10.0.0.2:1234", "203.0.113.1, 198.51.100.7, 10.0.0.3", "198.51.100.7"},
		{"10.0.0.2:1234", "", "10.0.0.2"},
		{"10.0.0.2:1234", "garbage", "10.0.0.2"},
		{"[::ffff:192.0.2.1]:1234", "", "192.0.2.1"},
	} {
		r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := s.clientAddr(r); got != tt.want {
			t.Errorf("clientAddr(%s, XFF %q) = %s; want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}
