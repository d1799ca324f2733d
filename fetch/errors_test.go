package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"testing"
	"time"
)

// TestDescribe covers the failures that cannot be produced on loopback
// without reaching out (DNS) or that come wrapped in several layers.
func TestDescribe(t *testing.T) {
	wrap := func(err error) error { return &url.Error{Op: "Get", URL: "https://example.org/feed", Err: err} }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"host not found", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nope.example", IsNotFound: true}}),
			"host name nope.example not found (DNS); check the URL"},
		{"DNS failure", wrap(&net.DNSError{Err: "server misbehaving", Name: "example.org", IsTemporary: true}),
			"DNS lookup of example.org failed: server misbehaving; check the network"},
		{"deadline", wrap(context.DeadlineExceeded),
			"no complete answer within 30s (fetch.timeout); the server is too slow or not answering"},
		{"connect timeout", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}),
			"could not connect within 10s; the server is down or unreachable"},
		{"canceled", wrap(context.Canceled), "fetch canceled"},
		{"too large", fmt.Errorf("%w (16 MiB)", ErrTooLarge), "feed larger than fetch.max_body (16 MiB)"},
		{"blocked", wrap(&net.OpError{Op: "dial", Err: &BlockedAddressError{Reason: "private"}}),
			"refused to connect to invalid IP (private address); set fetch.allow_private_networks = true to fetch feeds on your own network"},
		{"status", &StatusError{Code: 502}, "server answered 502 Bad Gateway; tidings will retry later, backing off"},
		{"unknown status", &StatusError{Code: 599}, "server answered 599; tidings will retry later, backing off"},
		{"other", errors.New("something odd"), "something odd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.err, 30*time.Second); got != tt.want {
				t.Errorf("describe = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{16 << 20: "16 MiB", 1 << 30: "1 GiB", 512 << 10: "512 KiB", 1000: "1000 bytes", 1<<20 + 1: "1048577 bytes"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestErrorHidesPassword(t *testing.T) {
	e := &Error{URL: "https://reader:s3cret@example.org/feed", Message: "server answered 404 Not Found; check the URL"}
	if got, want := e.Error(), "feed https://reader:xxxxx@example.org/feed: server answered 404 Not Found; check the URL"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
