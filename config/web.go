package config

import (
	"net/netip"
	"strings"
	"time"
)

// DefaultSessionLifetime is the default of web.session_lifetime.
const DefaultSessionLifetime = 30 * 24 * time.Hour

// Bounds of web.session_lifetime: browsers keep a cookie at most 400
// days.
const (
	minSessionLifetime = time.Minute
	maxSessionLifetime = 400 * 24 * time.Hour
)

// Web is the [web] table: how the web server lets people in.
type Web struct {
	// TrustedProxyHeader names the request header (e.g. Remote-User) in
	// which an authenticating proxy passes the signed-in user's name; ""
	// means none. It is believed only from TrustedProxies, which it needs.
	TrustedProxyHeader string
	// TrustedProxies are the networks of the reverse proxies in front of
	// tidings, whose X-Forwarded-For, X-Forwarded-Proto and
	// TrustedProxyHeader are believed; nil when none. A bare address is
	// its own network (/32 or /128).
	TrustedProxies []netip.Prefix
	// SessionLifetime is how long a web session lasts after its last use.
	SessionLifetime time.Duration
}

// defaultWeb is Web's defaults.
func defaultWeb() Web { return Web{SessionLifetime: DefaultSessionLifetime} }

func (d *decoder) web(wc *Web, t map[string]any, base []string) {
	headerLine := []string(nil)
	for _, k := range sortedKeys(t) {
		v, path := t[k], join(base, k)
		switch k {
		case "trusted_proxy_header":
			s, ok := d.str(path, v)
			if !ok {
				continue
			}
			s = strings.TrimSpace(s)
			if s != "" && !headerName(s) {
				d.errorf(path, "%q is not a header name; give one such as \"Remote-User\" (letters, digits and '-')", s)
				continue
			}
			wc.TrustedProxyHeader = s
			headerLine = path
		case "trusted_proxies":
			wc.TrustedProxies = d.prefixes(path, v)
		case "session_lifetime":
			if dur, ok := d.duration(path, v, false); ok {
				if dur < minSessionLifetime || dur > maxSessionLifetime {
					d.errorf(path, "%s: must be from 1m to 400d (browsers keep a cookie at most 400 days), e.g. \"30d\"", dur)
				} else {
					wc.SessionLifetime = dur
				}
			}
		default:
			d.unknown("web", path)
		}
	}
	if wc.TrustedProxyHeader != "" && len(wc.TrustedProxies) == 0 && headerLine != nil {
		// A list given with bad entries has its own errors already.
		if list, isList := t["trusted_proxies"].([]any); !isList || len(list) == 0 {
			d.errorf(headerLine, "a trusted proxy header needs trusted_proxies, the networks of the proxies that set it, "+
				"e.g. trusted_proxies = [\"10.0.0.0/8\"]; from anywhere else it would let anyone in as anyone")
		}
	}
}

// headerName reports whether s is an HTTP header name that a proxy could
// set for a user: a token of letters, digits and inner '-'.
func headerName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "host", "cookie", "authorization", "content-type", "content-length", "x-forwarded-for", "x-forwarded-proto":
		return false
	}
	return true
}

// prefixes checks a list of networks (trusted_proxies): CIDR prefixes or
// bare addresses, nil when empty.
func (d *decoder) prefixes(path []string, v any) []netip.Prefix {
	arr, ok := v.([]any)
	if !ok {
		d.errorf(path, "want an array of networks, e.g. [\"10.0.0.0/8\", \"192.0.2.7\"], got %s", typeName(v))
		return nil
	}
	var out []netip.Prefix
	for i, e := range arr {
		ep := join(path, indexSeg(i))
		s, ok := e.(string)
		if !ok {
			d.errorf(ep, "want a network in quotes, e.g. \"10.0.0.0/8\", got %s", typeName(e))
			continue
		}
		s = strings.TrimSpace(s)
		var p netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			p, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(s); err == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		switch {
		case err != nil:
			d.errorf(ep, "%q is not a network; give a CIDR prefix such as \"10.0.0.0/8\" or \"fd00::/8\", or one address such as \"192.0.2.7\"", s)
		case p.Addr().Zone() != "":
			d.errorf(ep, "%q: a zone is not allowed here; give the address without %%zone", s)
		case p.Bits() == 0:
			d.errorf(ep, "%q would trust every address on the Internet; give the network of your proxies only", s)
		case p != p.Masked():
			d.errorf(ep, "%q has host bits set; the network is %q", s, p.Masked().String())
		default:
			out = append(out, p)
		}
	}
	return out
}
