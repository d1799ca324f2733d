package fetch

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrBlockedAddress is wrapped by the error of a connection the fetcher
// refused because the address is not public (see BlockedAddressError).
var ErrBlockedAddress = errors.New("address is not public")

// BlockedAddressError is the error of a connection refused by the network
// safety check: the host name resolved to (or was) an address of the
// machine's own or another non-public network. errors.Is(err,
// ErrBlockedAddress) is true for it.
type BlockedAddressError struct {
	Addr   netip.Addr
	Reason string // "loopback", "private", ...
}

func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("refused to connect to %s (%s address); set fetch.allow_private_networks = true to fetch feeds on your own network",
		e.Addr, e.Reason)
}

// Is reports whether target is ErrBlockedAddress.
func (e *BlockedAddressError) Is(target error) bool { return target == ErrBlockedAddress }

// addrCheck decides whether the fetcher may connect to an address; it
// returns a *BlockedAddressError when not.
type addrCheck func(netip.Addr) error

// allowAll is the check under fetch.allow_private_networks.
func allowAll(netip.Addr) error { return nil }

// Special-purpose IPv4 and IPv6 ranges (IANA registries) that are not
// reachable public unicast addresses, beyond what netip's predicates cover.
var blockedPrefixes = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignment"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // includes 255.255.255.255
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
}

// Prefixes of IPv6 addresses that embed an IPv4 address the network turns
// into a connection to that IPv4 address: the embedded one is checked too.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96") // IPv4 in the last 32 bits
	sixToFour   = netip.MustParsePrefix("2002::/16")    // IPv4 in bits 16..47
)

// publicOnly refuses every address that is not public unicast.
func publicOnly(a netip.Addr) error {
	if reason := nonPublic(a); reason != "" {
		return &BlockedAddressError{Addr: a, Reason: reason}
	}
	return nil
}

// nonPublic returns why a is not a public unicast address, or "" if it is.
func nonPublic(a netip.Addr) string {
	if !a.IsValid() {
		return "invalid"
	}
	// ::ffff:127.0.0.1 reaches 127.0.0.1: judge the IPv4 address.
	a = a.Unmap().WithZone("")
	switch {
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, b := range blockedPrefixes {
		if b.prefix.Contains(a) {
			return b.reason
		}
	}
	if a.Is6() {
		b := a.As16()
		var v4 netip.Addr
		switch {
		case nat64Prefix.Contains(a):
			v4 = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		case sixToFour.Contains(a):
			v4 = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		}
		if v4.IsValid() {
			if r := nonPublic(v4); r != "" {
				return r + " (embedded in IPv6)"
			}
		}
	}
	return ""
}

// newDialer returns a dialer that checks every address it connects to,
// after DNS resolution, with check. Because the check runs in the dialer's
// Control hook, it covers every connection: the first request, each
// redirect, and each of the addresses Happy Eyeballs tries.
func newDialer(connectTimeout time.Duration, check addrCheck) *net.Dialer {
	return &net.Dialer{
		Timeout:   connectTimeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("refused to connect to %q: not an IP address: %w", address, err)
			}
			return check(ap.Addr())
		},
	}
}

// legacyIPv4 reads host as the IPv4 forms of inet_aton that browsers and
// curl still take but Go's resolver does not (it looks them up in DNS):
// one to four parts, each decimal, 0x hexadecimal or 0-led octal, the last
// filling the bytes left ("127.1", "0x7f000001", "2130706433",
// "0177.0.0.1"). It reports false for anything else, the canonical dotted
// form included.
func legacyIPv4(host string) (netip.Addr, bool) {
	if host == "" || strings.HasSuffix(host, ".") {
		return netip.Addr{}, false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return netip.Addr{}, false
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base, digits := 10, p
		switch {
		case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
		case p == "0x" || p == "0X":
			base, digits = 16, "0"
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil || digits == "" || strings.ContainsAny(digits, "+-_") {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	// Every part but the last is one byte; the last fills the rest.
	var n uint64
	for _, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n = n<<8 | v
	}
	rest := 8 * uint(5-len(vals))
	last := vals[len(vals)-1]
	if rest < 32 && last >= 1<<rest {
		return netip.Addr{}, false
	}
	n = n<<rest | last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// canonicalHost rewrites u's host in the dotted form when it is an IPv4
// address in a legacy form (see legacyIPv4), so that the address is
// connected to, and checked, as the address it is instead of failing as a
// host name DNS does not know.
func canonicalHost(u *url.URL) {
	a, ok := legacyIPv4(u.Hostname())
	if !ok {
		return
	}
	if port := u.Port(); port != "" {
		u.Host = net.JoinHostPort(a.String(), port)
	} else {
		u.Host = a.String()
	}
}
