package greader_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"tidings/web"
	"tidings/web/greader"
)

// TestClientLoginThrottleBehindProxy signs in through web.Server behind a
// trusted reverse proxy: every request comes from the proxy's address, and
// the throttle must count each client by the address the proxy forwarded
// for, not the proxy's.
func TestClientLoginThrottleBehindProxy(t *testing.T) {
	e := newEnv(t, 1, 1)
	for _, name := range []string{"alice", "bob", "carol"} {
		e.user(t, name)
	}
	ws, err := web.New(context.Background(), web.Options{Reader: e.r, Listen: "127.0.0.1:0",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	gr := greader.New(greader.Options{Reader: e.r, Now: e.clock.now,
		Throttle: greader.ThrottleOptions{Failures: 3, Window: time.Minute, MaxKeys: 100}})
	for _, p := range greader.Prefixes {
		ws.HandleAPI(p, gr)
	}
	srv := httptest.NewServer(ws.Handler())
	t.Cleanup(srv.Close)

	login := func(forwardedFor, name string) int {
		t.Helper()
		form := url.Values{"Email": {name}, "Passwd": {"wrong"}}
		r, err := http.NewRequest("POST", srv.URL+"/api/greader/accounts/ClientLogin", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if forwardedFor != "" {
			r.Header.Set("X-Forwarded-For", forwardedFor)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// One client hammers with three names, so only its address counts
	// three failures.
	for _, name := range []string{"alice", "bob", "carol"} {
		if got := login("192.0.2.7", name); got != 401 {
			t.Fatalf("failure as %s: %d, want 401", name, got)
		}
	}
	steps := []struct {
		name, forwardedFor, user string
		want                     int
	}{
		{"the hammering client is held back", "192.0.2.7", "dave", 429},
		{"so is it behind a second trusted hop", "192.0.2.7, 127.0.0.1", "erin", 429},
		{"another client behind the same proxy is not", "192.0.2.8", "frank", 401},
		{"nor is the proxy itself", "", "grace", 401},
	}
	for _, s := range steps {
		if got := login(s.forwardedFor, s.user); got != s.want {
			t.Errorf("%s: %d, want %d", s.name, got, s.want)
		}
	}
}
