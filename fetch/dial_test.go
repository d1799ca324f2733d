package fetch

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
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

func TestLegacyIPv4(t *testing.T) {
	tests := []struct {
		host string
		want string // "" when not a legacy IPv4 form
	}{
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0X7F000001", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"10.0xff.0377.1", "10.255.255.1"},
		{"0", "0.0.0.0"},
		{"192.168.257", "192.168.1.1"},
		{"127.0.0.1", ""}, // canonical already
		{"::1", ""},       // IPv6
		{"example.org", ""},
		{"256.1", ""},      // a byte above 255
		{"1.2.3.256", ""},  // the last part overflows its byte
		{"1.2.3.4.5", ""},  // five parts
		{"4294967296", ""}, // above 32 bits
		{"08.1", ""},       // 8 is no octal digit
		{"1..2", ""},
		{"1.2.", ""},
		{"0x", "0.0.0.0"}, // as inet_aton and browsers read it
		{"+1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		a, ok := legacyIPv4(tt.host)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tt.want {
			t.Errorf("legacyIPv4(%q) = %q, %v; want %q", tt.host, got, ok, tt.want)
		}
	}
}

func TestLegacyIPv4IsCheckedAsAnAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "http://0x7f000001:"+r.URL.Query().Get("port")+"/feed", http.StatusFound)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	for _, host := range []string{"127.1", "0x7f000001", "2130706433", "0177.0.0.1"} {
		// Refused with the private-address message, not looked up in DNS.
		strict := newFetcher(Options{}, publicOnly)
		_, err := strict.get(t.Context(), "http://"+host+":"+port+"/feed", validators{})
		var be *BlockedAddressError
		if !errors.As(err, &be) || be.Addr.String() != "127.0.0.1" {
			t.Errorf("get via %s: %v; want a *BlockedAddressError for 127.0.0.1", host, err)
		}
		// Allowed, it reaches the server as 127.0.0.1.
		open := newFetcher(Options{}, allowAll)
		r, err := open.get(t.Context(), "http://"+host+":"+port+"/feed", validators{})
		if err != nil || string(r.Body) != "ok" {
			t.Errorf("get via %s with private networks allowed: %v", host, err)
		}
	}
	// A redirect to a legacy form is followed to the address, where the
	// dialer checks it (a lookup in DNS would fail).
	open := newFetcher(Options{}, allowAll)
	r, err := open.get(t.Context(), srv.URL+"/moved?port="+port, validators{})
	if err != nil || string(r.Body) != "ok" {
		t.Errorf("redirect to 0x7f000001: %v", err)
	}
}
