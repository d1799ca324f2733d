package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"tidings/reader"
	"tidings/store"
)

// DefaultMaxBody caps a request body (a form, an OPML upload, an API
// call's JSON) unless Options.MaxBody says otherwise.
const DefaultMaxBody = 16 << 20

// Options configure a Server. Reader is required.
type Options struct {
	// Reader runs the use cases: sign in, sessions, users.
	Reader *reader.Reader
	// Logger receives the server's records; nil discards them.
	Logger *slog.Logger
	// Health, when not nil, is served at GET /healthz; Metrics, when not
	// nil, at GET /metrics. Neither asks for a login.
	Health  HealthCheck
	Metrics http.Handler
	// Listen is the address the server listens on (host:port). On a
	// loopback address, a database with one user who has no password is
	// served without a login; on any other, New refuses users without a
	// password.
	Listen string
	// TrustedProxyHeader, when not empty, names a request header (such as
	// Remote-User) that carries the name of a user an authenticating
	// proxy signed in. It is believed only from TrustedProxies.
	TrustedProxyHeader string
	// TrustedProxies are the networks of the reverse proxies in front of
	// the server: from them, TrustedProxyHeader, X-Forwarded-For and
	// X-Forwarded-Proto are believed; from anywhere else, ignored.
	TrustedProxies []netip.Prefix
	// SecureCookies marks cookies Secure on every request, for a server
	// behind a TLS proxy that is not among TrustedProxies. Without it,
	// cookies are Secure when the request came over TLS or a trusted
	// proxy says X-Forwarded-Proto: https.
	SecureCookies bool
	// FrameHosts are the hosts (and their subdomains) whose video players
	// item content may embed (config content.iframe_hosts); the
	// Content-Security-Policy allows frames from them over https only.
	FrameHosts []string
	// MaxBody caps request bodies; 0 means DefaultMaxBody.
	MaxBody int64
	// Now is the clock of the login rate limit; nil means time.Now.
	Now func() time.Time
}

// Server is tidings' web server: the mux, authentication, sessions, CSRF
// protection, security headers, /healthz and /metrics. Front ends mount
// their pages with Handle and their self-authenticating APIs with
// HandleAPI, before the first request. It is safe for concurrent use.
type Server struct {
	rd      *reader.Reader
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	// apis are the subtrees mounted by HandleAPI, served before the mux
	// when their path holds "//" (see dispatch).
	apis     []apiRoute
	loopback bool
	proxyHdr string
	proxies  []netip.Prefix
	secure   bool
	maxBody  int64
	now      func() time.Time
	limiter  *limiter
	csp      string
}

// New returns a Server with o's settings. On a listen address that is not
// loopback, without a TrustedProxyHeader, it returns an error naming every
// user who has no password and saying how to give them one: nobody could
// log in as them.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Reader == nil {
		return nil, errors.New("web: Options.Reader is required")
	}
	s := &Server{
		rd:       o.Reader,
		log:      o.Logger,
		mux:      http.NewServeMux(),
		loopback: isLoopback(o.Listen),
		proxyHdr: http.CanonicalHeaderKey(strings.TrimSpace(o.TrustedProxyHeader)),
		proxies:  o.TrustedProxies,
		secure:   o.SecureCookies,
		maxBody:  o.MaxBody,
		now:      o.Now,
		csp:      contentSecurityPolicy(o.FrameHosts),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.proxyHdr != "" && len(s.proxies) == 0 {
		return nil, fmt.Errorf("web: the trusted proxy header %s needs the networks of the proxies that send it (web.trusted_proxies)", s.proxyHdr)
	}
	s.limiter = newLimiter(s.now)
	if !s.loopback && s.proxyHdr == "" {
		if err := s.checkPasswords(ctx, o.Listen); err != nil {
			return nil, err
		}
	}
	s.mux.Handle("GET /login", s.public(http.HandlerFunc(s.loginPage)))
	s.mux.Handle("POST /login", s.public(http.HandlerFunc(s.login)))
	s.mux.Handle("POST /logout", s.public(http.HandlerFunc(s.logout)))
	if o.Health != nil {
		s.mux.Handle("GET /healthz", Health(o.Health))
	}
	if o.Metrics != nil {
		s.mux.Handle("GET /metrics", o.Metrics)
	}
	s.handler = s.headers(http.HandlerFunc(s.dispatch))
	return s, nil
}

// apiRoute is a subtree mounted by HandleAPI.
type apiRoute struct {
	prefix string
	h      http.Handler
}

// dispatch serves a request through the mux, except a reader-app API
// request whose path holds "//": the Google Reader API puts stream IDs
// such as feed/https://example.org/feed in the path, which the mux would
// clean of the double slash and redirect to another, wrong, path.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.URL.Path, "//") {
		for _, a := range s.apis {
			if strings.HasPrefix(r.URL.Path, a.prefix) {
				a.h.ServeHTTP(w, r)
				return
			}
		}
	}
	s.mux.ServeHTTP(w, r)
}

// PasswordsError lists the users who have no password, which a server on a
// listen address other than loopback refuses to start with.
type PasswordsError struct {
	Listen string
	Names  []string
}

func (e *PasswordsError) Error() string {
	cmds := make([]string, len(e.Names))
	for i, n := range e.Names {
		cmds[i] = "`tidings user passwd " + n + "`"
	}
	return fmt.Sprintf("the web server on %s is reachable from other machines, and these users have no password to log in with: %s; "+
		"give each one with %s, or listen on 127.0.0.1 only",
		e.Listen, strings.Join(e.Names, ", "), strings.Join(cmds, ", "))
}

func (s *Server) checkPasswords(ctx context.Context, listen string) error {
	users, err := s.rd.Users(ctx)
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	var names []string
	for _, u := range users {
		if u.PasswordHash == "" {
			names = append(names, u.Name)
		}
	}
	if len(names) > 0 {
		return &PasswordsError{Listen: listen, Names: names}
	}
	return nil
}

// isLoopback reports whether the listen address host:port is on loopback
// only: localhost or a loopback IP. An empty host listens everywhere.
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

// Handler returns the handler to serve: every route mounted, each
// response with the security headers.
func (s *Server) Handler() http.Handler { return s.handler }

// Handle mounts a page for a signed-in user at pattern (an
// http.ServeMux pattern, such as "GET /items/{id}"). Its handler finds
// the user, the CSRF token and the session with User, CSRFToken and
// SessionID. A request without a session is sent to the login page
// (303 to /login?next=...) when it is a GET, and refused (401) otherwise;
// a POST must carry the CSRF token and come from this site (403
// otherwise); methods other than GET, HEAD and POST are refused (405):
// only POST changes state.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, s.authed(h))
}

// HandleFunc is Handle of a function.
func (s *Server) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	s.Handle(pattern, http.HandlerFunc(h))
}

// HandlePublic mounts what anyone may fetch without logging in: the
// stylesheet, scripts, icons and manifest the login page needs too. Its
// requests get the security headers and the body cap; GET and HEAD
// only.
func (s *Server) HandlePublic(pattern string, h http.Handler) {
	s.mux.Handle(pattern, s.public(readOnly(h)))
}

// HandleAPI mounts a reader-app API that authenticates each request
// itself (an app password): no cookie, no session, no CSRF token; the
// security headers and the body cap still apply.
func (s *Server) HandleAPI(pattern string, h http.Handler) {
	h = s.public(h)
	s.mux.Handle(pattern, h)
	if strings.HasPrefix(pattern, "/") && strings.HasSuffix(pattern, "/") {
		s.apis = append(s.apis, apiRoute{prefix: pattern, h: h})
	}
}

// public caps the request body and tells the handler the client's
// address (ClientAddr).
func (s *Server) public(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.maxBody {
			http.Error(w, fmt.Sprintf("the request body is larger than %d bytes", s.maxBody), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
		h.ServeHTTP(w, r.WithContext(WithClientAddr(r.Context(), s.clientAddr(r))))
	})
}

func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fail answers an error that is not the client's: logged, and a 500 that
// says to try again.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, msg string, err error) {
	s.log.Error(msg, slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	http.Error(w, "the server could not do that; try again in a moment", http.StatusInternalServerError)
}

// actingUser is who a request acts for, and how it was let in.
type actingUser struct {
	user store.User
	// session is the request's session, zero if it came in another way.
	session store.Session
	// csrf is the token its forms carry.
	csrf string
}
