package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// peer returns the address of the connection's other end.
func peer(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err == nil {
		return ap.Addr().Unmap(), true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// trusted reports whether a is in one of the trusted proxies' networks.
func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// fromProxy reports whether the request came from a trusted proxy.
func (s *Server) fromProxy(r *http.Request) bool {
	a, ok := peer(r)
	return ok && s.trusted(a)
}

// clientAddr is the address of the person's browser: the connection's
// peer, or, when that is a trusted proxy, the last address of
// X-Forwarded-For that is not one (what the proxies in front added).
func (s *Server) clientAddr(r *http.Request) string {
	a, ok := peer(r)
	if !ok {
		return r.RemoteAddr
	}
	if !s.trusted(a) {
		return a.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		h = h.Unmap()
		if !s.trusted(h) {
			return h.String()
		}
		a = h
	}
	return a.String()
}

// isSecure reports whether the browser reached the server over https:
// directly, or through a trusted proxy that says so.
func (s *Server) isSecure(r *http.Request) bool {
	if s.secure || r.TLS != nil {
		return true
	}
	return s.fromProxy(r) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// requestHost is the host the browser asked for: the request's Host, or,
// from a trusted proxy that passes it on, X-Forwarded-Host.
func (s *Server) requestHost(r *http.Request) string {
	if fh := r.Header.Get("X-Forwarded-Host"); fh != "" && s.fromProxy(r) {
		h, _, _ := strings.Cut(fh, ",")
		return strings.TrimSpace(h)
	}
	return r.Host
}

// proxyUser returns the user name the trusted proxy header carries, ""
// when there is no such header, it is empty, or the request did not come
// from a trusted proxy (then the header is ignored, whoever set it).
func (s *Server) proxyUser(r *http.Request) string {
	if s.proxyHdr == "" || !s.fromProxy(r) {
		return ""
	}
	return strings.TrimSpace(r.Header.Get(s.proxyHdr))
}

// forwarded reports whether the request says it passed a proxy: then it
// may come from anywhere, whatever the listen address.
func forwarded(r *http.Request) bool {
	return r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" ||
		r.Header.Get("X-Real-Ip") != ""
}

// loopbackHost reports whether the request's Host is a loopback name or
// address, so that a page of another site that rebinds its DNS name to
// 127.0.0.1 is not let in as the passwordless user.
func loopbackHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil && a.IsLoopback()
}
