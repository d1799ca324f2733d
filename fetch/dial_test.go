package fetch

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
)

// NewAllowing is New for tests that need one loopback address reachable and
// another refused on one machine: it refuses every non-public address
// except the ones given, exactly as New does without
// AllowPrivateNetworks.
func NewAllowing(o Options, allowed ...netip.Addr) *Fetcher {
	return newFetcher(o, func(a netip.Addr) error {
		if slices.Contains(allowed, a.Unmap()) {
			return nil
		}
		return publicOnly(a)
	})
}

func TestNonPublic(t *testing.T) {
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"::1", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"100.64.0.1", true},
		{"100.127.255.255", true},
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"::", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"ff02::1", true},
		{"255.255.255.255", true},
		{"240.0.0.1", true},
		{"192.0.2.1", true},
		{"198.18.0.1", true},
		{"2001:db8::1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"64:ff9b::7f00:1", true},     // NAT64 of 127.0.0.1
		{"2002:7f00:1::1", true},      // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", true},    // 6to4 of 192.168.1.1
		{"64:ff9b::5db8:d822", false}, // NAT64 of 93.184.216.34
		{"93.184.216.34", false},
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"100.63.255.255", false},
		{"100.128.0.0", false},
		{"172.32.0.1", false},
		{"2606:4700:4700::1111", false},
		{"::ffff:8.8.8.8", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := publicOnly(netip.MustParseAddr(tt.addr))
			if got := err != nil; got != tt.blocked {
				t.Fatalf("publicOnly(%s) = %v, want blocked %v", tt.addr, err, tt.blocked)
			}
			if tt.blocked && !errors.Is(err, ErrBlockedAddress) {
				t.Errorf("error %v is not ErrBlockedAddress", err)
			}
		})
	}
}

func TestDialerControlRefusesBeforeConnecting(t *testing.T) {
	d := newDialer(0, publicOnly)
	for _, addr := range []string{"127.0.0.1:80", "[::ffff:127.0.0.1]:80", "[::1]:443"} {
		err := d.Control("tcp", addr, nil)
		var be *BlockedAddressError
		if !errors.As(err, &be) {
			t.Fatalf("Control(%s) = %v, want a *BlockedAddressError", addr, err)
		}
	}
	if err := d.Control("tcp", "8.8.8.8:443", nil); err != nil {
		t.Fatalf("Control(8.8.8.8:443) = %v, want nil", err)
	}
	if err := d.Control("tcp", "not-an-address", nil); err == nil {
		t.Fatal("Control(not-an-address) = nil, want an error")
	}
}
