package web

import (
	"context"
	"net"
	"net/http"

	"tidings/store"
)

// CSRFField is the name of the form field that carries a page's CSRF token
// in every state-changing form; CSRFHeader carries it in a script's request.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

type ctxKey int

const (
	userKey ctxKey = iota
	csrfKey
	sessionKey
	clientAddrKey
)

// WithUser returns ctx carrying the user a request acts for. The Server's
// authentication sets it; tests of a handler set it themselves.
func WithUser(ctx context.Context, u store.User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// User returns the user the request acts for, and false when it carries none
// (a handler behind the Server's authentication always has one).
func User(r *http.Request) (store.User, bool) {
	u, ok := r.Context().Value(userKey).(store.User)
	return u, ok
}

// WithCSRFToken returns ctx carrying the CSRF token that the forms of the
// request's page must send back in CSRFField.
func WithCSRFToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey, token)
}

// CSRFToken returns the CSRF token of the request's session, "" if none.
func CSRFToken(r *http.Request) string {
	t, _ := r.Context().Value(csrfKey).(string)
	return t
}

// WithSessionID returns ctx carrying the ID of the session a request came
// with, so a page listing sessions can mark the current one.
func WithSessionID(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, sessionKey, id)
}

// SessionID returns the ID of the request's session, 0 if it has none (a
// request let in by a trusted proxy or the loopback single user).
func SessionID(r *http.Request) int64 {
	id, _ := r.Context().Value(sessionKey).(int64)
	return id
}

// WithClientAddr returns ctx carrying the address of the client a request
// came from, as the Server computes it for its own login limit.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey, addr)
}

// ClientAddr returns the address of the client that made the request,
// without a port: the connection's peer or, behind one of the Server's
// trusted proxies, the address the proxies forwarded for. A handler mounted
// with HandleAPI or HandlePublic gets the Server's answer; any other
// request gets its peer's address.
func ClientAddr(r *http.Request) string {
	if a, ok := r.Context().Value(clientAddrKey).(string); ok && a != "" {
		return a
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
